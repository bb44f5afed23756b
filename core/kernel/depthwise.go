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
// time: 3×3 kernels of stride 1 or 2 (MobileNet's and MiniFASNet's) pad the channel into the
// workspace and run dw3Plane, which fuses bias, residual and Relu/Clip; other kernels run the
// bounds-tested loop. Other activations run on the finished plane while it is in cache.
func (c *Conv2D) depthwise(y, x, res, ws []float32) {
	s := c.s
	kk := s.KH * s.KW
	ohw := s.OH * s.OW
	var g dwGeom
	fast := useDW3(s)
	if fast {
		g = newDWGeom(s)
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
			dw3Plane(yc, xp, g.ldx, s.OH, s.OW, s.SH, s.SW, (*[9]float32)(c.w[ch*9:ch*9+9]), b, rc, &c.fused, slope)
		} else {
			c.dwPlaneGeneric(yc, xc, c.w[ch*kk:(ch+1)*kk], b, rc)
			if c.fused.clamp {
				clampF32(yc, yc, c.fused.lo, c.fused.hi)
			}
			if c.fused.leaky {
				leakyF32(yc, yc, c.act.channelSlope(ch))
			}
		}
		if c.fused.post {
			c.act.applyChannel(yc, ch)
		}
	}
}

// padPlane copies one input channel into its padded plane (see dwGeom). The valid column ranges
// are the same for every row, so they are worked out once; rows run without calls.
func (c *Conv2D) padPlane(xp, xc []float32, g dwGeom) {
	s := c.s
	if s.SW == 1 {
		// Padded column j holds input column j − PL.
		lo, hi := validRun(-s.PL, 1, g.ldx, s.W)
		for r := 0; r < g.rows; r++ {
			dst := xp[r*g.ldx : (r+1)*g.ldx]
			if ih := r - s.PT; ih < 0 || ih >= s.H {
				clear(dst)
			} else {
				zero(dst[:lo])
				copy(dst[lo:hi], xc[ih*s.W+lo-s.PL:ih*s.W+hi-s.PL])
				zero(dst[hi:])
			}
		}
		return
	}
	// Evens E[j] = padded column 2j = input column 2j − PL; odds O[j] = input column 2j+1−PL.
	eLo, eHi := validRun(-s.PL, 2, s.OW+1, s.W)
	oLo, oHi := validRun(1-s.PL, 2, s.OW, s.W)
	for r := 0; r < g.rows; r++ {
		dst := xp[r*g.ldx : (r+1)*g.ldx]
		ih := r - s.PT
		if ih < 0 || ih >= s.H {
			clear(dst)
			continue
		}
		deinterleave(dst[:s.OW+1], eLo, eHi, xc[ih*s.W:(ih+1)*s.W], 2*eLo-s.PL)
		deinterleave(dst[s.OW+1:], oLo, oHi, xc[ih*s.W:(ih+1)*s.W], 2*oLo+1-s.PL)
	}
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
