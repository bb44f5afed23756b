package kernel

// dwGeom is the geometry of a 3×3 depthwise convolution's padded plane: the channel's input copied
// with its zero padding around it (so no output column needs bounds tests), and for stride 2 each
// padded row split into its even and odd columns (so four outputs read four consecutive inputs per
// tap, which wasm SIMD can load as one vector).
type dwGeom struct {
	rows int // padded rows: (OH−1)·SH + 3
	ldx  int // floats per padded row: OW+2 for stride 1; (OW+1) evens then OW odds for stride 2
}

// useDW3 reports whether the padded-plane 3×3 kernels apply: dilation 1, strides of 1 or 2.
func useDW3(s ConvShape) bool {
	return s.KH == 3 && s.KW == 3 && s.DH == 1 && s.DW == 1 && (s.SH == 1 || s.SH == 2) && (s.SW == 1 || s.SW == 2)
}

// dwSlack floats follow the padded plane so a row's last vector step may read past its end.
const dwSlack = 4

func newDWGeom(s ConvShape) dwGeom {
	g := dwGeom{rows: (s.OH-1)*s.SH + 3, ldx: s.OW + 2}
	if s.SW == 2 {
		g.ldx = 2*s.OW + 1
	}
	return g
}

// depthwise computes a convolution with one input and one output channel per group, a channel at a
// time: where the implementation has a direct kernel for the shape (wasm SIMD: 3×3 with padding 1, stride 1
// or 2, rows a whole number of vectors) it reads the input planes in place; other 3×3 kernels of
// stride 1 or 2 (MobileNet's and MiniFASNet's) pad the channel into the workspace and run dw3Plane,
// which fuses bias, residual and Relu/Clip; other kernels run the bounds-tested loop. Other
// activations run on the finished plane while it is in cache.
func (c *Conv2D) depthwise(y, x, res, ws []float32) {
	s := c.s
	kk := s.KH * s.KW
	ohw := s.OH * s.OW
	var g dwGeom
	fast := useDW3(s)
	if fast {
		g = newDWGeom(s)
	}
	if direct := c.im.dwDirect(s); direct != nil && res == nil {
		// Straight from the input planes; rows outside them read zr.
		zr := ws[:s.W]
		clear(zr)
		for ch := 0; ch < s.C; ch++ {
			var b float32
			if c.bias != nil {
				b = c.bias[ch]
			}
			slope := float32(1)
			if c.fused.leaky {
				slope = c.act.channelSlope(ch)
			}
			yc := y[ch*ohw : (ch+1)*ohw]
			direct(yc, x[ch*s.H*s.W:(ch+1)*s.H*s.W], s.H, s.W, (*[9]float32)(c.w[ch*9:ch*9+9]), b, &c.fused, slope, zr)
			if c.fused.post {
				c.act.applyChannel(c.im, yc, ch)
			}
		}
		return
	}
	for ch := 0; ch < s.C; ch++ {
		xc := x[ch*s.H*s.W : (ch+1)*s.H*s.W]
		yc := y[ch*ohw : (ch+1)*ohw]
		var rc []float32
		if res != nil {
			rc = res[ch*ohw : (ch+1)*ohw]
		}
		var b float32
		if c.bias != nil {
			b = c.bias[ch]
		}
		if fast {
			xp := ws[:g.rows*g.ldx+dwSlack]
			c.padPlane(xp, xc, g)
			slope := float32(1) // max(v,0) + 1·min(v,0) = v
			if c.fused.leaky {
				slope = c.act.channelSlope(ch)
			}
			c.im.dw3Plane(yc, xp, g.ldx, s.OH, s.OW, s.SH, s.SW, (*[9]float32)(c.w[ch*9:ch*9+9]), b, rc, &c.fused, slope)
		} else {
			c.dwPlaneGeneric(yc, xc, c.w[ch*kk:(ch+1)*kk], b, rc)
			if c.fused.clamp {
				c.im.clamp(yc, yc, c.fused.lo, c.fused.hi)
			}
			if c.fused.leaky {
				c.im.leaky(yc, yc, c.act.channelSlope(ch))
			}
		}
		if c.fused.post {
			c.act.applyChannel(c.im, yc, ch)
		}
	}
}

// padPlane copies one input channel into its padded plane (see dwGeom); padS1 and padS2 are the
// implementation's copies (generic, or wasm SIMD vector moves).
func (c *Conv2D) padPlane(xp, xc []float32, g dwGeom) {
	s := c.s
	if s.SW == 1 {
		c.im.padS1(xp, xc, g.rows, g.ldx, s.H, s.W, s.PT, s.PL)
		return
	}
	c.im.padS2(xp, xc, g.rows, g.ldx, s.H, s.W, s.PT, s.PL, s.OW)
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
