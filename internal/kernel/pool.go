package kernel

import "math"

// PoolShape describes 2-D pooling over NCHW data with explicit padding on all four sides. With
// ceil_mode the last window may run past the bottom/right padding; those positions never count.
type PoolShape struct {
	N, C, H, W     int
	OH, OW         int
	KH, KW         int
	SH, SW         int
	DH, DW         int
	PT, PL, PB, PR int
}

// Validate checks that the shape is consistent.
func (s PoolShape) Validate() error {
	if s.N <= 0 || s.C <= 0 || s.H <= 0 || s.W <= 0 || s.OH <= 0 || s.OW <= 0 {
		return shapeErrorf("Pool", "empty or negative shape %+v", s)
	}
	if s.KH <= 0 || s.KW <= 0 || s.SH <= 0 || s.SW <= 0 || s.DH <= 0 || s.DW <= 0 ||
		s.PT < 0 || s.PL < 0 || s.PB < 0 || s.PR < 0 {
		return shapeErrorf("Pool", "bad kernel, stride, dilation or padding %+v", s)
	}
	if (s.OH-1)*s.SH-s.PT >= s.H+s.PB || (s.OW-1)*s.SW-s.PL >= s.W+s.PR {
		return shapeErrorf("Pool", "output %dx%d too large for input %dx%d", s.OH, s.OW, s.H, s.W)
	}
	return nil
}

// MaxPool2D computes the maximum over each window, ignoring padding, with the Default
// implementation.
func MaxPool2D(y, x []float32, s PoolShape) { Default.MaxPool2D(y, x, s) }

// MaxPool2D is the package function MaxPool2D on im.
func (im *Impl) MaxPool2D(y, x []float32, s PoolShape) {
	planes := s.N * s.C
	mustLen("MaxPool", "x", x, planes*s.H*s.W)
	mustLen("MaxPool", "y", y, planes*s.OH*s.OW)
	if s.DH == 1 && s.DW == 1 && s.PT == 0 && s.PL == 0 && (s.OH-1)*s.SH+s.KH <= s.H && (s.OW-1)*s.SW+s.KW <= s.W {
		im.maxPoolInside(y, x, s)
		return
	}
	if s.DH == 1 && s.DW == 1 && s.W <= maxPoolRowMax {
		im.maxPoolRows(y, x, s)
		return
	}
	for p := 0; p < planes; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*s.OW : (p+1)*s.OH*s.OW]
		for oh := 0; oh < s.OH; oh++ {
			h0 := oh*s.SH - s.PT
			for ow := 0; ow < s.OW; ow++ {
				w0 := ow*s.SW - s.PL
				m := float32(math.Inf(-1))
				for kh := 0; kh < s.KH; kh++ {
					ih := h0 + kh*s.DH
					if ih < 0 || ih >= s.H {
						continue
					}
					row := xp[ih*s.W : (ih+1)*s.W]
					for kw := 0; kw < s.KW; kw++ {
						iw := w0 + kw*s.DW
						if iw >= 0 && iw < s.W && row[iw] > m {
							m = row[iw]
						}
					}
				}
				yp[oh*s.OW+ow] = m
			}
		}
	}
}

// AvgPool2D computes the mean over each window with the Default implementation. With
// countIncludePad the divisor counts the padded positions inside [−PT, H+PB) × [−PL, W+PR); without
// it, only real input positions.
func AvgPool2D(y, x []float32, s PoolShape, countIncludePad bool) {
	Default.AvgPool2D(y, x, s, countIncludePad)
}

// AvgPool2D is the package function AvgPool2D on im.
func (im *Impl) AvgPool2D(y, x []float32, s PoolShape, countIncludePad bool) {
	planes := s.N * s.C
	mustLen("AveragePool", "x", x, planes*s.H*s.W)
	mustLen("AveragePool", "y", y, planes*s.OH*s.OW)
	if s.DH != 1 || s.DW != 1 {
		avgPoolDilated(y, x, s, countIncludePad)
		return
	}
	if s.PT == 0 && s.PL == 0 && (s.OH-1)*s.SH+s.KH <= s.H && (s.OW-1)*s.SW+s.KW <= s.W {
		im.avgPoolInside(y, x, s)
		return
	}
	for p := 0; p < planes; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*s.OW : (p+1)*s.OH*s.OW]
		for oh := 0; oh < s.OH; oh++ {
			h0 := oh*s.SH - s.PT
			h1 := min(h0+s.KH, s.H+s.PB)
			for ow := 0; ow < s.OW; ow++ {
				w0 := ow*s.SW - s.PL
				w1 := min(w0+s.KW, s.W+s.PR)
				var sum float32
				count := 0
				for ih := max(h0, 0); ih < min(h1, s.H); ih++ {
					row := xp[ih*s.W : (ih+1)*s.W]
					for iw := max(w0, 0); iw < min(w1, s.W); iw++ {
						sum += row[iw]
						count++
					}
				}
				if countIncludePad {
					count = (h1 - h0) * (w1 - w0)
				}
				if count > 0 {
					sum /= float32(count)
				}
				yp[oh*s.OW+ow] = sum
			}
		}
	}
}

