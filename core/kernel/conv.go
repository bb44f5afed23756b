package kernel

// ConvShape describes a 2-D convolution over NCHW data. A 1-D convolution is one with H = KH = 1.
// Bottom and right padding are implied by the output size.
type ConvShape struct {
	N, C, H, W int // input batch, channels, height, width
	M, OH, OW  int // output channels, height, width
	KH, KW     int // kernel
	SH, SW     int // strides
	DH, DW     int // dilations
	PT, PL     int // top and left padding
	Groups     int
}

// Validate checks that the shape is consistent; OH and OW must equal what the padding, stride and
// dilation give for some bottom/right padding no larger than the kernel's extent.
func (s ConvShape) Validate() error {
	if s.N <= 0 || s.C <= 0 || s.H <= 0 || s.W <= 0 || s.M <= 0 || s.OH <= 0 || s.OW <= 0 {
		return shapeErrorf("Conv", "empty or negative shape %+v", s)
	}
	if s.KH <= 0 || s.KW <= 0 || s.SH <= 0 || s.SW <= 0 || s.DH <= 0 || s.DW <= 0 || s.PT < 0 || s.PL < 0 {
		return shapeErrorf("Conv", "bad kernel, stride, dilation or padding %+v", s)
	}
	if s.Groups <= 0 || s.C%s.Groups != 0 || s.M%s.Groups != 0 {
		return shapeErrorf("Conv", "group %d does not divide input channels %d and output channels %d", s.Groups, s.C, s.M)
	}
	// The last output row must start inside the padded input.
	if (s.OH-1)*s.SH-s.PT >= s.H+s.KH*s.DH || (s.OW-1)*s.SW-s.PL >= s.W+s.KW*s.DW {
		return shapeErrorf("Conv", "output %dx%d too large for input %dx%d", s.OH, s.OW, s.H, s.W)
	}
	return nil
}

// MACs is the number of multiply-accumulates one Run performs.
func (s ConvShape) MACs() int64 {
	return int64(s.N) * int64(s.M) * int64(s.OH) * int64(s.OW) * int64(s.C/s.Groups) * int64(s.KH) * int64(s.KW)
}

// Conv2D is a prepared convolution: y = act(conv(x, w) + bias + residual).
type Conv2D struct {
	s      ConvShape
	w      []float32 // [M, C/G, KH, KW]
	bias   []float32 // [M] or nil
	act    Activation
	direct bool // 1×1, stride 1, no padding: the input is already the im2col matrix
}

// NewConv2D validates the shape and keeps (a copy of) the weights [M, C/Groups, KH, KW] and the bias
// [M] (or nil).
func NewConv2D(s ConvShape, w, bias []float32, act Activation) (*Conv2D, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if want := s.M * (s.C / s.Groups) * s.KH * s.KW; len(w) != want {
		return nil, shapeErrorf("Conv", "weights have %d elements, want %d", len(w), want)
	}
	if bias != nil && len(bias) != s.M {
		return nil, shapeErrorf("Conv", "bias has %d elements, want %d", len(bias), s.M)
	}
	if act.Kind == ActPRelu && len(act.Slope) != 1 && len(act.Slope) != s.M {
		return nil, shapeErrorf("Conv", "PRelu slope has %d elements, want 1 or %d", len(act.Slope), s.M)
	}
	c := &Conv2D{s: s, w: append([]float32(nil), w...), act: act}
	if bias != nil {
		c.bias = append([]float32(nil), bias...)
	}
	c.direct = s.KH == 1 && s.KW == 1 && s.SH == 1 && s.SW == 1 && s.PT == 0 && s.PL == 0 &&
		s.OH == s.H && s.OW == s.W
	return c, nil
}

// Shape returns the convolution's shape.
func (c *Conv2D) Shape() ConvShape { return c.s }

func (c *Conv2D) depthwise() bool { return c.s.Groups == c.s.C && c.s.M == c.s.C }

// WorkspaceLen is the scratch length Run needs.
func (c *Conv2D) WorkspaceLen() int {
	if c.direct || c.depthwise() {
		return 0
	}
	s := c.s
	return (s.C / s.Groups) * s.KH * s.KW * s.OH * s.OW
}

