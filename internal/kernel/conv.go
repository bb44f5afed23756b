package kernel

import "slices"

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
// the chunk's output rows are still in cache when a non-fused activation runs over them. chunkMin
// overrides the budget for deep K: every chunk streams all the weights (M×K floats, several MB for
// ResNet's 512-channel 3×3 layers, K = 4608) past its columns, and the budget's 8 columns per chunk
// made those layers stream them eight times per 8×8 plane (25 GFLOP/s against 31–34 for the rest
// of ResNet50-PS); 64 columns cost 6–14% less time on such layers (internal/kernel/BENCH.md round 9).
const (
	chunkBudget = 32768
	chunkMax    = 256
	chunkMin    = 64
)

// Conv2D is a prepared convolution: y = act(conv(x, w) + bias + residual).
type Conv2D struct {
	im    *Impl
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
	// tap: a convolution 2 to maxTapKW taps wide, stride 1 or 2, dilation 1, whose input channels
	// are padded (stride 1) or padded and split by column parity (stride 2, as for the depthwise
	// kernels) into planes once, so that each tap of consecutive output pixels in a row is
	// consecutive floats: the packed panels are filled straight from the planes, with no im2col
	// buffer and no packB pass, and nothing is repeated per tap.
	tap    bool
	tapOff []int // per patch-matrix row (ci, kh, kw): the tap's offset in the planes from a pixel's base
	tapMax int   // the largest tapOff
	// ncb > 0: a batch whose images are smaller than a chunk runs as one GEMM over the columns of
	// all images (ncb columns at a time): PatchNet's 16 patches of 2×2 to 16×16 pixels would
	// otherwise give GEMMs 4 to 64 columns wide, half of a 4-pixel image's tile wasted.
	ncb int
	// band > 0: the padded planes of a whole image would pass planesMax, so a tap convolution
	// pads band output rows' worth of input rows at a time (bandRows rows per channel) and runs
	// their chunks, instead of building every chunk's patch matrix by im2col and packing it
	// (CDCN-PS's 3×3 convolutions over 128 to 196 channels at 256² and 128²).
	band int
}

// planesMax bounds the floats of padded (or split) input planes a tap convolution keeps in its
// workspace (one image, or the whole batch when it runs as one GEMM); larger inputs take im2col.
const planesMax = 1 << 20

// maxTapKW bounds the kernel width of tap convolutions (stems are 3, 5 or 7 wide).
const maxTapKW = 7

// planeGeom is the padded input of one channel (dilation 1) that the tap convolutions and the
// padded-plane depthwise kernels read: rows padded rows of ldx floats, enough for every output.
// Stride 1 pads each row to OW+KW−1 columns. Stride 2 splits each padded row by column parity:
// ne = OW+(KW−1)/2 even columns E[j] = padded column 2j, then the odd ones O[j] = column 2j+1, so
// that a tap of consecutive outputs reads consecutive floats.
func (s ConvShape) planeGeom() (rows, ldx, ne int) {
	rows = (s.OH-1)*s.SH + s.KH
	if s.SW == 2 {
		ne = s.OW + (s.KW-1)/2
		return rows, ne + s.OW + (s.KW-2)/2, ne
	}
	return rows, s.OW + s.KW - 1, 0
}

// tapOffset is the offset in a padded plane (planeGeom) of tap (kh, kw) from an output pixel's base.
func (s ConvShape) tapOffset(kh, kw int) int {
	_, ldx, ne := s.planeGeom()
	o := kh * ldx
	switch {
	case s.SW == 1:
		return o + kw
	case kw%2 == 0:
		return o + kw/2
	}
	return o + ne + (kw-1)/2
}

// planeLen is the floats of one image's padded input planes for one group.
func (s ConvShape) planeLen() int {
	rows, ldx, _ := s.planeGeom()
	return s.C / s.Groups * rows * ldx
}

// NewConv2D validates the shape and keeps (a packed copy of) the weights [M, C/Groups, KH, KW] and
// the bias [M] (or nil), for the Default implementation.
func NewConv2D(s ConvShape, w, bias []float32, act Activation) (*Conv2D, error) {
	return Default.NewConv2D(s, w, bias, act)
}

// NewConv2D is the package function NewConv2D on im.
func (im *Impl) NewConv2D(s ConvShape, w, bias []float32, act Activation) (*Conv2D, error) {
	return im.newConv2D(s, w, bias, act, nil)
}

// Conv2D is NewConv2D (Default implementation) with the packed weights shared through p.
func (p *Packs) Conv2D(s ConvShape, w, bias []float32, act Activation) (*Conv2D, error) {
	return Default.newConv2D(s, w, bias, act, p)
}

