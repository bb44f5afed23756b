package face

import (
	"encoding/binary"
	"image"
	"math"
	"testing"
)

func near32(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-5 }

// TestBFDecode decodes hand-made raw outputs: the anchor grid, the sigmoid, the offsets scaled by
// the input size, and what is dropped.
func TestBFDecode(t *testing.T) {
	const size = 128
	n := bfAnchors1
	scores := make([]float32, n)
	boxes := make([]float32, n*bfCoords)
	for i := range scores {
		scores[i] = -10 // sigmoid ≈ 4.5e-5: below any threshold
	}
	// Anchor 2·(16·3+5)+1: cell (x 5, y 3) of the 16×16 grid, its second anchor; centre
	// ((5+0.5)/16, (3+0.5)/16) = (0.34375, 0.21875).
	a := 2*(16*3+5) + 1
	scores[a] = 2                                              // sigmoid(2) = 0.880797
	copy(boxes[a*bfCoords:], []float32{12.8, -6.4, 25.6, 38.4, // x+0.1, y−0.05, w 0.2, h 0.3
		0, 0, 12.8, 0, 0, 12.8, 6.4, 6.4, -12.8, 0, 25.6, 0})
	// Dropped: a NaN score, an infinite offset, a negative width, a huge logit that is clamped but
	// kept.
	scores[0] = float32(math.NaN())
	scores[1] = 5
	boxes[1*bfCoords+3] = float32(math.Inf(1))
	scores[2] = 5
	copy(boxes[2*bfCoords:], []float32{0, 0, -10, 10})
	scores[3] = 1e30
	copy(boxes[3*bfCoords:], []float32{0, 0, 10, 10})

	got := bfDecode(nil, scores, boxes, bfGrid1, bfPerCell1, size, 0.5)
	if len(got) != 2 {
		t.Fatalf("%d candidates %+v, want 2", len(got), got)
	}
	c := got[1]
	ax, ay := float32(5.5/16), float32(3.5/16)
	want := bfCandidate{score: 0.880797, xmin: ax + 0.1 - 0.1, ymin: ay - 0.05 - 0.15, xmax: ax + 0.1 + 0.1, ymax: ay - 0.05 + 0.15}
	if !near32(c.score, want.score) || !near32(c.xmin, want.xmin) || !near32(c.ymin, want.ymin) || !near32(c.xmax, want.xmax) || !near32(c.ymax, want.ymax) {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
	wantKP := []float32{ax, ay, ax + 0.1, ay, ax, ay + 0.1, ax + 0.05, ay + 0.05, ax - 0.1, ay, ax + 0.2, ay}
	for k, v := range wantKP {
		if !near32(c.kp[k], v) {
			t.Errorf("keypoint value %d = %v, want %v", k, c.kp[k], v)
		}
	}
	if got[0].score != 1 {
		t.Errorf("clamped logit gave score %v, want 1", got[0].score)
	}
	// A threshold of 0.9999999 keeps only the clamped logit (score 1); short buffers decode
	// nothing and do not panic.
	if g := bfDecode(nil, scores, boxes, bfGrid1, bfPerCell1, size, 0.9999999); len(g) != 1 || g[0].score != 1 {
		t.Errorf("threshold 0.9999999 kept %+v", g)
	}
	if g := bfDecode(nil, scores[:10], boxes, bfGrid1, bfPerCell1, size, 0.5); len(g) != 0 {
		t.Errorf("short scores decoded %d", len(g))
	}
	// The second grid: 8×8 cells, 6 anchors each; anchor 6·(8·7+7) is in the last cell.
	s2 := make([]float32, bfAnchors2)
	b2 := make([]float32, bfAnchors2*bfCoords)
	for i := range s2 {
		s2[i] = -10
	}
	s2[6*(8*7+7)] = 0.5
	b2[6*(8*7+7)*bfCoords+2], b2[6*(8*7+7)*bfCoords+3] = 10, 10
	g := bfDecode(nil, s2, b2, bfGrid2, bfPerCell2, size, 0.5)
	if len(g) != 1 || !near32((g[0].xmin+g[0].xmax)/2, 7.5/8) || !near32((g[0].ymin+g[0].ymax)/2, 7.5/8) {
		t.Errorf("second grid: %+v", g)
	}
}

// TestBFWeightedNMS: overlapping detections merge into their score-weighted mean with the best
// score; separate ones stay; the order is by score; MaxFaces bounds the output.
func TestBFWeightedNMS(t *testing.T) {
	box := func(score, x0, y0, x1, y1 float32) bfCandidate {
		c := bfCandidate{score: score, xmin: x0, ymin: y0, xmax: x1, ymax: y1}
		for k := range c.kp {
			c.kp[k] = x0 + float32(k)/100
		}
		return c
	}
	cands := []bfCandidate{
		box(0.6, 0.12, 0.10, 0.42, 0.40), // overlaps the 0.9 one (IoU ≈ 0.85)
		box(0.7, 0.60, 0.60, 0.80, 0.80), // alone
		box(0.9, 0.10, 0.10, 0.40, 0.40),
		box(0.55, 0.30, 0.30, 0.60, 0.60), // IoU with the 0.9 one 0.01/0.17: below 0.3, stays
	}
	got := bfWeightedNMS(nil, cands, 0.3, 10)
	if len(got) != 3 {
		t.Fatalf("%d detections %+v, want 3", len(got), got)
	}
	m := got[0]
	wx0 := (0.9*0.10 + 0.6*0.12) / 1.5
	wx1 := (0.9*0.40 + 0.6*0.42) / 1.5
	if m.score != 0.9 || !near32(m.xmin, float32(wx0)) || !near32(m.xmax, float32(wx1)) || !near32(m.ymin, 0.1) || !near32(m.kp[0], float32(wx0)) {
		t.Errorf("merged %+v, want score 0.9, xmin %.4f, xmax %.4f", m, wx0, wx1)
	}
	if got[1].score != 0.7 || got[2].score != 0.55 {
		t.Errorf("order %v %v, want 0.7 then 0.55", got[1].score, got[2].score)
	}
	if g := bfWeightedNMS(nil, []bfCandidate{box(0.9, 0, 0, .1, .1), box(0.8, .5, .5, .6, .6), box(0.7, .8, .8, .9, .9)}, 0.3, 2); len(g) != 2 {
		t.Errorf("MaxFaces 2 gave %d", len(g))
	}
	if g := bfWeightedNMS(nil, nil, 0.3, 2); len(g) != 0 {
		t.Errorf("no candidates gave %d", len(g))
	}
}

func TestRollFromEyes(t *testing.T) {
	for _, tc := range []struct {
		r, l Point
		want float64
	}{
		{Point{100, 100}, Point{200, 100}, 0},
		{Point{100, 100}, Point{200, 0}, 45},    // left eye higher: counter-clockwise
		{Point{100, 100}, Point{200, 200}, -45}, // lower: clockwise
		{Point{100, 100}, Point{100, 0}, 90},
	} {
		k := Keypoints{RightEye: tc.r, LeftEye: tc.l}
		if got := rollFromEyes(&k); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("eyes %v %v: roll %v, want %v", tc.r, tc.l, got, tc.want)
		}
	}
}

