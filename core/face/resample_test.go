package face

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// TestResampleBlocksMatchesTaps: where resampleBlocks takes a window (whole-factor shrinks:
// letterboxes of common camera sizes, with black bands), its output is the general path's up to
// float32 rounding; where it cannot, it declines and writes nothing.
func TestResampleBlocksMatchesTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(w, h int) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		return img
	}
	fill := [3]uint8{10, 128, 250}
	cases := []struct {
		name       string
		w, h       int
		win        image.Rectangle
		outW, outH int
		blocks     bool // whether the block path takes it
	}{
		{"letterbox 640x480 into 128", 640, 480, image.Rect(0, -80, 640, 560), 128, 128, true},
		{"letterbox 1280x720 into 128", 1280, 720, image.Rect(0, -280, 1280, 1000), 128, 128, true},
		{"letterbox 1920x1080 into 128", 1920, 1080, image.Rect(0, -420, 1920, 1500), 128, 128, true},
		{"1920 into 256: factor 7.5", 1920, 1080, image.Rect(0, -420, 1920, 1500), 256, 256, false},
		{"portrait 480x640 into 128 (columns outside)", 480, 640, image.Rect(-80, 0, 560, 640), 128, 128, false},
		{"window inside, factor 3", 300, 200, image.Rect(30, 20, 270, 140), 80, 40, true},
		{"window above the image", 100, 100, image.Rect(0, -400, 100, -300), 50, 50, true},
		{"band not on a block edge", 640, 480, image.Rect(0, -81, 640, 559), 128, 128, false},
		{"not a whole factor", 640, 480, image.Rect(0, 0, 640, 480), 100, 100, false},
		{"factors differ", 640, 480, image.Rect(0, 0, 640, 480), 128, 120, false},
		{"enlarging", 64, 64, image.Rect(0, 0, 64, 64), 128, 128, false},
		{"factor 1", 64, 64, image.Rect(0, 0, 64, 64), 64, 64, false},
		{"offset image bounds", 640, 480, image.Rect(0, 0, 0, 0), 128, 96, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := noise(c.w, c.h)
			win := c.win
			if c.name == "offset image bounds" {
				img.Rect = img.Rect.Add(image.Pt(-37, 11)) // Pix unchanged: the same picture moved
				win = img.Rect
			}
			n := 3 * c.outW * c.outH
			got := make([]float32, n)
			for i := range got {
				got[i] = -7 // untouched marker
			}
			took := resampleBlocks(img, win, c.outW, c.outH, fill, &sink{kind: sinkNHWC, f: got})
			if took != c.blocks {
				t.Fatalf("block path taken: %v, want %v", took, c.blocks)
			}
			if !took {
				for i, v := range got {
					if v != -7 {
						t.Fatalf("declined but wrote output %d", i)
					}
				}
				return
			}
			want := make([]float32, n)
			resampleTaps(img, win, c.outW, c.outH, fill, &sink{kind: sinkNHWC, f: want})
			var worst float64
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
			}
			// 1e-6 of the [−1, 1] input is 1.3e-4 of a 0..255 level: rounding, not a different filter.
			if worst > 1e-6 {
				t.Errorf("max difference from the tap path %.3g, want ≤ 1e-6", worst)
			}
		})
	}
}

