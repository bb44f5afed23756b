package kernel

// ConvTransposeShape describes a 2-D transposed convolution over NCHW data: each input pixel scatters
// its kernel-sized footprint into the output at stride SH, SW; PT and PL crop the top and left of the
// full result (bottom and right cropping and output_padding are implied by OH and OW).
type ConvTransposeShape struct {
	N, C, H, W int
	M, OH, OW  int
	KH, KW     int
	SH, SW     int
	DH, DW     int
	PT, PL     int
	Groups     int
}

// Validate checks that the shape is consistent.
func (s ConvTransposeShape) Validate() error {
	if s.N <= 0 || s.C <= 0 || s.H <= 0 || s.W <= 0 || s.M <= 0 || s.OH <= 0 || s.OW <= 0 {
		return shapeErrorf("ConvTranspose", "empty or negative shape %+v", s)
	}
	if s.KH <= 0 || s.KW <= 0 || s.SH <= 0 || s.SW <= 0 || s.DH <= 0 || s.DW <= 0 || s.PT < 0 || s.PL < 0 {
		return shapeErrorf("ConvTranspose", "bad kernel, stride, dilation or padding %+v", s)
	}
	if s.Groups <= 0 || s.C%s.Groups != 0 || s.M%s.Groups != 0 {
		return shapeErrorf("ConvTranspose", "group %d does not divide channels %d and %d", s.Groups, s.C, s.M)
	}
	return nil
}

// MACs is the number of multiply-accumulates one Run performs.
func (s ConvTransposeShape) MACs() int64 {
	return int64(s.N) * int64(s.C) * int64(s.H) * int64(s.W) * int64(s.M/s.Groups) * int64(s.KH) * int64(s.KW)
}

// ConvTranspose2D is a prepared transposed convolution: y = act(convT(x, w) + bias).
type ConvTranspose2D struct {
	s    ConvTransposeShape
	wt   []float32 // per group: [Mg·KH·KW, Cg], the transpose of ONNX's [Cg, Mg·KH·KW]
	bias []float32
	act  Activation
}

// NewConvTranspose2D keeps the weights [C, M/Groups, KH, KW] (ONNX's layout) and bias [M] or nil.
func NewConvTranspose2D(s ConvTransposeShape, w, bias []float32, act Activation) (*ConvTranspose2D, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cg, mg := s.C/s.Groups, s.M/s.Groups
	kk := mg * s.KH * s.KW
	if len(w) != s.C*kk {
		return nil, shapeErrorf("ConvTranspose", "weights have %d elements, want %d", len(w), s.C*kk)
	}
	if bias != nil && len(bias) != s.M {
		return nil, shapeErrorf("ConvTranspose", "bias has %d elements, want %d", len(bias), s.M)
	}
	if act.Kind == ActPRelu && len(act.Slope) != 1 && len(act.Slope) != s.M {
		return nil, shapeErrorf("ConvTranspose", "PRelu slope has %d elements, want 1 or %d", len(act.Slope), s.M)
	}
	wt := make([]float32, len(w))
	for g := 0; g < s.Groups; g++ {
		src, dst := w[g*cg*kk:(g+1)*cg*kk], wt[g*cg*kk:(g+1)*cg*kk]
		for c := 0; c < cg; c++ {
			for r := 0; r < kk; r++ {
				dst[r*cg+c] = src[c*kk+r]
			}
		}
	}
	t := &ConvTranspose2D{s: s, wt: wt, act: act}
	if bias != nil {
		t.bias = append([]float32(nil), bias...)
	}
	return t, nil
}

// WorkspaceLen is the scratch length Run needs.
func (t *ConvTranspose2D) WorkspaceLen() int {
	s := t.s
	return (s.M / s.Groups) * s.KH * s.KW * s.H * s.W
}

// Run computes y [N,M,OH,OW] from x [N,C,H,W].
func (t *ConvTranspose2D) Run(y, x, ws []float32) {
	s := t.s
	inSize, outSize := s.C*s.H*s.W, s.M*s.OH*s.OW
	mustLen("ConvTranspose", "x", x, s.N*inSize)
	mustLen("ConvTranspose", "y", y, s.N*outSize)
	mustLen("ConvTranspose", "workspace", ws, t.WorkspaceLen())
	cg, mg := s.C/s.Groups, s.M/s.Groups
	rows := mg * s.KH * s.KW
	hw, ohw := s.H*s.W, s.OH*s.OW
	for n := 0; n < s.N; n++ {
		yn := y[n*outSize : (n+1)*outSize]
		clear(yn)
		for g := 0; g < s.Groups; g++ {
			xg := x[n*inSize+g*cg*hw : n*inSize+(g+1)*cg*hw]
			col := ws[:rows*hw]
			Gemm(rows, hw, cg, t.wt[g*cg*rows:], cg, xg, hw, col, hw, false)
			t.col2im(yn[g*mg*ohw:(g+1)*mg*ohw], col, mg)
		}
		for m := 0; m < s.M; m++ {
			ym := yn[m*ohw : (m+1)*ohw]
			if t.bias != nil {
				b := t.bias[m]
				for i := range ym {
					ym[i] += b
				}
			}
			if !t.act.IsNone() {
				t.act.applyChannel(ym, m)
			}
		}
	}
}

// col2im adds the [mg·KH·KW, H·W] column matrix into y [mg, OH, OW].
func (t *ConvTranspose2D) col2im(y, col []float32, mg int) {
	s := t.s
	hw := s.H * s.W
	r := 0
	for m := 0; m < mg; m++ {
		ym := y[m*s.OH*s.OW : (m+1)*s.OH*s.OW]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				src := col[r*hw : (r+1)*hw]
				r++
				for ih := 0; ih < s.H; ih++ {
					oh := ih*s.SH - s.PT + kh*s.DH
					if oh < 0 || oh >= s.OH {
						continue
					}
					for iw := 0; iw < s.W; iw++ {
						ow := iw*s.SW - s.PL + kw*s.DW
						if ow >= 0 && ow < s.OW {
							ym[oh*s.OW+ow] += src[ih*s.W+iw]
						}
					}
				}
			}
		}
	}
}
