package kernel

// depthwise computes a convolution with one input and one output channel per group, row by row:
// each output row starts from the bias, gets its taps, then the residual row and the activation
// while it is in cache. 3×3 kernels of stride 1 or 2 (MobileNet's and MiniFASNet's) run their
// interior columns through dw3Interior, which the SIMD build vectorises; the padded borders and
// every other kernel go through the scalar loop with bounds tests.
func (c *Conv2D) depthwise(y, x, res []float32) {
	s := c.s
	kk := s.KH * s.KW
	fast3 := s.KH == 3 && s.KW == 3 && s.DH == 1 && s.DW == 1 && (s.SW == 1 || s.SW == 2)
	// Interior output columns: every tap inside the input row.
	owLo, owHi := 0, 0
	if fast3 {
		owLo, owHi = validRun(-s.PL, s.SW, s.OW, s.W-2)
	}
	for ch := 0; ch < s.C; ch++ {
		xc := x[ch*s.H*s.W : (ch+1)*s.H*s.W]
		yc := y[ch*s.OH*s.OW : (ch+1)*s.OH*s.OW]
		wc := c.w[ch*kk : (ch+1)*kk]
		var b float32
		if c.bias != nil {
			b = c.bias[ch]
		}
		for oh := 0; oh < s.OH; oh++ {
			yr := yc[oh*s.OW : (oh+1)*s.OW]
			if fast3 {
				c.dw3Row(yr, xc, wc, b, oh, owLo, owHi)
			} else {
				c.dwRowGeneric(yr, xc, wc, b, oh)
			}
			if res != nil {
				addRow(yr, res[(ch*s.OH+oh)*s.OW:(ch*s.OH+oh+1)*s.OW])
			}
			switch {
			case c.fused.clamp:
				clampF32(yr, yr, c.fused.lo, c.fused.hi)
			case c.fused.post:
				c.act.applyChannel(yr, ch)
			}
		}
	}
}

// dw3Row computes one output row of a 3×3 depthwise convolution (dilation 1, stride 1 or 2).
func (c *Conv2D) dw3Row(yr, xc, wc []float32, b float32, oh, owLo, owHi int) {
	s := c.s
	// Rows above or below the input read a row of zeros, so the interior loop never tests rows.
	w := (*[9]float32)(wc)
	var rows [3][]float32
	for kh := 0; kh < 3; kh++ {
		if ih := oh*s.SH - s.PT + kh; ih >= 0 && ih < s.H {
			rows[kh] = xc[ih*s.W : (ih+1)*s.W]
		} else {
			rows[kh] = c.zero
		}
	}
	for ow := 0; ow < s.OW; ow++ {
		if ow == owLo && owLo < owHi {
			i0 := owLo*s.SW - s.PL
			dw3Interior(yr[owLo:owHi], rows[0][i0:], rows[1][i0:], rows[2][i0:], w, b, s.SW)
			ow = owHi - 1
			continue
		}
		acc := b
		iw0 := ow*s.SW - s.PL
		for kw := 0; kw < 3; kw++ {
			if iw := iw0 + kw; iw >= 0 && iw < s.W {
				acc += w[kw]*rows[0][iw] + w[3+kw]*rows[1][iw] + w[6+kw]*rows[2][iw]
			}
		}
		yr[ow] = acc
	}
}

// dwRowGeneric computes one output row of any depthwise kernel with bounds tests on every tap.
func (c *Conv2D) dwRowGeneric(yr, xc, wc []float32, b float32, oh int) {
	s := c.s
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
		yr[ow] = acc
	}
}
