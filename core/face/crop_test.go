package face

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

func rawSpec(w, h int, scale float64, border BorderMode) CropSpec {
	return CropSpec{Width: w, Height: h, Scale: scale, Border: border, Std: [3]float32{1, 1, 1}}
}

// TestCropWindow pins the geometry. The BorderShift rows were worked out by hand from
// Silent-Face-Anti-Spoofing's CropImage._get_new_box (src/generate_patches.py), which crops
// org_img[lty:rby+1, ltx:rbx+1] after truncating the corners with int().
func TestCropWindow(t *testing.T) {
	frame := image.Rect(0, 0, 640, 480)
	tests := []struct {
		name  string
		r     image.Rectangle
		box   Box
		spec  CropSpec
		want  image.Rectangle
		scale float64
	}{
		// centre (320, 240), 270×270: corners 185..455 and 105..375, inclusive.
		{"minifasnet centre", frame, Box{270, 190, 100, 100}, MiniFASNetV2Spec(), image.Rect(185, 105, 456, 376), 2.7},
		// left edge: 50−135 = −85, so the right edge moves to 185+85 = 270.
		{"minifasnet left edge", frame, Box{0, 190, 100, 100}, MiniFASNetV2Spec(), image.Rect(0, 105, 271, 376), 2.7},
		// bottom-right: 590+135 = 725 > 639 → left 455−86 = 369; 440+135 = 575 > 479 → top 305−96 = 209.
		{"minifasnet bottom right", frame, Box{540, 390, 100, 100}, MiniFASNetV2Spec(), image.Rect(369, 209, 640, 480), 2.7},
		// too big: scale = min(479/300, 639/300, 2.7) = 1.5967; 479×479 about (250, 250):
		// x 10.5..489.5 → 10..489; y 10.5..489.5 shifted up by 10.5 → 0..479.
		{"minifasnet shrinks", frame, Box{100, 100, 300, 300}, MiniFASNetV2Spec(), image.Rect(10, 0, 490, 480), 479.0 / 300},
		// non-square box, not squared: 100×150 ×2 → 200×300 about (350, 275).
		{"non-square", frame, Box{300, 200, 100, 150}, rawSpec(80, 120, 2, BorderShift), image.Rect(250, 125, 451, 426), 2},
		// squared: side 150 ×2 → 300×300 about (350, 275): 200..500, 125..425.
		{"squared", frame, Box{300, 200, 100, 150}, CropSpec{Width: 80, Height: 80, Scale: 2, Square: true, Std: [3]float32{1, 1, 1}}, image.Rect(200, 125, 501, 426), 2},
		// fill: square 80 ×1.5 = 120 about (640, 230), outside the frame on the right.
		{"fill outside", frame, Box{600, 200, 80, 60}, CropSpec{Width: 64, Height: 64, Scale: 1.5, Square: true, Border: BorderFill, Std: [3]float32{1, 1, 1}}, image.Rect(580, 170, 700, 290), 1.5},
		// an image whose bounds do not start at the origin: same geometry, shifted.
		{"offset image", image.Rect(1000, 2000, 1640, 2480), Box{1270, 2190, 100, 100}, MiniFASNetV2Spec(), image.Rect(1185, 2105, 1456, 2376), 2.7},
		// 1×1 image: the window collapses to the one pixel.
		{"1x1 image", image.Rect(0, 0, 1, 1), Box{0, 0, 1, 1}, MiniFASNetV2Spec(), image.Rect(0, 0, 1, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, scale, err := tc.spec.window(tc.r, tc.box)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || math.Abs(scale-tc.scale) > 1e-9 {
				t.Fatalf("window %v scale %v, want %v scale %v", got, scale, tc.want, tc.scale)
			}
			if tc.spec.Border == BorderShift && !got.In(tc.r) {
				t.Fatalf("shift window %v leaves the image %v", got, tc.r)
			}
		})
	}
}