// Run computes y [N,M,OH,OW] from x [N,C,H,W]. residual, when non-nil, has y's shape and is added
// before the activation (a fused residual Add). ws has WorkspaceLen elements.
func (c *Conv2D) Run(y, x, residual, ws []float32) {
	s := c.s
	inSize, outSize := s.C*s.H*s.W, s.M*s.OH*s.OW
	mustLen("Conv", "x", x, s.N*inSize)
	mustLen("Conv", "y", y, s.N*outSize)
	if residual != nil {
		mustLen("Conv", "residual", residual, s.N*outSize)
	}
	mustLen("Conv", "workspace", ws, c.WorkspaceLen())
	cg, mg := s.C/s.Groups, s.M/s.Groups
	kg := cg * s.KH * s.KW
	hw := s.OH * s.OW
	for n := 0; n < s.N; n++ {
		xn, yn := x[n*inSize:(n+1)*inSize], y[n*outSize:(n+1)*outSize]
		if c.depthwise() {
			depthwiseRef(yn, xn, c.w, s)
		} else {
			for g := 0; g < s.Groups; g++ {
				xg := xn[g*cg*s.H*s.W : (g+1)*cg*s.H*s.W]
				col := xg
				if !c.direct {
					col = ws[:kg*hw]
					im2col(col, xg, cg, s)
				}
				Gemm(mg, hw, kg, c.w[g*mg*kg:], kg, col, hw, yn[g*mg*hw:], hw, false)
			}
		}
		var rn []float32
		if residual != nil {
			rn = residual[n*outSize : (n+1)*outSize]
		}
		c.epilogue(yn, rn, hw)
	}
}

func (c *Conv2D) epilogue(y, residual []float32, hw int) {
	if c.bias == nil && residual == nil && c.act.IsNone() {
		return
	}
	for m := 0; m < c.s.M; m++ {
		ym := y[m*hw : (m+1)*hw]
		if c.bias != nil {
			b := c.bias[m]
			for i := range ym {
				ym[i] += b
			}
		}
		if residual != nil {
			for i, r := range residual[m*hw : (m+1)*hw] {
				ym[i] += r
			}
		}
		if !c.act.IsNone() {
			c.act.applyChannel(ym, m)
		}
	}
}

// im2col writes the [cg·KH·KW, OH·OW] patch matrix of one group's input [cg, H, W].
func im2col(col, x []float32, cg int, s ConvShape) {
	hw := s.OH * s.OW
	row := 0
	for ci := 0; ci < cg; ci++ {
		xc := x[ci*s.H*s.W : (ci+1)*s.H*s.W]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				dst := col[row*hw : (row+1)*hw]
				row++
				i := 0
				for oh := 0; oh < s.OH; oh++ {
					ih := oh*s.SH - s.PT + kh*s.DH
					if ih < 0 || ih >= s.H {
						clear(dst[i : i+s.OW])
						i += s.OW
						continue
					}
					xr := xc[ih*s.W : (ih+1)*s.W]
					for ow := 0; ow < s.OW; ow++ {
						iw := ow*s.SW - s.PL + kw*s.DW
						if iw >= 0 && iw < s.W {
							dst[i] = xr[iw]
						} else {
							dst[i] = 0
						}
						i++
					}
				}
			}
		}
	}
}

// depthwiseRef computes a depthwise convolution (one input and one output channel per group).
func depthwiseRef(y, x, w []float32, s ConvShape) {
	kk := s.KH * s.KW
	for c := 0; c < s.C; c++ {
		xc := x[c*s.H*s.W : (c+1)*s.H*s.W]
		yc := y[c*s.OH*s.OW : (c+1)*s.OH*s.OW]
		wc := w[c*kk : (c+1)*kk]
		for oh := 0; oh < s.OH; oh++ {
			for ow := 0; ow < s.OW; ow++ {
				var acc float32
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
						acc += xc[ih*s.W+iw] * wc[kh*s.KW+kw]
					}
				}
				yc[oh*s.OW+ow] = acc
			}
		}
	}
}
