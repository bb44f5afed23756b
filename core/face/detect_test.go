package face

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

func newDetector(t testing.TB, o PigoOptions) *Pigo {
	t.Helper()
	d, err := NewPigo(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEmbeddedCascadeIsPigos(t *testing.T) {
	// FACEFINDER.md gives this digest and how to check it against the pinned module.
	const want = "d8014993e7298c7b1865d1f8b855d6dbf4ec5c808bf879e2091ab6837abf90cd"
	sum := sha256.Sum256(facefinder)
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("embedded facefinder sha256 = %s, want %s (pigo v1.4.6 cascade/facefinder)", got, want)
	}
	if _, err := embeddedCascade(); err != nil {
		t.Fatal(err)
	}
}

func TestParseCascadeRejectsMalformed(t *testing.T) {
	header := func(depth, trees uint32) []byte {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint32(b[8:], depth)
		binary.LittleEndian.PutUint32(b[12:], trees)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "shorter than the 16-byte header"},
		{"15 bytes", facefinder[:15], "shorter than the 16-byte header"},
		{"header only", facefinder[:16], "need 239632"},
		{"one byte short", facefinder[:len(facefinder)-1], "need 239632"},
		{"one byte long", append(append([]byte{}, facefinder...), 0), "need 239632"},
		{"depth 0", header(0, 1), "tree depth 0"},
		{"depth 13", header(13, 1), "tree depth 13"},
		{"no trees", header(6, 0), "0 trees"},
		{"too many trees", header(6, 1<<20), "trees outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCascade(tc.in)
			var ce *cascadeError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *cascadeError", err)
			}
			if !strings.HasPrefix(err.Error(), "face: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %q, want it to start with \"face: \" and mention %q", err, tc.want)
			}
		})
	}
}

func FuzzParseCascade(f *testing.F) {
	f.Add(facefinder[:64])
	f.Add(facefinder[:16])
	small := make([]byte, 16+2*(4*2-4+4*2+4)) // depth 1, 2 trees: the smallest valid shape
	binary.LittleEndian.PutUint32(small[8:], 1)
	binary.LittleEndian.PutUint32(small[12:], 2)
	f.Add(small)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := parseCascade(b); err != nil {
			var ce *cascadeError
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		}
	})
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name  string
		o     PigoOptions
		field string
	}{
		{"negative MinSize", PigoOptions{MinSize: -1}, "MinSize"},
		{"MaxSize below MinSize", PigoOptions{MinSize: 100, MaxSize: 50}, "MaxSize"},
		{"MinSizeFrac over 1", PigoOptions{MinSizeFrac: 1.5}, "MinSizeFrac"},
		{"ScaleFactor 1", PigoOptions{ScaleFactor: 1}, "ScaleFactor"},
		{"ShiftFactor negative", PigoOptions{ShiftFactor: -0.1}, "ShiftFactor"},
		{"MaxAngle 90", PigoOptions{MaxAngle: 90}, "MaxAngle"},
		{"MinScore NaN", PigoOptions{MinScore: math.NaN()}, "MinScore"},
		{"IoU 1", PigoOptions{IoU: 1}, "IoU"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPigo(tc.o)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tc.field {
				t.Fatalf("err = %v, want *OptionError on %s", err, tc.field)
			}
		})
	}
	d := newDetector(t, PigoOptions{})
	o := d.Options()
	if o.ScaleFactor != DefaultScaleFactor || o.MinSizeFrac != DefaultMinSizeFrac || o.MaxAngle != DefaultMaxAngle {
		t.Fatalf("defaults not filled in: %+v", o)
	}
	if got := len(d.angles); got != 5 {
		t.Fatalf("MaxAngle 20 searches %d angles %v, want 5 (0, ±11.25, ±22.5)", got, d.angles)
	}
}