// paint returns a w×h frame of background bg with the rectangle r painted fg.
func paint(w, h int, bg, fg [3]uint8, r image.Rectangle) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := bg
			if (image.Point{x, y}).In(r) {
				c = fg
			}
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = c[0], c[1], c[2], 255
		}
	}
	return img
}

// TestCropRoundTrip crops synthetic frames with a known face rectangle and checks, pixel by pixel,
// that the rectangle lands where the geometry says.
func TestCropRoundTrip(t *testing.T) {
	bg, fg := [3]uint8{20, 40, 60}, [3]uint8{250, 200, 150}
	tests := []struct {
		name string
		face image.Rectangle // painted face, also the box
		spec CropSpec
		// the face's rectangle in the output, and the value of output pixels that straddle its
		// edge (fraction of face colour), if any
		want image.Rectangle
	}{
		// 40×40 face ×2 = 80×80 window at (280, 180), output 80×80: a copy; face at 20..60.
		{"copy", image.Rect(300, 200, 340, 240), rawSpec(80, 80, 2, BorderFill), image.Rect(20, 20, 60, 60)},
		// the same window shrunk 2:1 by area averaging: face at 10..30, no partial pixels.
		{"shrink 2:1", image.Rect(300, 200, 340, 240), rawSpec(40, 40, 2, BorderFill), image.Rect(10, 10, 30, 30)},
		// shrunk 4:1: 20×20 window pixels per... face at 5..15.
		{"shrink 4:1", image.Rect(300, 200, 340, 240), rawSpec(20, 20, 2, BorderFill), image.Rect(5, 5, 15, 15)},
		// a face at the top-left corner with BorderShift: 40×1.975 = 79 about (20, 20) is
		// −19.5..59.5, shifted to 0..79, inclusive: an 80×80 window at the origin. The face stays
		// at 0..40.
		{"shift at corner", image.Rect(0, 0, 40, 40), rawSpec(80, 80, 1.975, BorderShift), image.Rect(0, 0, 40, 40)},
		// the same at the bottom-right corner of the 640×480 frame: window 560..640, 400..480.
		{"shift at far corner", image.Rect(600, 440, 640, 480), rawSpec(80, 80, 1.975, BorderShift), image.Rect(40, 40, 80, 80)},
		// the same with BorderFill: window at (−20, −20), face at 20..60 and fill around it.
		{"fill at corner", image.Rect(0, 0, 40, 40), rawSpec(80, 80, 2, BorderFill), image.Rect(20, 20, 60, 60)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := paint(640, 480, bg, fg, tc.face)
			box := Box{float64(tc.face.Min.X), float64(tc.face.Min.Y), float64(tc.face.Dx()), float64(tc.face.Dy())}
			spec := tc.spec
			spec.Fill = [3]uint8{1, 2, 3}
			dst := make([]float32, spec.Len())
			info, err := Crop(dst, mustFrame(img), box, spec)
			if err != nil {
				t.Fatal(err)
			}
			plane := spec.Width * spec.Height
			for y := range spec.Height {
				for x := range spec.Width {
					want := bg
					if (image.Point{x, y}).In(tc.want) {
						want = fg
					} else if fx, fy := info.ToFrame(float64(x)+0.5, float64(y)+0.5); !(image.Point{int(math.Floor(fx)), int(math.Floor(fy))}).In(img.Rect) {
						want = spec.Fill
					}
					for c := range 3 {
						if got := dst[c*plane+y*spec.Width+x]; got != float32(want[c]) {
							t.Fatalf("output (%d, %d) channel %d = %v, want %v (window %v)", x, y, c, got, want[c], info.Window)
						}
					}
				}
			}
			// The face's corners map back onto the frame exactly.
			x0, y0 := info.ToFrame(float64(tc.want.Min.X), float64(tc.want.Min.Y))
			x1, y1 := info.ToFrame(float64(tc.want.Max.X), float64(tc.want.Max.Y))
			if got := image.Rect(int(x0), int(y0), int(x1), int(y1)); got != tc.face {
				t.Fatalf("ToFrame maps the output face to %v, want %v", got, tc.face)
			}
		})
	}
}

