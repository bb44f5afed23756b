package kernel

// A depthwise convolution (one input and one output channel per group) runs a channel at a time,
// by the first algorithm that takes its shape:
//
//   - dwDot: the kernel covers the whole unpadded plane and gives one output per channel (the
//     "global depthwise" 5×5 or 7×7 layer that ends MiniFASNet and MobileFaceNet): a dot product.
//   - the implementation's direct kernel (Impl.dwDirect; the SIMD build's 3×3 of stride 1 or 2 with
//     padding 0 or 1): straight from the input plane, no padded copy, no residual.
//   - padded plane, 3×3 (dw3Plane) or any other kernel up to maxDWK wide (dwKPlane), stride 1 or 2,
//     dilation 1: the channel is copied with its zero padding around it into the workspace (split
//     into even and odd columns for stride 2, planeGeom), so that no output needs bounds tests and
//     a tap of consecutive outputs reads consecutive floats; bias, residual, Relu/Clip and the
//     negative slope are fused.
//   - dwPlaneGeneric, anything else (dilation): bounds tests on every tap.
//
// Other activations run on the finished plane while it is in cache.

// maxDWK bounds the kernel height and width of the padded-plane depthwise kernels.
const maxDWK = 7

// dwSlack floats follow the padded plane so a row's last vector step may read past its end.
const dwSlack = 4

// dwAlgo is how a depthwise convolution computes.
type dwAlgo uint8

const (
	dwBounds  dwAlgo = iota // dwPlaneGeneric
	dwDotAlgo               // a dot product per channel
	dwPlane3                // padded plane, 3×3
	dwPlaneK                // padded plane, KH×KW
)

// dwAlgoFor picks the algorithm for s (the direct kernels are tried first, at Run, where the
// residual is known).
func dwAlgoFor(s ConvShape) dwAlgo {
	switch {
	case s.OH == 1 && s.OW == 1 && s.KH == s.H && s.KW == s.W && s.PT == 0 && s.PL == 0:
		return dwDotAlgo
	case s.DH != 1 || s.DW != 1 || (s.SH != 1 && s.SH != 2) || (s.SW != 1 && s.SW != 2):
		return dwBounds
	case s.KH == 3 && s.KW == 3:
		return dwPlane3
	case s.KH <= maxDWK && s.KW <= maxDWK:
		return dwPlaneK
	}
	return dwBounds
}

// dwWorkspaceLen is the scratch the depthwise algorithms need: a zero row for the direct kernels,
// one padded plane (and its slack) for the padded-plane ones.
func (c *Conv2D) dwWorkspaceLen() int {
	n := 0
	if c.im.dwDirect(c.s) != nil {
		n = c.s.W + dwSlack // the zero row
	}
	if a := dwAlgoFor(c.s); a == dwPlane3 || a == dwPlaneK {
		rows, ldx, _ := c.s.planeGeom()
		n = max(n, rows*ldx+dwSlack)
	}
	return n
}

// depthwise computes one image's channels (see the algorithms above).
func (c *Conv2D) depthwise(y, x, res, ws []float32) {
	s := c.s
	kk := s.KH * s.KW
	ohw, ihw := s.OH*s.OW, s.H*s.W
	algo := dwAlgoFor(s)
	if algo == dwDotAlgo {
		c.dwDot(y, x, res)
		return
	}
	if direct := c.im.dwDirect(s); direct != nil && res == nil {
		// Straight from the input planes; rows outside them read zr.
		zr := ws[:s.W+dwSlack]
		clear(zr)
		for ch := 0; ch < s.C; ch++ {
			yc := y[ch*ohw : (ch+1)*ohw]
			direct(yc, x[ch*ihw:(ch+1)*ihw], &c.s, (*[9]float32)(c.w[ch*9:ch*9+9]), c.chBias(ch), &c.fused, c.chSlope(ch), zr)
			if c.fused.post {
				c.act.applyChannel(c.im, yc, ch)
			}
		}
		return
	}
	rows, ldx, ne := s.planeGeom()
	for ch := 0; ch < s.C; ch++ {
		xc := x[ch*ihw : (ch+1)*ihw]
		yc := y[ch*ohw : (ch+1)*ohw]
		var rc []float32
		if res != nil {
			rc = res[ch*ohw : (ch+1)*ohw]
		}
		b := c.chBias(ch)
		switch algo {
		case dwPlane3, dwPlaneK:
			xp := ws[:rows*ldx+dwSlack]
			c.padPlane(xp, xc, rows, ldx, ne)
			if algo == dwPlane3 {
				c.im.dw3Plane(yc, xp, ldx, s.OH, s.OW, s.SH, s.SW, (*[9]float32)(c.w[ch*9:ch*9+9]), b, rc, &c.fused, c.chSlope(ch))
			} else {
				c.im.dwKPlane(yc, xp, ldx, ne, s.OH, s.OW, s.SH, s.SW, s.KH, s.KW, c.w[ch*kk:(ch+1)*kk], b, rc, &c.fused, c.chSlope(ch))
			}
		default:
			c.dwPlaneGeneric(yc, xc, c.w[ch*kk:(ch+1)*kk], b, rc)
			if c.fused.clamp {
				c.im.clamp(yc, yc, c.fused.lo, c.fused.hi)
			}
			if c.fused.leaky {
				c.im.leaky(yc, yc, c.chSlope(ch))
			}
		}
		if c.fused.post {
			c.act.applyChannel(c.im, yc, ch)
		}
	}
}

