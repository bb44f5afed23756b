package kernel

import "math"

// ResizeMode selects the interpolation.
type ResizeMode uint8

const (
	ResizeNearest ResizeMode = iota
	ResizeLinear
)

// CoordMode is ONNX Resize's coordinate_transformation_mode: how an output coordinate maps back onto
// the input axis.
type CoordMode uint8

const (
	CoordHalfPixel CoordMode = iota
	CoordPytorchHalfPixel
	CoordAlignCorners
	CoordAsymmetric
	CoordTFHalfPixelForNN
)

// NearestMode is ONNX Resize's nearest_mode: how a fractional input coordinate rounds.
type NearestMode uint8

const (
	NearestRoundPreferFloor NearestMode = iota
	NearestRoundPreferCeil
	NearestFloor
	NearestCeil
)

// Resize2D resizes the last two axes of [planes, H, W] data. Its index and weight tables are built
// once.
type Resize2D struct {
	planes, ih, iw, oh, ow int
	mode                   ResizeMode
	// Nearest: source index per output row/column. Linear: the two source indices and weights.
	y0, y1, x0, x1 []int32
	wy, wx         []float32 // weight of the second neighbour
}

// NewResize2D prepares a resize of planes [ih, iw] images to [oh, ow]. scaleH and scaleW are the
// ratios the coordinate transform divides by (ONNX uses the given scales, or oh/ih when sizes are
// given).
func NewResize2D(planes, ih, iw, oh, ow int, scaleH, scaleW float32, mode ResizeMode, coord CoordMode, nearest NearestMode) (*Resize2D, error) {
	if planes <= 0 || ih <= 0 || iw <= 0 || oh <= 0 || ow <= 0 {
		return nil, shapeErrorf("Resize", "empty shape %dx%dx%d -> %dx%d", planes, ih, iw, oh, ow)
	}
	if !(scaleH > 0) || !(scaleW > 0) || math.IsInf(float64(scaleH), 0) || math.IsInf(float64(scaleW), 0) {
		return nil, shapeErrorf("Resize", "bad scales %v, %v", scaleH, scaleW)
	}
	r := &Resize2D{planes: planes, ih: ih, iw: iw, oh: oh, ow: ow, mode: mode}
	r.y0, r.y1, r.wy = axisTable(ih, oh, scaleH, mode, coord, nearest)
	r.x0, r.x1, r.wx = axisTable(iw, ow, scaleW, mode, coord, nearest)
	return r, nil
}

func axisTable(in, out int, scale float32, mode ResizeMode, coord CoordMode, nearest NearestMode) (i0, i1 []int32, w []float32) {
	i0 = make([]int32, out)
	i1 = make([]int32, out)
	w = make([]float32, out)
	for o := 0; o < out; o++ {
		x := originalCoord(float32(o), in, out, scale, coord)
		if mode == ResizeNearest {
			i := roundNearest(x, nearest)
			i0[o] = int32(min(max(i, 0), in-1))
			continue
		}
		x = min(max(x, 0), float32(in-1))
		a := min(int(x), in-1)
		b := min(a+1, in-1)
		i0[o], i1[o] = int32(a), int32(b)
		if a == b {
			w[o] = 0.5
		} else {
			w[o] = x - float32(a)
		}
	}
	return i0, i1, w
}

func originalCoord(x float32, in, out int, scale float32, coord CoordMode) float32 {
	switch coord {
	case CoordHalfPixel:
		return (x+0.5)/scale - 0.5
	case CoordPytorchHalfPixel:
		if out > 1 {
			return (x+0.5)/scale - 0.5
		}
		return 0
	case CoordAlignCorners:
		if out == 1 {
			return 0
		}
		return x * float32(in-1) / float32(out-1)
	case CoordTFHalfPixelForNN:
		return (x + 0.5) / scale
	default: // CoordAsymmetric
		return x / scale
	}
}

func roundNearest(x float32, m NearestMode) int {
	switch m {
	case NearestFloor:
		return int(math.Floor(float64(x)))
	case NearestCeil:
		return int(math.Ceil(float64(x)))
	case NearestRoundPreferCeil:
		return int(math.Floor(float64(x) + 0.5))
	default: // round_prefer_floor
		f := math.Floor(float64(x))
		if float64(x)-f == 0.5 {
			return int(f)
		}
		return int(math.Round(float64(x)))
	}
}

// Run resizes x [planes, ih, iw] into y [planes, oh, ow].
func (r *Resize2D) Run(y, x []float32) {
	mustLen("Resize", "x", x, r.planes*r.ih*r.iw)
	mustLen("Resize", "y", y, r.planes*r.oh*r.ow)
	for p := 0; p < r.planes; p++ {
		xp := x[p*r.ih*r.iw : (p+1)*r.ih*r.iw]
		yp := y[p*r.oh*r.ow : (p+1)*r.oh*r.ow]
		if r.mode == ResizeNearest {
			for oy := 0; oy < r.oh; oy++ {
				src := xp[int(r.y0[oy])*r.iw:]
				dst := yp[oy*r.ow : (oy+1)*r.ow]
				for ox, sx := range r.x0 {
					dst[ox] = src[sx]
				}
			}
			continue
		}
		for oy := 0; oy < r.oh; oy++ {
			ra := xp[int(r.y0[oy])*r.iw:]
			rb := xp[int(r.y1[oy])*r.iw:]
			wy := r.wy[oy]
			dst := yp[oy*r.ow : (oy+1)*r.ow]
			for ox := range dst {
				a, b, wx := r.x0[ox], r.x1[ox], r.wx[ox]
				top := ra[a]*(1-wx) + ra[b]*wx
				bot := rb[a]*(1-wx) + rb[b]*wx
				dst[ox] = top*(1-wy) + bot*wy
			}
		}
	}
}