func TestCropResampling(t *testing.T) {
	// A 2×1 window [0, 100] enlarged to 4×1: half-pixel centres at −0.25, 0.25, 0.75, 1.25,
	// clamped to the window: 0, 25, 75, 100.
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []byte{0, 0, 0, 255, 100, 100, 100, 255})
	dst := make([]float32, 3*4)
	spec := rawSpec(4, 1, 1, BorderFill)
	if _, err := Crop(dst, mustFrame(img), Box{0, 0, 2, 1}, spec); err != nil {
		t.Fatal(err)
	}
	if want := []float32{0, 25, 75, 100}; fmt.Sprint(dst[:4]) != fmt.Sprint(want) {
		t.Fatalf("bilinear enlarge = %v, want %v", dst[:4], want)
	}
	// 3 pixels [0, 30, 90] shrunk to 2: area averages over [0, 1.5) and [1.5, 3):
	// (0 + 0.5·30)/1.5 = 10 and (0.5·30 + 90)/1.5 = 70.
	img = image.NewRGBA(image.Rect(0, 0, 3, 1))
	copy(img.Pix, []byte{0, 0, 0, 255, 30, 30, 30, 255, 90, 90, 90, 255})
	dst = make([]float32, 3*2)
	if _, err := Crop(dst, mustFrame(img), Box{0, 0, 3, 1}, rawSpec(2, 1, 1, BorderFill)); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(dst[0]-10)) > 1e-4 || math.Abs(float64(dst[1]-70)) > 1e-4 {
		t.Fatalf("area shrink = %v, want [10 70]", dst[:2])
	}
}

func TestCropLayout(t *testing.T) {
	img := paint(64, 48, [3]uint8{200, 100, 50}, [3]uint8{200, 100, 50}, image.Rectangle{})
	box := Box{16, 12, 32, 24}
	tests := []struct {
		name string
		spec CropSpec
		want [3]float32 // planes 0, 1, 2
	}{
		{"rgb raw", CropSpec{Width: 4, Height: 3, Scale: 1, Std: [3]float32{1, 1, 1}}, [3]float32{200, 100, 50}},
		{"bgr raw", CropSpec{Width: 4, Height: 3, Scale: 1, Order: BGR, Std: [3]float32{1, 1, 1}}, [3]float32{50, 100, 200}},
		// mean and std in output order: (200−127.5)/127.5, (100−100)/50, (50−0)/25.
		{"rgb normalised", CropSpec{Width: 4, Height: 3, Scale: 1, Mean: [3]float32{127.5, 100, 0}, Std: [3]float32{127.5, 50, 25}},
			[3]float32{72.5 / 127.5, 0, 2}},
		// BGR: plane 0 is blue: (50−10)/2, (100−20)/4, (200−30)/5.
		{"bgr normalised", CropSpec{Width: 4, Height: 3, Scale: 1, Order: BGR, Mean: [3]float32{10, 20, 30}, Std: [3]float32{2, 4, 5}},
			[3]float32{20, 20, 34}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float32, tc.spec.Len())
			if _, err := Crop(dst, mustFrame(img), box, tc.spec); err != nil {
				t.Fatal(err)
			}
			plane := tc.spec.Width * tc.spec.Height
			for c := range 3 {
				for i := range plane {
					if got := dst[c*plane+i]; math.Abs(float64(got-tc.want[c])) > 1e-5 {
						t.Fatalf("plane %d value %d = %v, want %v", c, i, got, tc.want[c])
					}
				}
			}
		})
	}
}