func TestDetectSyntheticFaces(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	tests := []struct {
		name           string
		w, h           int
		cx, cy, side   float64
		roll           float64
		minAng, maxAng float64 // expected range of Face.Angle
	}{
		{"640x480 centre", 640, 480, 320, 240, 160, 0, -6, 6},
		{"640x480 tilted ccw", 640, 480, 320, 240, 160, 20, 6, 25},
		{"640x480 tilted cw", 640, 480, 320, 240, 160, -20, -25, -6},
		// pigo's rotated classifier clamps columns to Rows−1: a tilted face on the right of a
		// landscape frame is found only thanks to the square work buffer.
		{"right edge tilted", 640, 480, 540, 240, 140, 20, 6, 25},
		{"portrait bottom tilted", 480, 640, 240, 520, 140, -20, -25, -6},
		{"160x120", 160, 120, 80, 60, 60, 0, -6, 6},
		{"1920x1080", 1920, 1080, 900, 500, 330, 0, -6, 6},
		{"odd size", 333, 271, 170, 130, 110, 0, -6, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := facetest.Face(tc.w, tc.h, tc.cx, tc.cy, tc.side, tc.roll)
			faces, err := d.Detect(mustFrame(img))
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != 1 {
				t.Fatalf("found %d faces %+v, want 1", len(faces), faces)
			}
			f := faces[0]
			x, y := f.Center()
			if math.Hypot(x-tc.cx, y-tc.cy) > 0.12*tc.side {
				t.Errorf("centre (%.1f, %.1f), drawn at (%.0f, %.0f)", x, y, tc.cx, tc.cy)
			}
			// The box spans brows to chin: about 1.15 of the drawn oval's width.
			if r := f.W / tc.side; r < 0.95 || r > 1.4 || f.W != f.H {
				t.Errorf("box %.1f×%.1f for a face of side %.0f", f.W, f.H, tc.side)
			}
			if f.Angle < tc.minAng || f.Angle > tc.maxAng {
				t.Errorf("angle %.1f°, want %v..%v for a roll of %v°", f.Angle, tc.minAng, tc.maxAng, tc.roll)
			}
			if f.Score < DefaultMinScore {
				t.Errorf("score %.1f below MinScore", f.Score)
			}
		})
	}
}

func TestDetectLargestFirstAndSubImage(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	big := facetest.Face(640, 480, 200, 240, 180, 0)
	small := facetest.Face(640, 480, 520, 200, 110, 0)
	// Paste the small face's right-hand region into the big frame.
	for y := 120; y < 300; y++ {
		copy(big.Pix[y*big.Stride+4*440:y*big.Stride+4*620], small.Pix[y*small.Stride+4*440:y*small.Stride+4*620])
	}
	faces, err := d.Detect(mustFrame(big))
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) != 2 || faces[0].W <= faces[1].W {
		t.Fatalf("faces %+v, want two, largest first", faces)
	}
	// A sub-image reports boxes in the parent's coordinates.
	sub := big.SubImage(image.Rect(60, 40, 400, 460)).(*image.RGBA)
	sf, err := d.Detect(mustFrame(sub))
	if err != nil {
		t.Fatal(err)
	}
	if len(sf) != 1 {
		t.Fatalf("sub-image faces %+v, want 1", sf)
	}
	x, y := sf[0].Center()
	if math.Hypot(x-200, y-240) > 20 {
		t.Fatalf("sub-image face centre (%.1f, %.1f), want near (200, 240) in parent coordinates", x, y)
	}
}

func TestDetectNothingAndBadFrames(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	rng := rand.New(rand.NewPCG(7, 7))
	noise := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	flat := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	for name, img := range map[string]*image.RGBA{
		"noise": noise, "flat": flat,
		"1x1":   image.NewRGBA(image.Rect(0, 0, 1, 1)),
		"23x17": image.NewRGBA(image.Rect(0, 0, 23, 17)),
		"1x900": image.NewRGBA(image.Rect(0, 0, 1, 900)),
	} {
		faces, err := d.Detect(mustFrame(img))
		if err != nil || len(faces) != 0 {
			t.Errorf("%s: faces %v, err %v; want none and no error", name, faces, err)
		}
	}
	if _, err := d.Detect(nil); errs.KindOf(err) != errs.Frame {
		t.Errorf("Detect(nil): err = %v, want a frame error", err)
	}
}