// avgPoolInside is AvgPool2D when every window lies inside the input (no padding reached, so every
// divisor is KH·KW): the pyramid heads' pools. An output row is built a tap at a time, each tap
// adding a run of OW inputs to it: KH·KW loops of OW per row instead of loops of KW per window,
// which Go-wasm pays for in its block dispatcher (PS-B-80's 3×3 stride-1 pool of 128 10×10 planes:
// 595 µs per run in a step profile before). Each output still sums its taps in the same order,
// from zero, then divides: the same results as window by window.
func (im *Impl) avgPoolInside(y, x []float32, s PoolShape) {
	if im.avgPoolTiles(y, x, s) || im.avgPoolS1(y, x, s) {
		return
	}
	n := float32(s.KH * s.KW)
	ow := s.OW
	for p := 0; p < s.N*s.C; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*ow : (p+1)*s.OH*ow]
		for oh := 0; oh < s.OH; oh++ {
			yr := yp[oh*ow : (oh+1)*ow]
			clear(yr)
			for kh := 0; kh < s.KH; kh++ {
				xr := xp[(oh*s.SH+kh)*s.W : (oh*s.SH+kh+1)*s.W]
				for kw := 0; kw < s.KW; kw++ {
					if s.SW == 1 {
						xs := xr[kw : kw+ow]
						for i := range yr {
							yr[i] += xs[i]
						}
						continue
					}
					xs := xr[kw : kw+(ow-1)*s.SW+1]
					for i := range yr {
						yr[i] += xs[i*s.SW]
					}
				}
			}
			for i := range yr {
				yr[i] /= n
			}
		}
	}
}

// maxPoolInside is MaxPool2D when every window lies inside the input (BlazeFace's 2×2 shortcuts,
// ResNet's 3×3 after padding is not this): no bounds tests; 2×2 windows of stride 2 run the
// implementation's two-row loop.
func (im *Impl) maxPoolInside(y, x []float32, s PoolShape) {
	planes := s.N * s.C
	if s.KH == 2 && s.KW == 2 && s.SH == 2 && s.SW == 2 && s.H == 2*s.OH && s.W == 2*s.OW {
		im.maxPool2x2(y[:planes*s.OH*s.OW], x[:planes*s.H*s.W], planes*s.OH, s.W)
		return
	}
	for p := 0; p < planes; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*s.OW : (p+1)*s.OH*s.OW]
		for oh := 0; oh < s.OH; oh++ {
			yr := yp[oh*s.OW : (oh+1)*s.OW]
			for ow := range yr {
				base := oh*s.SH*s.W + ow*s.SW
				m := xp[base]
				for kh := 0; kh < s.KH; kh++ {
					for _, v := range xp[base+kh*s.W : base+kh*s.W+s.KW] {
						m = max32(m, v)
					}
				}
				yr[ow] = m
			}
		}
	}
}

// maxPoolRowMax bounds the input width of maxPoolRows (its row buffer is on the stack).
const maxPoolRowMax = 1024