func TestCropRGBASharesGeometry(t *testing.T) {
	img := facetest.Face(640, 480, 300, 220, 150, 0)
	box := Box{230, 140, 150, 150}
	for _, spec := range []CropSpec{MiniFASNetV2Spec(), {Width: 128, Height: 128, Scale: 1.5, Square: true, Border: BorderFill, Fill: [3]uint8{128, 128, 128}, Std: [3]float32{1, 1, 1}}} {
		spec.Order = RGB
		out, info, err := CropRGBA(mustFrame(img), box, spec)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, spec.Len())
		info2, err := Crop(dst, mustFrame(img), box, spec)
		if err != nil {
			t.Fatal(err)
		}
		if info != info2 {
			t.Fatalf("CropRGBA window %+v, Crop window %+v", info, info2)
		}
		plane := spec.Width * spec.Height
		for i := range plane {
			for c := range 3 {
				if want := to8(dst[c*plane+i]); out.Pix[4*i+c] != want {
					t.Fatalf("pixel %d channel %d: CropRGBA %d, Crop %v", i, c, out.Pix[4*i+c], dst[c*plane+i])
				}
			}
		}
	}
}

// TestCropHugeFillWindow crops a box far larger than the image with BorderFill: only the pixels
// inside the image are visited, so this takes no longer than cropping the image itself.
func TestCropHugeFillWindow(t *testing.T) {
	img := paint(64, 48, [3]uint8{200, 200, 200}, [3]uint8{}, image.Rectangle{})
	spec := CropSpec{Width: 64, Height: 64, Scale: MaxCropScale, Square: true, Border: BorderFill, Fill: [3]uint8{0, 0, 0}, Std: [3]float32{1, 1, 1}}
	dst := make([]float32, spec.Len())
	start := time.Now()
	info, err := Crop(dst, mustFrame(img), Box{-30000, -30000, 60000, 60000}, spec)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("a %v window took %v", info.Window.Size(), el)
	}
	// The image covers 64×48 of a 960000² window: every output pixel is (almost) fill.
	for i, v := range dst {
		if v > 1 {
			t.Fatalf("value %d = %v, want the black fill", i, v)
		}
	}
}

func TestCropAllocatesNothing(t *testing.T) {
	img := facetest.Face(640, 480, 300, 220, 150, 0)
	box := Box{230, 140, 150, 150}
	f := mustFrame(img)
	for _, spec := range []CropSpec{MiniFASNetV2Spec(), {Width: 128, Height: 128, Scale: 1.5, Square: true, Border: BorderFill, Std: [3]float32{1, 1, 1}}} {
		dst := make([]float32, spec.Len())
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := Crop(dst, f, box, spec); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("Crop %s allocates %v times per call, want 0", spec, allocs)
		}
	}
}

func TestCropErrors(t *testing.T) {
	img := mustFrame(image.NewRGBA(image.Rect(0, 0, 64, 48)))
	ok := rawSpec(8, 8, 1.5, BorderShift)
	tests := []struct {
		name string
		dst  []float32
		img  *Frame
		box  Box
		spec CropSpec
	}{
		{"short dst", make([]float32, 10), img, Box{10, 10, 20, 20}, ok},
		{"empty box", make([]float32, ok.Len()), img, Box{10, 10, 0, 20}, ok},
		{"NaN box", make([]float32, ok.Len()), img, Box{math.NaN(), 10, 20, 20}, ok},
		{"huge box", make([]float32, ok.Len()), img, Box{1e300, 10, 20, 20}, ok},
		{"nil frame", make([]float32, ok.Len()), nil, Box{0, 0, 1, 1}, ok},
		{"invalid spec", make([]float32, 3), img, Box{10, 10, 20, 20}, CropSpec{Width: 1, Height: 1, Scale: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Crop(tc.dst, tc.img, tc.box, tc.spec)
			if err == nil || !strings.HasPrefix(err.Error(), "face: ") {
				t.Fatalf("err = %v, want a \"face: \" error", err)
			}
			var ie *ImageError
			var oe *OptionError
			var le *errs.LimitError
			if !errors.As(err, &ie) && !errors.As(err, &oe) && !errors.As(err, &le) {
				t.Fatalf("err %T is not one of the package's error types", err)
			}
		})
	}
}

