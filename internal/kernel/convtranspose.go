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

// ConvTranspose2D is a prepared transposed convolution: y = act(convT(x, w) + bias). Each group is a
// GEMM, col = Wᵀ·x with Wᵀ [Mg·KH·KW, Cg] packed once, whose columns (one per input pixel) are then
// scattered into y (col2im), a chunk of input pixels at a time.
type ConvTranspose2D struct {
	im    *Impl
	s     ConvTransposeShape
	rows  int       // Mg·KH·KW, the GEMM's output rows
	nc    int       // input pixels per chunk
	wp    []float32 // per group, Wᵀ packed by packA
	bias  []float32
	act   Activation
	fused fusedAct
}

// NewConvTranspose2D keeps the weights [C, M/Groups, KH, KW] (ONNX's layout) and bias [M] or nil,
// for the Default implementation.
func NewConvTranspose2D(s ConvTransposeShape, w, bias []float32, act Activation) (*ConvTranspose2D, error) {
	return Default.NewConvTranspose2D(s, w, bias, act)
}

// NewConvTranspose2D is the package function NewConvTranspose2D on im.
func (im *Impl) NewConvTranspose2D(s ConvTransposeShape, w, bias []float32, act Activation) (*ConvTranspose2D, error) {
	return im.newConvTranspose2D(s, w, bias, act, nil)
}

// ConvTranspose2D is NewConvTranspose2D (Default implementation) with the packed weights shared
// through p.
func (p *Packs) ConvTranspose2D(s ConvTransposeShape, w, bias []float32, act Activation) (*ConvTranspose2D, error) {
	return Default.newConvTranspose2D(s, w, bias, act, p)
}

func (im *Impl) newConvTranspose2D(s ConvTransposeShape, w, bias []float32, act Activation, p *Packs) (*ConvTranspose2D, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cg, mg := s.C/s.Groups, s.M/s.Groups
	rows := mg * s.KH * s.KW
	if len(w) != s.C*rows {
		return nil, shapeErrorf("ConvTranspose", "weights have %d elements, want %d", len(w), s.C*rows)
	}
	if bias != nil && len(bias) != s.M {
		return nil, shapeErrorf("ConvTranspose", "bias has %d elements, want %d", len(bias), s.M)
	}
	if act.Kind == ActPRelu && len(act.Slope) != 1 && len(act.Slope) != s.M {
		return nil, shapeErrorf("ConvTranspose", "PRelu slope has %d elements, want 1 or %d", len(act.Slope), s.M)
	}
	t := &ConvTranspose2D{im: im, s: s, rows: rows, act: act, fused: fuseAct(act)}
	t.nc = min(roundUp(s.H*s.W, gemmNR), max(gemmNR, min(chunkMax, chunkBudget/max(cg, rows)/gemmNR*gemmNR)))
	pl := packedALen(rows, cg)
	var err error
	t.wp, err = p.get(keyOf(im, w, 'T', s.Groups, rows, cg), s.Groups*pl+tileSlack, func(dst []float32) {
		wt := make([]float32, rows*cg)
		for g := 0; g < s.Groups; g++ {
			src := w[g*cg*rows : (g+1)*cg*rows]
			for c := 0; c < cg; c++ {
				for r := 0; r < rows; r++ {
					wt[r*cg+c] = src[c*rows+r]
				}
			}
			packA(dst[g*pl:(g+1)*pl], wt, rows, cg, cg)
		}
	})
	if err != nil {
		return nil, err
	}
	if bias != nil {
		t.bias = append([]float32(nil), bias...)
	}
	return t, nil
}

// WorkspaceLen is the scratch length Run needs: a chunk of packed input pixels and its columns.
func (t *ConvTranspose2D) WorkspaceLen() int {
	return (t.s.C/t.s.Groups)*roundUp(t.nc, gemmNR) + t.rows*t.nc + tileSlack
}

// Run computes y [N,M,OH,OW] from x [N,C,H,W].
func (t *ConvTranspose2D) Run(y, x, ws []float32) {
	s := t.s
	inSize, outSize := s.C*s.H*s.W, s.M*s.OH*s.OW
	mustLen("ConvTranspose", "x", x, s.N*inSize)
	mustLen("ConvTranspose", "y", y, s.N*outSize)
	mustLen("ConvTranspose", "workspace", ws, t.WorkspaceLen())
	cg, mg := s.C/s.Groups, s.M/s.Groups
	hw, ohw := s.H*s.W, s.OH*s.OW
	pl := packedALen(t.rows, cg)
	panels := ws[:cg*roundUp(t.nc, gemmNR)]
	ep := tileEpilogue{init: initZero}
	for n := 0; n < s.N; n++ {
		yn := y[n*outSize : (n+1)*outSize]
		clear(yn)
		for g := 0; g < s.Groups; g++ {
			xg := x[n*inSize+g*cg*hw : n*inSize+(g+1)*cg*hw]
			for j0 := 0; j0 < hw; j0 += t.nc {
				jn := min(t.nc, hw-j0)
				col := ws[len(panels) : len(panels)+t.rows*jn]
				t.im.packB(panels, xg[j0:], cg, jn, hw)
				t.im.gemmPacked(t.rows, jn, cg, t.wp[g*pl:(g+1)*pl], panels, col, jn, &ep)
				t.col2im(yn[g*mg*ohw:(g+1)*mg*ohw], col, mg, j0, jn)
			}
		}
		for m := 0; m < s.M; m++ {
			ym := yn[m*ohw : (m+1)*ohw]
			if t.bias != nil {
				b := t.bias[m]
				for i := range ym {
					ym[i] += b
				}
			}
			switch {
			case t.fused.clamp:
				t.im.clamp(ym, ym, t.fused.lo, t.fused.hi)
			case t.fused.leaky:
				t.im.leaky(ym, ym, t.act.channelSlope(m))
			case t.fused.post:
				t.act.applyChannel(t.im, ym, m)
			}
		}
	}
}

// col2im adds the columns of input pixels [j0, j0+jn) (col is [mg·KH·KW, jn]) into y [mg, OH, OW].
func (t *ConvTranspose2D) col2im(y, col []float32, mg, j0, jn int) {
	s := t.s
	r := 0
	for m := 0; m < mg; m++ {
		ym := y[m*s.OH*s.OW : (m+1)*s.OH*s.OW]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				src := col[r*jn : (r+1)*jn]
				r++
				ih, iw := j0/s.W, j0%s.W
				for _, v := range src {
					oh := ih*s.SH - s.PT + kh*s.DH
					ow := iw*s.SW - s.PL + kw*s.DW
					if oh >= 0 && oh < s.OH && ow >= 0 && ow < s.OW {
						ym[oh*s.OW+ow] += v
					}
					if iw++; iw == s.W {
						iw, ih = 0, ih+1
					}
				}
			}
		}
	}
}
