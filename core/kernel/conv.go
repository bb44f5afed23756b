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

// convAlgo is how a Conv2D computes.
type convAlgo uint8

const (
	// algoIm2col packs chunks of the patch matrix into the workspace and multiplies them by the
	// packed weights.
	algoIm2col convAlgo = iota
	// algoPointwise is a 1×1, stride 1, unpadded convolution: the input already is the patch matrix,
	// so the GEMM reads it in place.
	algoPointwise
	// algoDepthwise is one input and one output channel per group: direct loops, with a vectorised
	// interior for 3×3 kernels of stride 1 or 2.
	algoDepthwise
)

// chunkBudget bounds the floats of patch matrix (K rows × chunk columns) packed at a time, so the
// chunk stays in L2 while every block of weight rows passes over it; chunkMax bounds the columns so
// the chunk's output rows are still in cache when a non-fused activation runs over them.
const (
	chunkBudget = 32768
	chunkMax    = 256
)

// Conv2D is a prepared convolution: y = act(conv(x, w) + bias + residual).
type Conv2D struct {
	s     ConvShape
	algo  convAlgo
	k     int       // C/Groups·KH·KW, the GEMM's reduction length
	nc    int       // patch-matrix columns per chunk, a multiple of gemmNR
	w     []float32 // [M, C/G, KH, KW], kept for the depthwise loops
	wp    []float32 // per group, the weights packed by packA
	bias  []float32 // [M] or nil
	biasP []float32 // per group, the bias padded to whole tile rows, or nil
	slope []float32 // fused LeakyRelu/PRelu: per group, one slope per output channel padded likewise
	act   Activation
	fused fusedAct
	// split: a 3×3-wide stride-2 im2col convolution whose input rows are padded and split by column
	// parity once per group (padS2, as for the depthwise kernels), so that every tap of eight
	// output pixels in a row is eight consecutive floats, copied straight into the packed panels.
	split    bool
	splitOff []int // per (input channel, kernel row), the split row's offset from the output row's
}

// splitMax bounds the floats of one group's split input (padded rows, evens then odds) that a
// stride-2 convolution keeps in its workspace; larger inputs take the im2col path.
const splitMax = 1 << 20

// splitGeom is the split input of one group: rows padded rows of ldx floats per channel.
func (s ConvShape) splitGeom() (rows, ldx int) {
	return (s.OH-1)*s.SH + s.KH, 2*s.OW + 1
}

// NewConv2D validates the shape and keeps (a packed copy of) the weights [M, C/Groups, KH, KW] and
// the bias [M] (or nil).
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
	cg, mg := s.C/s.Groups, s.M/s.Groups
	c := &Conv2D{s: s, k: cg * s.KH * s.KW, act: act, fused: fuseAct(act)}
	if bias != nil {
		c.bias = append([]float32(nil), bias...)
	}
	switch {
	case cg == 1 && mg == 1:
		c.algo = algoDepthwise
		c.w = append([]float32(nil), w...)
		return c, nil
	case s.KH == 1 && s.KW == 1 && s.SH == 1 && s.SW == 1 && s.PT == 0 && s.PL == 0 && s.OH == s.H && s.OW == s.W:
		c.algo = algoPointwise
	default:
		c.algo = algoIm2col
		if s.SW == 2 && s.KW == 3 && s.DW == 1 && s.DH == 1 {
			rows, ldx := s.splitGeom()
			c.split = cg*rows*ldx <= splitMax
			for ci := 0; ci < cg; ci++ {
				for kh := 0; kh < s.KH; kh++ {
					c.splitOff = append(c.splitOff, ci*rows*ldx+kh*ldx)
				}
			}
		}
	}
	hw := s.OH * s.OW
	c.nc = min(roundUp(hw, gemmNR), max(gemmNR, min(chunkMax, chunkBudget/c.k/gemmNR*gemmNR)))
	pl := packedALen(mg, c.k)
	c.wp = make([]float32, s.Groups*pl+tileSlack)
	for g := 0; g < s.Groups; g++ {
		packA(c.wp[g*pl:(g+1)*pl], w[g*mg*c.k:], mg, c.k, c.k)
	}
	bl := roundUp(mg, gemmMR)
	if bias != nil {
		c.biasP = make([]float32, s.Groups*bl)
		for g := 0; g < s.Groups; g++ {
			copy(c.biasP[g*bl:], bias[g*mg:(g+1)*mg])
		}
	}
	if c.fused.leaky {
		c.slope = make([]float32, s.Groups*bl)
		for g := 0; g < s.Groups; g++ {
			for m := 0; m < mg; m++ {
				c.slope[g*bl+m] = act.channelSlope(g*mg + m)
			}
		}
	}
	return c, nil
}