// TestCropFaceNil: a nil face is an *ImageError from both CropFace functions, not a panic.
func TestCropFaceNil(t *testing.T) {
	img := mustFrame(image.NewRGBA(image.Rect(0, 0, 64, 48)))
	spec := rawSpec(8, 8, 1.5, BorderShift)
	var ie *ImageError
	if _, err := CropFace(make([]float32, spec.Len()), img, nil, spec); !errors.As(err, &ie) || ie.Reason != "nil face" {
		t.Errorf("CropFace: err = %v, want the nil face", err)
	}
	if _, _, err := CropFaceRGBA(img, nil, spec); !errors.As(err, &ie) || ie.Reason != "nil face" {
		t.Errorf("CropFaceRGBA: err = %v, want the nil face", err)
	}
	if b := (*Frame)(nil).Bounds(); !b.Empty() {
		t.Errorf("a nil frame's bounds are %v", b)
	}
}

func TestCropSpecValidate(t *testing.T) {
	good := MiniFASNetV2Spec()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*CropSpec)
		field string
	}{
		{"zero width", func(s *CropSpec) { s.Width = 0 }, "crop size"},
		{"too big", func(s *CropSpec) { s.Width, s.Height = 5000, 5000 }, "crop size"},
		{"zero scale", func(s *CropSpec) { s.Scale = 0 }, "Scale"},
		{"NaN scale", func(s *CropSpec) { s.Scale = math.NaN() }, "Scale"},
		{"huge scale", func(s *CropSpec) { s.Scale = 100 }, "Scale"},
		{"bad border", func(s *CropSpec) { s.Border = 7 }, "Border"},
		{"bad order", func(s *CropSpec) { s.Order = -1 }, "Order"},
		{"zero std", func(s *CropSpec) { s.Std[1] = 0 }, "Std"},
		{"inf mean", func(s *CropSpec) { s.Mean[2] = float32(math.Inf(1)) }, "Mean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			var oe *OptionError
			if err := s.Validate(); !errors.As(err, &oe) || oe.Field != tc.field {
				t.Fatalf("Validate() = %v, want *OptionError on %s", err, tc.field)
			}
		})
	}
}