// FuzzBlazeFaceDecode feeds arbitrary raw outputs (any float32 bit pattern: NaN, ±Inf, huge) and
// windows through the decoder, suppression and mapping: no panic, every face finite, its box and
// keypoints inside the frame, at most MaxFaces.
func FuzzBlazeFaceDecode(f *testing.F) {
	f.Add([]byte{}, int16(0), int16(0), uint16(128), uint16(640), uint16(480))
	f.Add([]byte{0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f, 1, 2, 3, 4}, int16(-300), int16(20), uint16(900), uint16(1), uint16(1))
	f.Add([]byte{0x00, 0x00, 0x20, 0x41, 0x00, 0x00, 0x00, 0x43, 0xcd, 0xcc, 0x4c, 0x3e}, int16(5), int16(-7), uint16(64), uint16(100), uint16(60))
	f.Fuzz(func(t *testing.T, raw []byte, wx, wy int16, wside, fw, fh uint16) {
		if fw == 0 || fh == 0 || wside == 0 {
			return
		}
		// The raw bytes, repeated, fill all four outputs; every score logit gets a bias that
		// lets about half the anchors through so that suppression has work.
		vals := func(n int, k int) []float32 {
			out := make([]float32, n)
			for i := range out {
				if len(raw) >= 4 {
					j := (4 * (i + k)) % (len(raw) - len(raw)%4)
					out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[j:]))
				} else {
					out[i] = float32(i%7) - 3
				}
			}
			return out
		}
		s1, s2 := vals(bfAnchors1, 0), vals(bfAnchors2, 1)
		b1, b2 := vals(bfAnchors1*bfCoords, 2), vals(bfAnchors2*bfCoords, 3)
		for i := range b1 {
			b1[i] = float32(math.Mod(float64(b1[i]), 300))
		}
		cands := bfDecode(nil, s1, b1, bfGrid1, bfPerCell1, 128, 0.5)
		cands = bfDecode(cands, s2, b2, bfGrid2, bfPerCell2, 128, 0.5)
		for _, c := range cands {
			if !(c.score >= 0.5 && c.score <= 1) {
				t.Fatalf("candidate score %v", c.score)
			}
		}
		dets := bfWeightedNMS(nil, cands, 0.3, DefaultBlazeFaceMaxFaces)
		if len(dets) > DefaultBlazeFaceMaxFaces {
			t.Fatalf("%d detections", len(dets))
		}
		frame := image.Rect(0, 0, int(fw), int(fh))
		win := image.Rect(int(wx), int(wy), int(wx)+int(wside), int(wy)+int(wside))
		for i := range dets {
			fc, ok := bfFace(&dets[i], win, frame)
			if !ok {
				continue
			}
			if !fc.finite() || !boxIn(fc.Box, frame) || !(fc.Full.W > 0) {
				t.Fatalf("face %+v for frame %v", fc, frame)
			}
			for _, p := range fc.Keypoints {
				if p.X < 0 || p.Y < 0 || p.X > float64(fw) || p.Y > float64(fh) {
					t.Fatalf("keypoint %+v outside the frame %v", p, frame)
				}
			}
		}
	})
}