// maxPoolRows is MaxPool2D for padded windows of dilation 1 (CDCN-PS's and ResNet's 3×3 stride-2
// pools): per output row, the maximum of its input rows that exist is taken column by column into a
// row buffer (binVV's Max: four at a time in the SIMD build), then each window's maximum along that
// row, with bounds tests only for windows that reach the padding. The per-tap loop tested bounds and branched for each of the KH·KW taps of
// every output (a quarter of a second on CDCN-PS's 128 planes of 256²). In the SIMD build the 3×3
// stride-2 windows that lie inside the row are taken four at a time (maxRow3s2SIMD): ResNet50-PS's
// pool of 64 planes of 128² took 7.9 ms, 2% of the model, in the scalar loop. Like kernelref, a NaN
// propagates (max32); a window with no input tap (ceil_mode past the padding) gives −Inf.
func (im *Impl) maxPoolRows(y, x []float32, s PoolShape) {
	var buf [maxPoolRowMax + 1]float32 // maxRow3s2SIMD reads one float past a row
	vm := buf[:s.W]
	negInf := float32(math.Inf(-1))
	for p := 0; p < s.N*s.C; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*s.OW : (p+1)*s.OH*s.OW]
		for oh := 0; oh < s.OH; oh++ {
			yr := yp[oh*s.OW : (oh+1)*s.OW]
			h0 := oh*s.SH - s.PT
			lo, hi := max(h0, 0), min(h0+s.KH, s.H)
			if lo >= hi {
				for i := range yr {
					yr[i] = negInf
				}
				continue
			}
			copy(vm, xp[lo*s.W:(lo+1)*s.W])
			for ih := lo + 1; ih < hi; ih++ {
				im.binVV(OpMax, vm, vm, xp[ih*s.W:(ih+1)*s.W])
			}
			v0, v1 := 0, 0 // outputs set four at a time
			if im.simd && s.KW == 3 && s.SW == 2 {
				v0, v1 = maxRow3s2SIMD(yr, buf[:s.W+1], s.PL, s.W)
			}
			for ow := 0; ow < len(yr); ow++ {
				if ow == v0 && v1 > v0 {
					ow = v1 - 1 // set by maxRow3s2SIMD
					continue
				}
				w0 := ow*s.SW - s.PL
				if w0 >= 0 && w0+s.KW <= s.W {
					win := vm[w0 : w0+s.KW]
					m := win[0]
					for _, v := range win[1:] {
						m = max32(m, v)
					}
					yr[ow] = m
					continue
				}
				m := negInf
				for iw := max(w0, 0); iw < min(w0+s.KW, s.W); iw++ {
					m = max32(m, vm[iw])
				}
				yr[ow] = m
			}
		}
	}
}

// max32 is max(a, b), NaN-propagating like Go's max, as a select (see clamp32).
func max32(a, b float32) float32 {
	r := math.Float32bits(a)
	if b > a || b != b {
		r = math.Float32bits(b)
	}
	return math.Float32frombits(r)
}

// maxPool2x2Generic takes the maxima of the 2×2 windows of rows pairs of rows of w floats (w even)
// into rows rows of w/2.
func maxPool2x2Generic(y, x []float32, rows, w int) {
	for r := 0; r < rows; r++ {
		a, b := x[2*r*w:(2*r+1)*w], x[(2*r+1)*w:(2*r+2)*w]
		yr := y[r*w/2 : (r+1)*w/2]
		for j := range yr {
			yr[j] = max32(max32(a[2*j], a[2*j+1]), max32(b[2*j], b[2*j+1]))
		}
	}
}

// avgPoolDilated is AvgPool2D for dilated windows (opset 19): taps are counted one by one, those
// inside the padded input [−PT, H+PB) × [−PL, W+PR) towards count_include_pad's divisor.
func avgPoolDilated(y, x []float32, s PoolShape, countIncludePad bool) {
	for p := 0; p < s.N*s.C; p++ {
		xp := x[p*s.H*s.W : (p+1)*s.H*s.W]
		yp := y[p*s.OH*s.OW : (p+1)*s.OH*s.OW]
		for oh := 0; oh < s.OH; oh++ {
			for ow := 0; ow < s.OW; ow++ {
				var sum float32
				real, padded := 0, 0
				for kh := 0; kh < s.KH; kh++ {
					ih := oh*s.SH - s.PT + kh*s.DH
					if ih < -s.PT || ih >= s.H+s.PB {
						continue
					}
					for kw := 0; kw < s.KW; kw++ {
						iw := ow*s.SW - s.PL + kw*s.DW
						if iw < -s.PL || iw >= s.W+s.PR {
							continue
						}
						padded++
						if ih >= 0 && ih < s.H && iw >= 0 && iw < s.W {
							sum += xp[ih*s.W+iw]
							real++
						}
					}
				}
				count := real
				if countIncludePad {
					count = padded
				}
				if count > 0 {
					sum /= float32(count)
				}
				yp[oh*s.OW+ow] = sum
			}
		}
	}
}

// GlobalAvgPool averages each of nc planes of hw elements.
func GlobalAvgPool(y, x []float32, nc, hw int) {
	mustLen("GlobalAveragePool", "x", x, nc*hw)
	mustLen("GlobalAveragePool", "y", y, nc)
	for i := 0; i < nc; i++ {
		y[i] = Default.sum(x[i*hw:(i+1)*hw]) / float32(hw)
	}
}

// GlobalMaxPool takes the maximum of each of nc planes of hw elements.
func GlobalMaxPool(y, x []float32, nc, hw int) {
	mustLen("GlobalMaxPool", "x", x, nc*hw)
	mustLen("GlobalMaxPool", "y", y, nc)
	for i := 0; i < nc; i++ {
		m := float32(math.Inf(-1))
		for _, v := range x[i*hw : (i+1)*hw] {
			if v > m {
				m = v
			}
		}
		y[i] = m
	}
}
