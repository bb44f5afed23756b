package face

import (
	"image"
	"math"
)

// span is the set of source pixels (relative to the window) that make one output pixel along one
// axis, with their weights. Shrinking averages the area the output pixel covers (every source
// pixel counts, by the fraction of it that is covered); enlarging interpolates linearly between
// the two nearest pixel centres (half-pixel centres, as OpenCV's INTER_LINEAR, clamped to the
// window). Equal sizes copy.
type span struct {
	i0, i1 int     // source indices [i0, i1)
	a, b   float64 // area: covered interval [a, b)
	f      float64 // linear: weight of i0+1
	inv    float64 // area: 1 / (b − a)
	linear bool
}

// makeSpan returns the span of output index o when n source pixels map onto m outputs.
func makeSpan(o, n, m int) span {
	s := float64(n) / float64(m)
	if s > 1 {
		a, b := float64(o)*s, float64(o+1)*s
		return span{i0: int(a), i1: min(n, int(math.Ceil(b))), a: a, b: b, inv: 1 / (b - a)}
	}
	u := (float64(o)+0.5)*s - 0.5
	u = min(max(u, 0), float64(n-1))
	i := int(u)
	f := u - float64(i)
	if i+1 >= n {
		return span{i0: i, i1: i + 1, linear: true}
	}
	return span{i0: i, i1: i + 2, f: f, linear: true}
}

func (s *span) weight(i int) float64 {
	if s.linear {
		if i == s.i0 {
			return 1 - s.f
		}
		return s.f
	}
	return (min(s.b, float64(i+1)) - max(s.a, float64(i))) * s.inv
}

// resample maps the window win of img onto an outW×outH grid and calls emit with each output
// pixel's index (row-major) and its R, G, B in 0..255. Window pixels outside the image read as
// fill. Nothing is allocated: emit is called directly and its closure stays on the caller's stack.
func resample(img *image.RGBA, win image.Rectangle, outW, outH int, fill [3]uint8, emit func(i int, r, g, b float32)) {
	ww, wh := win.Dx(), win.Dy()
	b := img.Rect
	inside := win.In(b)
	fr, fg, fb := float64(fill[0]), float64(fill[1]), float64(fill[2])
	for oy := range outH {
		sy := makeSpan(oy, wh, outH)
		for ox := range outW {
			sx := makeSpan(ox, ww, outW)
			var r, g, bl float64
			for iy := sy.i0; iy < sy.i1; iy++ {
				wy := sy.weight(iy)
				y := win.Min.Y + iy
				var rr, rg, rb float64
				if inside || (y >= b.Min.Y && y < b.Max.Y) {
					row := img.Pix[(y-b.Min.Y)*img.Stride:]
					for ix := sx.i0; ix < sx.i1; ix++ {
						wx := sx.weight(ix)
						x := win.Min.X + ix
						if !inside && (x < b.Min.X || x >= b.Max.X) {
							rr += wx * fr
							rg += wx * fg
							rb += wx * fb
							continue
						}
						p := row[4*(x-b.Min.X) : 4*(x-b.Min.X)+3 : 4*(x-b.Min.X)+3]
						rr += wx * float64(p[0])
						rg += wx * float64(p[1])
						rb += wx * float64(p[2])
					}
				} else {
					// A whole row outside the image: the x weights sum to 1.
					rr, rg, rb = fr, fg, fb
				}
				r += wy * rr
				g += wy * rg
				bl += wy * rb
			}
			emit(oy*outW+ox, float32(r), float32(g), float32(bl))
		}
	}
}