func (im *Impl) newConv2D(s ConvShape, w, bias []float32, act Activation, p *Packs) (*Conv2D, error) {
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
	c := &Conv2D{im: im, s: s, k: cg * s.KH * s.KW, act: act, fused: fuseAct(act)}
	if bias != nil {
		c.bias = append([]float32(nil), bias...)
	}
	switch {
	case cg == 1 && mg == 1:
		c.algo = algoDepthwise
		var err error
		if c.w, err = p.get(keyOf(im, w, 'W', 0, 0, 0), len(w), func(dst []float32) { copy(dst, w) }); err != nil {
			return nil, err
		}
		return c, nil
	case s.KH == 1 && s.KW == 1 && s.SH == 1 && s.SW == 1 && s.PT == 0 && s.PL == 0 && s.OH == s.H && s.OW == s.W:
		c.algo = algoPointwise
	default:
		c.algo = algoIm2col
		c.tap = s.KW >= 2 && s.KW <= maxTapKW && s.DW == 1 && s.DH == 1 && (s.SW == 1 || s.SW == 2)
	}
	hw := s.OH * s.OW
	target := max(chunkMin, min(chunkMax, chunkBudget/c.k/gemmNR*gemmNR))
	c.nc = min(roundUp(hw, gemmNR), target)
	if s.N > 1 && roundUp(hw, gemmNR) < target {
		c.ncb = min(roundUp(s.N*hw, gemmNR), target)
	}
	if c.tap && c.planesLen() > planesMax {
		// The most output rows whose planes fit planesMax: rows (band−1)·SH+KH per channel.
		_, ldx, _ := s.planeGeom()
		if band := (planesMax/(cg*ldx)-s.KH)/s.SH + 1; c.ncb == 0 && band >= 1 && planesMax/(cg*ldx) >= s.KH {
			c.band = min(band, s.OH)
		} else {
			c.tap = false
		}
	}
	if c.tap {
		rows, ldx, _ := c.planeGeom()
		for ci := 0; ci < cg; ci++ {
			for kh := 0; kh < s.KH; kh++ {
				for kw := 0; kw < s.KW; kw++ {
					c.tapOff = append(c.tapOff, ci*rows*ldx+s.tapOffset(kh, kw))
				}
			}
		}
		c.tapMax = slices.Max(c.tapOff)
	}
	pl := packedALen(mg, c.k)
	var err error
	c.wp, err = p.get(keyOf(im, w, 'A', s.Groups, mg, c.k), s.Groups*pl+tileSlack, func(dst []float32) {
		for g := 0; g < s.Groups; g++ {
			packA(dst[g*pl:(g+1)*pl], w[g*mg*c.k:], mg, c.k, c.k)
		}
	})
	if err != nil {
		return nil, err
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
	if c.algo == algoDepthwise {
		return c.dwWorkspaceLen()
	}
	if c.ncb > 0 {
		// Panels, the chunk's patch matrix (or the planes), its output and its residual.
		mg := c.s.M / c.s.Groups
		n := c.k*c.ncb + tileSlack + 2*mg*c.ncb
		if c.tap {
			return n + c.planesLen()
		}
		return n + c.k*c.ncb
	}
	if c.algo == algoPointwise {
		return c.k*roundUp(c.nc, gemmNR) + tileSlack
	}
	if c.tap {
		return c.k*roundUp(c.nc, gemmNR) + tileSlack + c.planesLen()
	}
	return c.k*roundUp(c.nc, gemmNR) + c.k*c.nc + tileSlack
}

// planesLen is the floats of padded planes a tap convolution keeps: one image's, or the batch's
// when it runs as one GEMM.
func (c *Conv2D) planesLen() int {
	if c.ncb > 0 {
		return c.s.N * c.s.planeLen()
	}
	rows, ldx, _ := c.planeGeom()
	return c.s.C / c.s.Groups * rows * ldx
}

// planeGeom is s.planeGeom, for one band's rows when the convolution runs in bands.
func (c *Conv2D) planeGeom() (rows, ldx, ne int) {
	rows, ldx, ne = c.s.planeGeom()
	if c.band > 0 {
		rows = (c.band-1)*c.s.SH + c.s.KH
	}
	return rows, ldx, ne
}

// fillPlanes pads (stride 1) or pads and splits (stride 2) the cg input channels of one image's
// group, xg, into pl: the band of padded rows from output row oh0's first (planeGeom's rows of
// them; rows past the input's end are zero).
func (c *Conv2D) fillPlanes(pl, xg []float32, oh0 int) {
	s := c.s
	rows, ldx, ne := c.planeGeom()
	pt := s.PT - oh0*s.SH // padded row r of the band holds input row r − pt
	ihw := s.H * s.W
	for ci := 0; ci < s.C/s.Groups; ci++ {
		dst, src := pl[ci*rows*ldx:(ci+1)*rows*ldx], xg[ci*ihw:(ci+1)*ihw]
		if s.SW == 1 {
			c.im.padS1(dst, src, rows, ldx, s.H, s.W, pt, s.PL)
		} else {
			c.im.padS2(dst, src, rows, ldx, s.H, s.W, pt, s.PL, ne)
		}
	}
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
	if c.ncb > 0 {
		for g := 0; g < s.Groups; g++ {
			c.runGroupBatch(g, y, x, residual, ws)
		}
		return
	}
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
	var planes []float32
	if c.tap {
		planes = ws[len(panels)+tileSlack : len(panels)+tileSlack+c.planesLen()]
	}
	band := s.OH // output rows whose chunks run per filling of the planes
	if c.band > 0 {
		band = c.band
	}
	for oh0 := 0; oh0 < s.OH; oh0 += band {
		if c.tap {
			c.fillPlanes(planes, xg, oh0)
		}
		end := min(oh0+band, s.OH) * s.OW
		for j0 := oh0 * s.OW; j0 < end; j0 += c.nc {
			jn := min(c.nc, end-j0)
			e := ep
			if rn != nil {
				e.res = rn[g*mg*hw+j0:]
			}
			if c.algo == algoPointwise {
				c.im.packB(panels, xg[j0:], c.k, jn, hw)
			} else if c.tap {
				c.tapPanels(panels, planes, j0, jn, oh0)
			} else {
				col := ws[len(panels) : len(panels)+c.k*jn]
				c.im2col(col, xg, j0, jn)
				c.im.packB(panels, col, c.k, jn, jn)
			}
			c.im.gemmPacked(mg, jn, c.k, wp, panels, yg[j0:], hw, &e)
			if c.fused.post {
				for m := 0; m < mg; m++ {
					c.act.applyChannel(c.im, yg[m*hw+j0:m*hw+j0+jn], g*mg+m)
				}
			}
		}
	}
}

// runGroupBatch is runGroup over the whole batch at once: column n·OH·OW + p of the patch matrix is
// image n's output pixel p. A chunk's columns (they may span images) are gathered into the
// workspace (patch rows by im2colAt, or the input rows for a pointwise convolution, and the
// residual), multiplied with the fused epilogue into a chunk-wide output, and scattered to each
// image's channels. The residual is gathered before the chunk's output is written, so it may be y.
func (c *Conv2D) runGroupBatch(g int, y, x, res, ws []float32) {
	s := c.s
	cg, mg := s.C/s.Groups, s.M/s.Groups
	hw, ihw := s.OH*s.OW, s.H*s.W
	inSize, outSize := s.C*ihw, s.M*hw
	nc := c.ncb
	pl := packedALen(mg, c.k)
	wp := c.wp[g*pl : (g+1)*pl]
	bl := roundUp(mg, gemmMR)
	ep := tileEpilogue{init: initZero, clamp: c.fused.clamp, lo: c.fused.lo, hi: c.fused.hi}
	if c.biasP != nil {
		ep.init, ep.bias = initRowBias, c.biasP[g*bl:(g+1)*bl]
	}
	if c.slope != nil {
		ep.slope = c.slope[g*bl : (g+1)*bl]
	}
	panels := ws[:c.k*nc]
	out := ws[c.k*nc+tileSlack : c.k*nc+tileSlack+mg*nc]
	rbuf := ws[c.k*nc+tileSlack+mg*nc : c.k*nc+tileSlack+2*mg*nc]
	rest := ws[c.k*nc+tileSlack+2*mg*nc:]
	var col, planes []float32
	if c.tap {
		planes = rest[:s.N*s.planeLen()]
		for n := 0; n < s.N; n++ {
			c.fillPlanes(planes[n*s.planeLen():(n+1)*s.planeLen()], x[n*inSize+g*cg*ihw:n*inSize+(g+1)*cg*ihw], 0)
		}
	} else {
		col = rest[:c.k*nc]
	}
	total := s.N * hw
	for j0 := 0; j0 < total; j0 += nc {
		jn := min(nc, total-j0)
		// The images this chunk covers: image n's pixels [p0, p1) are the chunk's columns from d.
		for n := j0 / hw; n*hw < j0+jn; n++ {
			p0, p1 := max(j0-n*hw, 0), min(j0+jn-n*hw, hw)
			d := n*hw + p0 - j0
			xg := x[n*inSize+g*cg*ihw : n*inSize+(g+1)*cg*ihw]
			switch {
			case c.tap:
			case c.algo == algoPointwise:
				for ci := 0; ci < cg; ci++ {
					copy(col[ci*jn+d:ci*jn+d+p1-p0], xg[ci*hw+p0:ci*hw+p1])
				}
			default:
				c.im2colAt(col[d:], jn, xg, p0, p1-p0)
			}
			if res != nil {
				rg := res[n*outSize+g*mg*hw:]
				for m := 0; m < mg; m++ {
					copy(rbuf[m*jn+d:m*jn+d+p1-p0], rg[m*hw+p0:m*hw+p1])
				}
			}
		}
		if c.tap {
			c.tapPanels(panels, planes, j0, jn, 0)
		} else {
			c.im.packB(panels, col, c.k, jn, jn)
		}
		e := ep
		e.ldr = jn
		if res != nil {
			e.res = rbuf
		}
		c.im.gemmPacked(mg, jn, c.k, wp, panels, out, jn, &e)
		if c.fused.post {
			for m := 0; m < mg; m++ {
				c.act.applyChannel(c.im, out[m*jn:(m+1)*jn], g*mg+m)
			}
		}
		for n := j0 / hw; n*hw < j0+jn; n++ {
			p0, p1 := max(j0-n*hw, 0), min(j0+jn-n*hw, hw)
			d := n*hw + p0 - j0
			yg := y[n*outSize+g*mg*hw:]
			for m := 0; m < mg; m++ {
				copy(yg[m*hw+p0:m*hw+p1], out[m*jn+d:m*jn+d+p1-p0])
			}
		}
	}
}

// im2col writes columns [j0, j0+jn) of one group's patch matrix: row r = (ci·KH + kh)·KW + kw holds,
// for each output pixel, the input value that kernel tap multiplies (zero in the padding), in
// dst[r·jn : (r+1)·jn]. Runs of pixels along an output row read one input row, so stride-1 runs are
// plain copies.
func (c *Conv2D) im2col(dst, x []float32, j0, jn int) { c.im2colAt(dst, jn, x, j0, jn) }

// im2colAt is im2col writing row r to dst[r·ld : r·ld+jn].
func (c *Conv2D) im2colAt(dst []float32, ld int, x []float32, j0, jn int) {
	s := c.s
	r := 0
	for ci := 0; ci < s.C/s.Groups; ci++ {
		xc := x[ci*s.H*s.W : (ci+1)*s.H*s.W]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				row := dst[r*ld : r*ld+jn]
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
						c.im.deinterleave(seg, lo, hi, xr, iw0+2*lo)
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

// tapPanels writes columns [j0, j0+jn) of one group's patch matrix, packed as packB would, from
// padded planes pl (see planeGeom; column j is image j/(OH·OW)'s pixel j mod OH·OW, and pl holds as
// many images' planes as the columns reach; in bands, the band from output row oh0). Patch row r of
// pixel (oh, ow) of image n is pl[n·planeLen + (oh−oh0)·SH·ldx + ow + tapOff[r]]: consecutive pixels
// of one row are consecutive floats,
// so each panel is filled a run of pixels at a time (tapRun), and columns past jn are zero.
func (c *Conv2D) tapPanels(dst, pl []float32, j0, jn, oh0 int) {
	s := c.s
	_, ldx, _ := s.planeGeom()
	hw, plen, k := s.OH*s.OW, s.planeLen(), c.k
	// Column j0's image, row and column, then advanced run by run: four divisions per run cost the
	// BlazeFace stem (a run of 8 columns per 75 patch rows) more than its copies.
	n, p := j0/hw, j0%hw
	oh, ow := p/s.OW, p%s.OW
	for q := 0; q*gemmNR < jn; q++ {
		panel := dst[q*k*gemmNR : (q+1)*k*gemmNR]
		for c0 := 0; c0 < gemmNR; {
			j := q*gemmNR + c0
			if j >= jn {
				for r := 0; r < k; r++ {
					clear(panel[r*gemmNR+c0 : (r+1)*gemmNR])
				}
				break
			}
			run := min(gemmNR-c0, s.OW-ow, jn-j)
			c.im.tapRun(panel, c0, run, pl, n*plen+(oh-oh0)*s.SH*ldx+ow, c.tapOff, c.tapMax)
			c0 += run
			if ow += run; ow == s.OW {
				ow = 0
				if oh++; oh == s.OH {
					oh, n = 0, n+1
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
