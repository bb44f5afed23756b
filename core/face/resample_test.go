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
