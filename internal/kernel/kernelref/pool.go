package kernelref

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// MaxPool2D is ONNX MaxPool: the maximum over the window's taps that land on real input. Padding
// never wins, and with ceil_mode the taps past the bottom/right padding are ignored like padding.
func MaxPool2D(y, x []float32, s kernel.PoolShape) {
	for p := 0; p < s.N*s.C; p++ {
		for oh := 0; oh < s.OH; oh++ {
			for ow := 0; ow < s.OW; ow++ {
				m := math.Inf(-1)
				for kh := 0; kh < s.KH; kh++ {
					for kw := 0; kw < s.KW; kw++ {
						ih := oh*s.SH - s.PT + kh*s.DH
						iw := ow*s.SW - s.PL + kw*s.DW
						if ih < 0 || ih >= s.H || iw < 0 || iw >= s.W {
							continue
						}
						m = math.Max(m, float64(x[(p*s.H+ih)*s.W+iw]))
					}
				}
				y[(p*s.OH+oh)*s.OW+ow] = float32(m)
			}
		}
	}
}

// AvgPool2D is ONNX AveragePool. The sum runs over the window's taps on real input; the divisor is the
// number of those taps, or with countIncludePad the number of taps inside the padded input
// [−PT, H+PB) × [−PL, W+PR): a ceil_mode window's overhang past the padding never counts (what
// onnxruntime does).
func AvgPool2D(y, x []float32, s kernel.PoolShape, countIncludePad bool) {
	for p := 0; p < s.N*s.C; p++ {
		for oh := 0; oh < s.OH; oh++ {
			for ow := 0; ow < s.OW; ow++ {
				var sum float64
				real, padded := 0, 0
				for kh := 0; kh < s.KH; kh++ {
					for kw := 0; kw < s.KW; kw++ {
						ih := oh*s.SH - s.PT + kh*s.DH
						iw := ow*s.SW - s.PL + kw*s.DW
						if ih >= -s.PT && ih < s.H+s.PB && iw >= -s.PL && iw < s.W+s.PR {
							padded++
						}
						if ih < 0 || ih >= s.H || iw < 0 || iw >= s.W {
							continue
						}
						real++
						sum += float64(x[(p*s.H+ih)*s.W+iw])
					}
				}
				count := real
				if countIncludePad {
					count = padded
				}
				v := 0.0
				if count > 0 {
					v = sum / float64(count)
				}
				y[(p*s.OH+oh)*s.OW+ow] = float32(v)
			}
		}
	}
}

// GlobalAvgPool averages each of nc planes of hw elements.
func GlobalAvgPool(y, x []float32, nc, hw int) {
	for i := 0; i < nc; i++ {
		var s float64
		for j := 0; j < hw; j++ {
			s += float64(x[i*hw+j])
		}
		y[i] = float32(s / float64(hw))
	}
}

// GlobalMaxPool takes the maximum of each of nc planes of hw elements.
func GlobalMaxPool(y, x []float32, nc, hw int) {
	for i := 0; i < nc; i++ {
		m := math.Inf(-1)
		for j := 0; j < hw; j++ {
			m = math.Max(m, float64(x[i*hw+j]))
		}
		y[i] = float32(m)
	}
}