func TestParseCropSpec(t *testing.T) {
	specs := []CropSpec{
		MiniFASNetV2Spec(),
		{Width: 128, Height: 96, Scale: 1.5, Square: true, Border: BorderFill, Fill: [3]uint8{128, 128, 128},
			Mean: [3]float32{123.675, 116.28, 103.53}, Std: [3]float32{58.395, 57.12, 57.375}},
	}
	for _, s := range specs {
		got, err := ParseCropSpec(s.String())
		if err != nil || got != s {
			t.Fatalf("ParseCropSpec(%q) = %+v, %v; want %+v", s.String(), got, err, s)
		}
	}
	got, err := ParseCropSpec("size=80 scale=2.7 order=bgr")
	if err != nil || got != MiniFASNetV2Spec() {
		t.Fatalf("short form: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "size=80", "scale=2", "size=80 scale=x", "size=axb scale=1", "size=80 scale=1 border=wrap",
		"size=80 scale=1 fill=300,0,0", "size=80 scale=1 mean=1,2", "size=80 scale=1 colour=red", "size=80 scale=1 square=maybe", "junk"} {
		if _, err := ParseCropSpec(bad); err == nil || !strings.HasPrefix(err.Error(), "face: ") {
			t.Errorf("ParseCropSpec(%q) err = %v, want a \"face: \" error", bad, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want [3]uint8
	}{{"black", [3]uint8{}}, {"Grey", [3]uint8{128, 128, 128}}, {"white", [3]uint8{255, 255, 255}}, {"1, 2,3", [3]uint8{1, 2, 3}}} {
		if got, err := parseFill(tc.in); err != nil || got != tc.want {
			t.Errorf("parseFill(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func FuzzParseCropSpec(f *testing.F) {
	f.Add(MiniFASNetV2Spec().String())
	f.Add("size=1x1 scale=16 border=fill fill=grey")
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseCropSpec(s)
		if err != nil {
			return
		}
		again, err := ParseCropSpec(spec.String())
		if err != nil || again != spec {
			t.Fatalf("%q parsed to %+v, which does not round-trip: %+v, %v", s, spec, again, err)
		}
	})
}

// FuzzCrop crops frames built by hand, as a caller can (any rectangle, stride and buffer length,
// 0×0 and 1×1 included), with arbitrary boxes and specs: NewFrame refuses a bad header with a typed
// error, and a crop is an error from this package or finite values in range.
func FuzzCrop(f *testing.F) {
	f.Add(int16(0), int16(0), uint16(640), uint16(480), int64(4*640), uint32(4*640*480), 270.0, 190.0, 100.0, 100.0, uint8(80), uint8(80), 2.7, false, false)
	f.Add(int16(0), int16(0), uint16(0), uint16(0), int64(0), uint32(0), 0.0, 0.0, 1.0, 1.0, uint8(1), uint8(1), 1.0, true, true)
	f.Add(int16(5), int16(-3), uint16(1), uint16(1), int64(4), uint32(4), 0.0, 0.0, 1.0, 1.0, uint8(3), uint8(5), 16.0, false, true)
	f.Add(int16(0), int16(0), uint16(3), uint16(2000), int64(16), uint32(16*2000), -50.0, 1900.0, 400.0, 10.0, uint8(7), uint8(9), 0.1, true, false)
	f.Add(int16(0), int16(0), uint16(200), uint16(200), int64(1)<<62, uint32(4*200*200), 50.0, 50.0, 100.0, 100.0, uint8(8), uint8(8), 1.5, false, false)
	f.Fuzz(func(t *testing.T, x0, y0 int16, w, h uint16, stride int64, pixLen uint32, x, y, bw, bh float64, ow, oh uint8, scale float64, square, fill bool) {
		img := handMade(x0, y0, w, h, stride, pixLen)
		fr, err := NewFrame(img)
		if err != nil {
			checkFrameErr(t, err)
			return
		}
		spec := CropSpec{Width: int(ow), Height: int(oh), Scale: scale, Square: square, Std: [3]float32{1, 1, 1}}
		if fill {
			spec.Border = BorderFill
			spec.Fill = [3]uint8{9, 9, 9}
		}
		dst := make([]float32, max(0, spec.Len()))
		info, err := Crop(dst, fr, Box{x, y, bw, bh}, spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "face: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if info.Window.Empty() {
			t.Fatalf("empty window %v", info.Window)
		}
		if !fill && !info.Window.In(img.Rect) {
			t.Fatalf("shift window %v leaves the %v image", info.Window, img.Rect)
		}
		for i, v := range dst {
			if !(v >= 0 && v <= 255.001) {
				t.Fatalf("value %d = %v outside 0..255", i, v)
			}
		}
	})
}

// handMade builds an *image.RGBA header as a careless or hostile caller might: any rectangle,
// stride and buffer length (the buffer capped at 4 MiB so that each fuzz run stays small).
func handMade(x0, y0 int16, w, h uint16, stride int64, pixLen uint32) *image.RGBA {
	pix := make([]byte, min(pixLen, 4<<20))
	for i := range pix {
		pix[i] = uint8(i*7) ^ uint8(i>>9)
	}
	r := image.Rect(int(x0), int(y0), int(x0)+int(w), int(y0)+int(h))
	return &image.RGBA{Pix: pix, Stride: int(stride), Rect: r}
}

// checkFrameErr fails unless err is one of the typed errors NewFrame promises.
func checkFrameErr(t *testing.T, err error) {
	t.Helper()
	var ie *ImageError
	var le *errs.LimitError
	if !errors.As(err, &ie) && !errors.As(err, &le) || !strings.HasPrefix(err.Error(), "face: ") {
		t.Fatalf("NewFrame: err = %v (%T), want a \"face: \" *ImageError or *errs.LimitError", err, err)
	}
	if k := errs.KindOf(err); k != errs.Frame && k != errs.Limit {
		t.Fatalf("NewFrame: err %v has kind %v", err, k)
	}
}
