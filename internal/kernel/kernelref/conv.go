package kernelref

import "github.com/bonafide-pad/bonafide/internal/kernel"

// Conv2D computes y = act(conv(x, w) + bias + residual) for ONNX Conv over NCHW data: weights
// [M, C/Groups, KH, KW], bias [M] or nil, residual shaped like y or nil.
func Conv2D(y, x, w, bias, residual []float32, s kernel.ConvShape, act kernel.Activation) {
	cg, mg := s.C/s.Groups, s.M/s.Groups
	for n := 0; n < s.N; n++ {
		for m := 0; m < s.M; m++ {
			g := m / mg
			for oh := 0; oh < s.OH; oh++ {
				for ow := 0; ow < s.OW; ow++ {
					var acc float64
					for ci := 0; ci < cg; ci++ {
						c := g*cg + ci
						for kh := 0; kh < s.KH; kh++ {
							ih := oh*s.SH - s.PT + kh*s.DH
							if ih < 0 || ih >= s.H {
								continue
							}
							for kw := 0; kw < s.KW; kw++ {
								iw := ow*s.SW - s.PL + kw*s.DW
								if iw < 0 || iw >= s.W {
									continue
								}
								xv := x[((n*s.C+c)*s.H+ih)*s.W+iw]
								wv := w[((m*cg+ci)*s.KH+kh)*s.KW+kw]
								acc += float64(xv) * float64(wv)
							}
						}
					}
					if bias != nil {
						acc += float64(bias[m])
					}
					o := ((n*s.M+m)*s.OH+oh)*s.OW + ow
					if residual != nil {
						acc += float64(residual[o])
					}
					y[o] = float32(Act(act, acc, m))
				}
			}
		}
	}
}

// ConvTranspose2D computes y = act(convT(x, w) + bias) for ONNX ConvTranspose: weights
// [C, M/Groups, KH, KW]. Each output element gathers the input pixels whose footprint covers it:
// oh = ih·SH − PT + kh·DH.
func ConvTranspose2D(y, x, w, bias []float32, s kernel.ConvTransposeShape, act kernel.Activation) {
	cg, mg := s.C/s.Groups, s.M/s.Groups
	for n := 0; n < s.N; n++ {
		for m := 0; m < s.M; m++ {
			g, mi := m/mg, m%mg
			for oh := 0; oh < s.OH; oh++ {
				for ow := 0; ow < s.OW; ow++ {
					var acc float64
					for ci := 0; ci < cg; ci++ {
						c := g*cg + ci
						for kh := 0; kh < s.KH; kh++ {
							th := oh + s.PT - kh*s.DH
							if th < 0 || th%s.SH != 0 || th/s.SH >= s.H {
								continue
							}
							ih := th / s.SH
							for kw := 0; kw < s.KW; kw++ {
								tw := ow + s.PL - kw*s.DW
								if tw < 0 || tw%s.SW != 0 || tw/s.SW >= s.W {
									continue
								}
								iw := tw / s.SW
								xv := x[((n*s.C+c)*s.H+ih)*s.W+iw]
								wv := w[((c*mg+mi)*s.KH+kh)*s.KW+kw]
								acc += float64(xv) * float64(wv)
							}
						}
					}
					if bias != nil {
						acc += float64(bias[m])
					}
					y[((n*s.M+m)*s.OH+oh)*s.OW+ow] = float32(Act(act, acc, m))
				}
			}
		}
	}
}