// Shape returns the convolution's shape.
func (c *Conv2D) Shape() ConvShape { return c.s }

// WorkspaceLen is the scratch length Run needs: one chunk of the patch matrix and its packed panels
// (for a pointwise convolution the input is the patch matrix, so only the panels); for a 3×3
// depthwise convolution one padded input channel.
func (c *Conv2D) WorkspaceLen() int {
	switch c.algo {
	case algoDepthwise:
		n := 0
		if dwDirectFunc(c.s) != nil {
			n = c.s.W // the zero row
		}
		if !useDW3(c.s) {
			return n
		}
		g := newDWGeom(c.s)
		return max(n, g.rows*g.ldx+dwSlack)
	case algoPointwise:
		return c.k*roundUp(c.nc, gemmNR) + tileSlack
	}
	if c.split {
		rows, ldx := c.s.splitGeom()
		return c.k*roundUp(c.nc, gemmNR) + tileSlack + c.s.C/c.s.Groups*rows*ldx
	}
	return c.k*roundUp(c.nc, gemmNR) + c.k*c.nc + tileSlack
}

// Run computes y [N,M,OH,OW] from x [N,C,H,W]. residual, when non-nil, has y's shape and is added
// before the activation (a fused residual Add); it may be y itself, but y must not overlap x. ws has
// WorkspaceLen elements.
func (c *Conv2D) Run(y, x, residual, ws []float32) {
	s := c.s
	inSize, outSize := s.C*s.H*s.W, s.M*s.OH*s.OW
	mustLen("Conv", "x", x, s.N*inSize)
	mustLen("Conv", "y", y, s.N*outSize)
	if residual != nil {
		mustLen("Conv", "residual", residual, s.N*outSize)
	}
	mustLen("Conv", "workspace", ws, c.WorkspaceLen())
	for n := 0; n < s.N; n++ {
		xn, yn := x[n*inSize:(n+1)*inSize], y[n*outSize:(n+1)*outSize]
		var rn []float32
		if residual != nil {
			rn = residual[n*outSize : (n+1)*outSize]
		}
		if c.algo == algoDepthwise {
			c.depthwise(yn, xn, rn, ws)
			continue
		}
		for g := 0; g < s.Groups; g++ {
			c.runGroup(g, yn, xn, rn, ws)
		}
	}
}

// runGroup computes one group's output channels, a chunk of output pixels at a time: the chunk's
// patch matrix is built (or, for 1×1, read in place), every block of gemmMR weight rows runs over it
// with bias, residual and Relu/Clip/LeakyRelu/PRelu fused into the tile, and any other activation runs on the chunk
// while it is in cache.
func (c *Conv2D) runGroup(g int, yn, xn, rn, ws []float32) {
	s := c.s
	cg, mg := s.C/s.Groups, s.M/s.Groups
	hw, ihw := s.OH*s.OW, s.H*s.W
	xg := xn[g*cg*ihw : (g+1)*cg*ihw]
	yg := yn[g*mg*hw : (g+1)*mg*hw]
	pl := packedALen(mg, c.k)
	wp := c.wp[g*pl : (g+1)*pl]
	ep := tileEpilogue{init: initZero, clamp: c.fused.clamp, lo: c.fused.lo, hi: c.fused.hi, ldr: hw}
	bl := roundUp(mg, gemmMR)
	if c.biasP != nil {
		ep.init, ep.bias = initRowBias, c.biasP[g*bl:(g+1)*bl]
	}
	if c.slope != nil {
		ep.slope = c.slope[g*bl : (g+1)*bl]
	}
	panels := ws[:c.k*roundUp(c.nc, gemmNR)]
	var sp []float32
	if c.split {
		rows, ldx := s.splitGeom()
		sp = ws[len(panels)+tileSlack : len(panels)+tileSlack+cg*rows*ldx]
		for ci := 0; ci < cg; ci++ {
			padS2(sp[ci*rows*ldx:(ci+1)*rows*ldx], xg[ci*ihw:(ci+1)*ihw], rows, ldx, s.H, s.W, s.PT, s.PL, s.OW)
		}
	}
	for j0 := 0; j0 < hw; j0 += c.nc {
		jn := min(c.nc, hw-j0)
		e := ep
		if rn != nil {
			e.res = rn[g*mg*hw+j0:]
		}
		if c.algo == algoPointwise {
			packB(panels, xg[j0:], c.k, jn, hw)
		} else if c.split {
			c.splitPanels(panels, sp, j0, jn)
		} else {
			col := ws[len(panels) : len(panels)+c.k*jn]
			c.im2col(col, xg, j0, jn)
			packB(panels, col, c.k, jn, jn)
		}
		gemmPacked(mg, jn, c.k, wp, panels, yg[j0:], hw, &e)
		if c.fused.post {
			for m := 0; m < mg; m++ {
				c.act.applyChannel(yg[m*hw+j0:m*hw+j0+jn], g*mg+m)
			}
		}
	}
}

