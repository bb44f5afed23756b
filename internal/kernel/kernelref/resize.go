package kernelref

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// Resize2D is ONNX Resize (nearest or linear) over the last two axes of [planes, ih, iw] data. Each
// output coordinate is mapped back with coordinate_transformation_mode in float32, as onnxruntime
// does (the rounding of nearest ties depends on it), and interpolated in float64.
func Resize2D(y, x []float32, planes, ih, iw, oh, ow int, scaleH, scaleW float32, mode kernel.ResizeMode, coord kernel.CoordMode, nearest kernel.NearestMode) {
	for p := 0; p < planes; p++ {
		for oy := 0; oy < oh; oy++ {
			sy := source(oy, ih, oh, scaleH, coord)
			for ox := 0; ox < ow; ox++ {
				sx := source(ox, iw, ow, scaleW, coord)
				at := func(r, c int) float64 { return float64(x[(p*ih+r)*iw+c]) }
				var v float64
				if mode == kernel.ResizeNearest {
					v = at(clampInt(round(sy, nearest), ih), clampInt(round(sx, nearest), iw))
				} else {
					y0, y1, fy := linear(sy, ih)
					x0, x1, fx := linear(sx, iw)
					v = (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
				}
				y[(p*oh+oy)*ow+ox] = float32(v)
			}
		}
	}
}

// source maps an output index to an input coordinate (ONNX coordinate_transformation_mode).
func source(o, in, out int, scale float32, coord kernel.CoordMode) float32 {
	xo := float32(o)
	switch coord {
	case kernel.CoordHalfPixel:
		return (xo+0.5)/scale - 0.5
	case kernel.CoordPytorchHalfPixel:
		if out > 1 {
			return (xo+0.5)/scale - 0.5
		}
		return 0
	case kernel.CoordAlignCorners:
		if out == 1 {
			return 0
		}
		return xo * float32(in-1) / float32(out-1)
	case kernel.CoordTFHalfPixelForNN:
		return (xo + 0.5) / scale
	case kernel.CoordAsymmetric:
		return xo / scale
	}
	panic("kernelref: unknown coordinate mode")
}

// round is ONNX nearest_mode.
func round(v float32, m kernel.NearestMode) int {
	x := float64(v)
	switch m {
	case kernel.NearestFloor:
		return int(math.Floor(x))
	case kernel.NearestCeil:
		return int(math.Ceil(x))
	case kernel.NearestRoundPreferCeil:
		if x-math.Floor(x) == 0.5 {
			return int(math.Ceil(x))
		}
		return int(math.Round(x))
	case kernel.NearestRoundPreferFloor:
		if x-math.Floor(x) == 0.5 {
			return int(math.Floor(x))
		}
		return int(math.Round(x))
	}
	panic("kernelref: unknown nearest mode")
}

func clampInt(i, n int) int { return min(max(i, 0), n-1) }

// linear returns the two neighbours of coordinate v on an axis of n samples and the weight of the
// second; coordinates outside [0, n−1] clamp to the edge (onnxruntime's behaviour).
func linear(v float32, n int) (int, int, float64) {
	x := math.Min(math.Max(float64(v), 0), float64(n-1))
	i0 := int(math.Floor(x))
	i1 := min(i0+1, n-1)
	return i0, i1, x - float64(i0)
}