// TestNewFrame checks frames built by hand, as a caller can: every header that does not describe
// its pixel buffer is refused with a typed error, and nothing panics. Once, a stride of 2^62
// overflowed the check and crashed Detect, Crop and the quality gate.
func TestNewFrame(t *testing.T) {
	const huge = 1 << 62
	tests := []struct {
		name string
		img  *image.RGBA
		kind errs.Kind // errs.Unknown: accepted
	}{
		{"nil", nil, errs.Frame},
		{"0x0", image.NewRGBA(image.Rect(0, 0, 0, 0)), errs.Frame},
		{"ok", image.NewRGBA(image.Rect(0, 0, 10, 10)), errs.Unknown},
		{"sub-image", image.NewRGBA(image.Rect(0, 0, 10, 10)).SubImage(image.Rect(2, 3, 7, 9)).(*image.RGBA), errs.Unknown},
		{"padded stride", &image.RGBA{Pix: make([]byte, 9*64+40), Stride: 64, Rect: image.Rect(0, 0, 10, 10)}, errs.Unknown},
		{"short Pix", &image.RGBA{Pix: make([]byte, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}, errs.Frame},
		{"one byte short", &image.RGBA{Pix: make([]byte, 9*64+39), Stride: 64, Rect: image.Rect(0, 0, 10, 10)}, errs.Frame},
		{"small stride", &image.RGBA{Pix: make([]byte, 400), Stride: 4, Rect: image.Rect(0, 0, 10, 10)}, errs.Frame},
		{"negative stride", &image.RGBA{Pix: make([]byte, 400), Stride: -40, Rect: image.Rect(0, 0, 10, 10)}, errs.Frame},
		{"stride 2^62, 200x200", &image.RGBA{Pix: make([]byte, 4*200*200), Stride: huge, Rect: image.Rect(0, 0, 200, 200)}, errs.Frame},
		{"stride 2^62, 4x3", &image.RGBA{Pix: make([]byte, 48), Stride: huge, Rect: image.Rect(0, 0, 4, 3)}, errs.Frame},
		{"stride 2^62, one row", &image.RGBA{Pix: make([]byte, 16), Stride: huge, Rect: image.Rect(0, 0, 4, 1)}, errs.Unknown},
		{"max stride", &image.RGBA{Pix: make([]byte, 48), Stride: math.MaxInt, Rect: image.Rect(0, 0, 4, 3)}, errs.Frame},
		{"inverted rect", &image.RGBA{Pix: make([]byte, 400), Stride: 40, Rect: image.Rectangle{Min: image.Pt(10, 10)}}, errs.Frame},
		{"wrapping rect", &image.RGBA{Pix: make([]byte, 400), Stride: 40, Rect: image.Rectangle{Min: image.Pt(math.MaxInt, 0), Max: image.Pt(math.MinInt, 1)}}, errs.Frame},
		{"far rect", &image.RGBA{Pix: make([]byte, 400), Stride: 40, Rect: image.Rect(1<<40, 0, 1<<40+10, 10)}, errs.Frame},
		{"huge", &image.RGBA{Rect: image.Rect(0, 0, 100000, 10)}, errs.Limit},
		{"too many pixels", &image.RGBA{Rect: image.Rect(0, 0, 10000, 10000)}, errs.Limit},
	}
	d := newDetector(t, PigoOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewFrame(tc.img)
			if tc.kind == errs.Unknown {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				// An accepted frame goes through every step without a panic.
				if _, err := d.Detect(f); err != nil {
					t.Fatal(err)
				}
				if _, err := checkQuality(f, []Face{{Box: Box{1, 1, 3, 3}}}, QualityOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := Crop(make([]float32, 3*8*8), f, Box{1, 1, 3, 3}, rawSpec(8, 8, 1.5, BorderFill)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if f != nil || errs.KindOf(err) != tc.kind {
				t.Fatalf("frame %v, err = %v (%T); want kind %v", f != nil, err, err, tc.kind)
			}
			var ie *ImageError
			var le *errs.LimitError
			if !errors.As(err, &ie) && !errors.As(err, &le) {
				t.Errorf("err %T, want *ImageError or *errs.LimitError", err)
			}
			if !strings.HasPrefix(err.Error(), "face: ") {
				t.Errorf("%q does not start with \"face: \"", err)
			}
		})
	}
}

func TestFrameRGBA(t *testing.T) {
	if _, err := FrameRGBA(make([]byte, 4*6), 3, 2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n, w, h int
		kind    errs.Kind
	}{{23, 3, 2, errs.Frame}, {0, 0, 0, errs.Frame}, {4, 1, 0, errs.Frame}, {0, -1, -1, errs.Frame}, {0, MaxImageSide + 1, 1, errs.Limit}} {
		if _, err := FrameRGBA(make([]byte, tc.n), tc.w, tc.h); errs.KindOf(err) != tc.kind {
			t.Errorf("FrameRGBA(%d bytes, %d×%d): err = %v, want kind %v", tc.n, tc.w, tc.h, err, tc.kind)
		}
	}
	// The frame's header is its own: changing the image it came from cannot undo the check.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	f, err := NewFrame(img)
	if err != nil {
		t.Fatal(err)
	}
	img.Pix, img.Stride = img.Pix[:3], 1<<62
	if _, err := newDetector(t, PigoOptions{}).Detect(f); err != nil {
		t.Fatal(err)
	}
}

// TestDetectReusesBuffers checks that after the first frame a detection allocates only small
// things (pigo's hit list, the result), never a frame-sized buffer.
func TestDetectReusesBuffers(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	img := facetest.Face(640, 480, 320, 240, 160, 0)
	if _, err := d.Detect(mustFrame(img)); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	const n = 5
	runtime.ReadMemStats(&before)
	for range n {
		d.Detect(mustFrame(img))
	}
	runtime.ReadMemStats(&after)
	perFrame := (after.TotalAlloc - before.TotalAlloc) / n
	if perFrame > 32<<10 {
		t.Fatalf("Detect allocates %d bytes per 640×480 frame, want < 32 KiB (the grey frame alone is %d)",
			perFrame, len(d.gray.pix))
	}
	t.Logf("Detect allocates %d bytes per frame", perFrame)
}

func FuzzDetect(f *testing.F) {
	f.Add(int16(0), int16(0), uint16(0), uint16(0), int64(0), uint32(0), []byte{})
	f.Add(int16(0), int16(0), uint16(1), uint16(1), int64(4), uint32(4), []byte{1, 2, 3, 4})
	f.Add(int16(0), int16(0), uint16(40), uint16(30), int64(160), uint32(4800), []byte{200, 10, 3})
	f.Add(int16(-20), int16(7), uint16(64), uint16(48), int64(300), uint32(300*48), []byte{9})
	f.Add(int16(0), int16(0), uint16(200), uint16(200), int64(1)<<62, uint32(4*200*200), []byte{5})
	f.Add(int16(0), int16(0), uint16(4), uint16(3), int64(1)<<62, uint32(48), []byte{5})
	// Both detectors: the box must be inside the frame (BlazeFace's is cut to it exactly), and so
	// must its keypoints, and DetectNear around a face must work as well.
	dets := []Detector{newDetector(f, PigoOptions{}), newBlazeFace(f, false)}
	f.Fuzz(func(t *testing.T, x0, y0 int16, w, h uint16, stride int64, pixLen uint32, seed []byte) {
		img := handMade(x0, y0, w, h, stride, pixLen)
		for i := range img.Pix {
			if len(seed) > 0 {
				img.Pix[i] ^= seed[i%len(seed)]
			}
		}
		fr, err := NewFrame(img)
		if err != nil {
			checkFrameErr(t, err)
			return
		}
		for _, d := range dets {
			faces, err := d.Detect(fr)
			if err != nil {
				t.Fatalf("%T %v: %v", d, img.Rect, err)
			}
			r := img.Rect
			for _, fc := range faces {
				if !boxIn(fc.Box, r) || !fc.finite() {
					t.Fatalf("%T: face %+v outside the %v frame", d, fc, r)
				}
				for _, p := range fc.Keypoints {
					if fc.HasKeypoints && (p.X < float64(r.Min.X) || p.Y < float64(r.Min.Y) || p.X > float64(r.Max.X) || p.Y > float64(r.Max.Y)) {
						t.Fatalf("%T: keypoint %+v outside the %v frame", d, p, r)
					}
				}
			}
			if _, err := checkQuality(fr, faces, QualityOptions{}); err != nil {
				t.Fatal(err)
			}
			if len(faces) > 0 {
				if _, err := d.DetectNear(fr, faces[0].Extent(), 2, 1.25); err != nil {
					t.Fatalf("%T near: %v", d, err)
				}
			}
		}
	})
}

// TestFullRotatedSearchCoversWholeFrame runs the whole-frame rotated passes (used when the upright
// pass finds nothing) on tilted faces near the far edges of landscape and portrait frames: pigo's
// column clamp would hide them without the square buffer.
func TestFullRotatedSearchCoversWholeFrame(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	for _, tc := range []struct {
		w, h         int
		cx, cy, roll float64
	}{{640, 480, 560, 240, 20}, {640, 480, 560, 380, -20}, {480, 640, 240, 540, 20}, {480, 640, 380, 540, -20}} {
		img := facetest.Face(tc.w, tc.h, tc.cx, tc.cy, 140, tc.roll)
		minSize, maxSize, k := d.sizes(tc.w, tc.h)
		d.gray.load(img, k)
		d.dets = d.dets[:0]
		d.search(d.gray.whole(), minSize, maxSize, d.angles[1:])
		faces := d.cluster(image.Point{}, true)
		if len(faces) != 1 {
			t.Errorf("%d×%d face at (%v, %v) rolled %v°: rotated passes found %+v, want one face", tc.w, tc.h, tc.cx, tc.cy, tc.roll, faces)
			continue
		}
		x, y := faces[0].Center()
		if math.Hypot(x-tc.cx, y-tc.cy) > 20 || faces[0].Angle*tc.roll <= 0 {
			t.Errorf("%d×%d face at (%v, %v) rolled %v°: found %+v", tc.w, tc.h, tc.cx, tc.cy, tc.roll, faces[0])
		}
	}
}

// TestShrinkSmallMatchesBlocks: the unrolled work-image shrink for k = 2..4 gives the general
// block loop's pixels exactly, on odd sizes and an image that does not start at the origin.
func TestShrinkSmallMatchesBlocks(t *testing.T) {
	for _, k := range []int{2, 3, 4} {
		for _, sz := range [][2]int{{37, 29}, {640, 480}, {13, 50}} {
			img := image.NewRGBA(image.Rect(3, 5, 3+sz[0], 5+sz[1]))
			x := uint32(k*7919 + sz[0])
			for i := range img.Pix {
				x = x*1664525 + 1013904223
				img.Pix[i] = uint8(x >> 24)
			}
			var a, b workImage
			a.load(img, k)
			b.load(img, k)
			b.shrinkBlocks(img)
			b.extend()
			if !bytes.Equal(a.pix, b.pix) {
				t.Errorf("k=%d %dx%d: shrinkSmall differs from shrinkBlocks", k, sz[0], sz[1])
			}
		}
	}
}