// chBias is channel ch's bias, or zero.
func (c *Conv2D) chBias(ch int) float32 {
	if c.bias != nil {
		return c.bias[ch]
	}
	return 0
}

// chSlope is channel ch's fused negative slope; 1 (max(v,0) + 1·min(v,0) = v) when there is none.
func (c *Conv2D) chSlope(ch int) float32 {
	if c.fused.leaky {
		return c.act.channelSlope(ch)
	}
	return 1
}

// dwDot computes a depthwise convolution whose kernel covers each whole plane: y[ch] = act(b[ch] +
// w[ch]·x[ch] + res[ch]).
func (c *Conv2D) dwDot(y, x, res []float32) {
	s := c.s
	n := s.H * s.W
	y = y[:s.C]
	for ch := range y {
		v := c.chBias(ch) + c.im.dot(c.w[ch*n:(ch+1)*n], x[ch*n:(ch+1)*n])
		if res != nil {
			v += res[ch]
		}
		if c.fused.clamp {
			v = clamp32(v, c.fused.lo, c.fused.hi)
		}
		if c.fused.leaky {
			v = leaky32(v, c.act.channelSlope(ch))
		}
		y[ch] = v
	}
	if c.fused.post {
		for ch := range y {
			c.act.applyChannel(c.im, y[ch:ch+1], ch)
		}
	}
}

// padPlane copies one input channel into its padded plane (see planeGeom); padS1 and padS2 are the
// implementation's copies (generic, or wasm SIMD vector moves).
func (c *Conv2D) padPlane(xp, xc []float32, rows, ldx, ne int) {
	s := c.s
	if s.SW == 1 {
		c.im.padS1(xp, xc, rows, ldx, s.H, s.W, s.PT, s.PL)
		return
	}
	c.im.padS2(xp, xc, rows, ldx, s.H, s.W, s.PT, s.PL, ne)
}

// dwPlaneGeneric computes one channel of any depthwise kernel with bounds tests on every tap, plus
// the residual rc (nil, or possibly yc itself) when given.
func (c *Conv2D) dwPlaneGeneric(yc, xc, wc []float32, b float32, rc []float32) {
	s := c.s
	for oh := 0; oh < s.OH; oh++ {
		yr := yc[oh*s.OW : (oh+1)*s.OW]
		for ow := range yr {
			acc := b
			for kh := 0; kh < s.KH; kh++ {
				ih := oh*s.SH - s.PT + kh*s.DH
				if ih < 0 || ih >= s.H {
					continue
				}
				xr := xc[ih*s.W : (ih+1)*s.W]
				wr := wc[kh*s.KW : (kh+1)*s.KW]
				iw := ow*s.SW - s.PL
				for _, wv := range wr {
					if iw >= 0 && iw < s.W {
						acc += wv * xr[iw]
					}
					iw += s.DW
				}
			}
			if rc != nil {
				acc += rc[oh*s.OW+ow]
			}
			yr[ow] = acc
		}
	}
}