// im2col writes columns [j0, j0+jn) of one group's patch matrix: row r = (ci·KH + kh)·KW + kw holds,
// for each output pixel, the input value that kernel tap multiplies (zero in the padding), in
// dst[r·jn : (r+1)·jn]. Runs of pixels along an output row read one input row, so stride-1 runs are
// plain copies.
func (c *Conv2D) im2col(dst, x []float32, j0, jn int) {
	s := c.s
	r := 0
	for ci := 0; ci < s.C/s.Groups; ci++ {
		xc := x[ci*s.H*s.W : (ci+1)*s.H*s.W]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				row := dst[r*jn : (r+1)*jn]
				r++
				oh, ow := j0/s.OW, j0%s.OW
				for d := 0; d < jn; {
					run := min(s.OW-ow, jn-d)
					seg := row[d : d+run]
					d += run
					ih := oh*s.SH - s.PT + kh*s.DH
					if ih < 0 || ih >= s.H {
						zero(seg)
						ow, oh = 0, oh+1
						continue
					}
					xr := xc[ih*s.W : (ih+1)*s.W]
					iw0 := ow*s.SW - s.PL + kw*s.DW
					lo, hi := validRun(iw0, s.SW, run, s.W)
					switch {
					case lo >= hi:
						zero(seg) // every tap of the run falls in the padding
					case s.SW == 1:
						zero(seg[:lo])
						copy(seg[lo:hi], xr[iw0+lo:iw0+hi])
						zero(seg[hi:])
					case s.SW == 2:
						deinterleave(seg, lo, hi, xr, iw0+2*lo)
					default:
						zero(seg[:lo])
						zero(seg[hi:])
						iw := iw0 + lo*s.SW
						for t := lo; t < hi; t++ {
							seg[t] = xr[iw]
							iw += s.SW
						}
					}
					ow, oh = 0, oh+1
				}
			}
		}
	}
}

// splitPanels writes columns [j0, j0+jn) of one group's patch matrix, packed as packB would, from
// the group's split input sp (see splitGeom): output pixel (oh, ow)'s taps kw = 0, 1, 2 of row
// oh·SH + kh are E[ow], O[ow] and E[ow+1] of that padded row. Eight pixels in one output row are
// eight consecutive floats per tap; a panel that spans two output rows or the chunk's end is
// filled pixel by pixel.
func (c *Conv2D) splitPanels(dst, sp []float32, j0, jn int) {
	s := c.s
	rows, ldx := s.splitGeom()
	plane, cg, k := rows*ldx, s.C/s.Groups, c.k
	for q := 0; q*gemmNR < jn; q++ {
		panel := dst[q*k*gemmNR : (q+1)*k*gemmNR]
		d0 := j0 + q*gemmNR
		if oh, ow := d0/s.OW, d0%s.OW; ow+gemmNR <= s.OW && (q+1)*gemmNR <= jn {
			splitPanel(panel, sp, oh*s.SH*ldx+ow, s.OW+1, c.splitOff)
			continue
		}
		for j := 0; j < gemmNR; j++ {
			if q*gemmNR+j >= jn {
				for r := 0; r < k; r++ {
					panel[r*gemmNR+j] = 0
				}
				continue
			}
			oh, ow := (d0+j)/s.OW, (d0+j)%s.OW
			r := 0
			for ci := 0; ci < cg; ci++ {
				for kh := 0; kh < s.KH; kh++ {
					row := ci*plane + (oh*s.SH+kh)*ldx
					panel[r*gemmNR+j] = sp[row+ow]
					panel[(r+1)*gemmNR+j] = sp[row+s.OW+1+ow]
					panel[(r+2)*gemmNR+j] = sp[row+ow+1]
					r += 3
				}
			}
		}
	}
}

// validRun returns the range [lo, hi) of t in [0, n) for which i0 + t·step lies in [0, size).
func validRun(i0, step, n, size int) (lo, hi int) {
	if i0 < 0 {
		lo = (-i0 + step - 1) / step
	}
	last := size - 1 - i0 // the largest t·step allowed
	if last < 0 {
		return 0, 0
	}
	hi = min(n, last/step+1)
	if lo > hi {
		lo = hi
	}
	return lo, hi
}