// TestSwarExact: the word-load sums (swar, the wasm path) give the byte loop's output bit for bit,
// through the block path and the general path, on random windows (inside, across and outside the
// image, odd widths, runs longer than a 16-bit lane may hold) and every sink.
func TestSwarExact(t *testing.T) {
	defer func(v bool) { swar = v }(swar)
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 400 {
		w, h := 1+rng.IntN(700), 1+rng.IntN(300)
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		if n%3 == 0 { // saturated pixels: the largest sums a lane can get
			for i := range img.Pix {
				img.Pix[i] = 255
			}
		}
		outW, outH := 1+rng.IntN(130), 1+rng.IntN(130)
		var win image.Rectangle
		switch n % 4 {
		case 0: // a whole-factor shrink of a window inside the image: the block path
			k := 2 + rng.IntN(8)
			outW, outH = max(1, w/k), max(1, h/k)
			win = image.Rect(0, 0, outW*k, outH*k)
		case 1: // a narrow output: long runs per tap
			outW = 1 + rng.IntN(2)
			win = image.Rect(0, 0, w, h)
		default:
			x0, y0 := rng.IntN(w+40)-20, rng.IntN(h+40)-20
			win = image.Rect(x0, y0, x0+1+rng.IntN(w+20), y0+1+rng.IntN(h+20))
		}
		kind := []sinkKind{sinkPlanar, sinkNHWC, sinkLuma, sinkRGBA8}[n%4]
		run := func(on bool) ([]float32, []uint8) {
			swar = on
			s := &sink{kind: kind, f: make([]float32, 3*outW*outH), u8: make([]uint8, 4*outW*outH),
				off: [3]int{0, outW * outH, 2 * outW * outH}, mean: [3]float32{1, 2, 3}, k: [3]float32{0.5, 0.25, 2}}
			resample(img, win, outW, outH, [3]uint8{7, 8, 9}, s)
			return s.f, s.u8
		}
		wantF, wantU := run(false)
		gotF, gotU := run(true)
		for i := range wantF {
			if math.Float32bits(gotF[i]) != math.Float32bits(wantF[i]) {
				t.Fatalf("case %d (%d×%d, window %v → %d×%d): output %d is %v with word sums, %v byte by byte", n, w, h, win, outW, outH, i, gotF[i], wantF[i])
			}
		}
		for i := range wantU {
			if gotU[i] != wantU[i] {
				t.Fatalf("case %d: byte %d is %d with word sums, %d byte by byte", n, i, gotU[i], wantU[i])
			}
		}
	}
}

// FuzzResampleSwar: for any frame size, window (inside, across or outside the frame) and output
// size, the word-load sums (swar, the wasm path) give the byte loop's output bit for bit, and
// neither panics. Natively the package runs the byte loop, so the other fuzz targets that reach
// resample (FuzzCrop, FuzzDetect) never run the wasm path; this one runs both.
func FuzzResampleSwar(f *testing.F) {
	f.Add(uint16(640), uint16(480), int16(0), int16(-80), uint16(640), uint16(640), uint8(128), uint8(128), uint64(1))
	f.Add(uint16(300), uint16(200), int16(148), int16(68), uint16(345), uint16(345), uint8(80), uint8(80), uint64(2))
	f.Add(uint16(7), uint16(3), int16(-5), int16(2), uint16(1), uint16(900), uint8(1), uint8(3), uint64(3))
	f.Fuzz(func(t *testing.T, w, h uint16, x0, y0 int16, ww, wh uint16, outW, outH uint8, seed uint64) {
		w, h = 1+w%400, 1+h%400
		ww, wh = 1+ww%1200, 1+wh%1200
		ow, oh := 1+int(outW), 1+int(outH)
		img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
		rng := rand.New(rand.NewPCG(seed, 7))
		sat := seed%4 == 0 // all 255: the largest sums a lane gets
		for i := range img.Pix {
			if sat {
				img.Pix[i] = 255
			} else {
				img.Pix[i] = uint8(rng.IntN(256))
			}
		}
		win := image.Rect(int(x0)%500, int(y0)%500, 0, 0)
		win.Max = win.Min.Add(image.Pt(int(ww), int(wh)))
		defer func(v bool) { swar = v }(swar)
		run := func(on bool) []float32 {
			swar = on
			s := &sink{kind: sinkNHWC, f: make([]float32, 3*ow*oh)}
			resample(img, win, ow, oh, [3]uint8{1, 2, 3}, s)
			return s.f
		}
		want, got := run(false), run(true)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d×%d, window %v → %d×%d: output %d is %v with word sums, %v byte by byte", w, h, win, ow, oh, i, got[i], want[i])
			}
		}
	})
}
