package face

import (
	"image"
	"testing"
)

// TestBoxClipStaysInside: a box cut to the frame never ends past the frame edge, even where the
// subtraction that gives its width rounds up (the first row is the case FuzzDetect found).
func TestBoxClipStaysInside(t *testing.T) {
	for _, tc := range []struct {
		name string
		box  Box
		r    image.Rectangle
	}{
		{"rounding past the right edge", Box{X: -18.907241716270644, Y: 7, W: 52.39895322776834, H: 44.872124247467625}, image.Rect(-20, 7, 27, 63)},
		{"rounding past the bottom edge", Box{X: 0, Y: -18.907241716270644, W: 10, H: 80}, image.Rect(-20, -20, 27, 27)},
		{"past every edge", Box{X: -100, Y: -100, W: 400, H: 400}, image.Rect(0, 0, 64, 48)},
		{"inside", Box{X: 3, Y: 4, W: 10, H: 10}, image.Rect(0, 0, 64, 48)},
		{"wholly outside", Box{X: 100, Y: 100, W: 10, H: 10}, image.Rect(0, 0, 64, 48)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.box.clip(tc.r)
			if !boxIn(got, tc.r) || got.W < 0 || got.H < 0 {
				t.Fatalf("%+v cut to %v gives %+v, which ends at (%v,%v)", tc.box, tc.r, got, got.X+got.W, got.Y+got.H)
			}
			// Cutting must lose no more than an ulp of the part inside the frame.
			if x1 := min(tc.box.X+tc.box.W, float64(tc.r.Max.X)); got.X+got.W < x1-1e-9 && got.W > 0 {
				t.Fatalf("%+v cut to %+v, right edge %v, want %v", tc.box, got, got.X+got.W, x1)
			}
		})
	}
}
