package kernel

// dw3PlaneGeneric computes one channel of a 3×3 depthwise convolution from its padded plane xp (rows ldx
// apart, see dwGeom): y = act(b + taps + res) for a fused clamp or negative slope. Stride-1 rows slide a 3-wide window so each input
// is loaded once.
func dw3PlaneGeneric(y, xp []float32, ldx, oh, ow, sh, sw int, w *[9]float32, b float32, res []float32, f *fusedAct, slope float32) {
	w0, w1, w2, w3, w4, w5, w6, w7, w8 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
	for r := 0; r < oh; r++ {
		yr := y[r*ow : (r+1)*ow]
		base := r * sh * ldx
		r0, r1, r2 := xp[base:base+ldx], xp[base+ldx:base+2*ldx], xp[base+2*ldx:base+3*ldx]
		// The residual row is read element by element before yr is written, so it may alias y; a
		// loop-invariant test inside the loop would still cost a branch per element in Go-wasm, hence
		// the copies with and without it.
		var rr []float32
		if res != nil {
			rr = res[r*ow : (r+1)*ow]
		}
		switch {
		case sw == 1 && rr == nil:
			r0, r1, r2 = r0[:ow+2], r1[:ow+2], r2[:ow+2]
			a0, a1, b0, b1, c0, c1 := r0[0], r0[1], r1[0], r1[1], r2[0], r2[1]
			for t := range yr {
				a2, b2, c2 := r0[t+2], r1[t+2], r2[t+2]
				yr[t] = b + w0*a0 + w1*a1 + w2*a2 + w3*b0 + w4*b1 + w5*b2 + w6*c0 + w7*c1 + w8*c2
				a0, a1, b0, b1, c0, c1 = a1, a2, b1, b2, c1, c2
			}
		case sw == 1:
			r0, r1, r2 = r0[:ow+2], r1[:ow+2], r2[:ow+2]
			a0, a1, b0, b1, c0, c1 := r0[0], r0[1], r1[0], r1[1], r2[0], r2[1]
			for t := range yr {
				a2, b2, c2 := r0[t+2], r1[t+2], r2[t+2]
				yr[t] = rr[t] + b + w0*a0 + w1*a1 + w2*a2 + w3*b0 + w4*b1 + w5*b2 + w6*c0 + w7*c1 + w8*c2
				a0, a1, b0, b1, c0, c1 = a1, a2, b1, b2, c1, c2
			}
		default:
			e0, o0 := r0[:ow+1], r0[ow+1:2*ow+1]
			e1, o1 := r1[:ow+1], r1[ow+1:2*ow+1]
			e2, o2 := r2[:ow+1], r2[ow+1:2*ow+1]
			for t := range yr {
				v := b + w0*e0[t] + w1*o0[t] + w2*e0[t+1] + w3*e1[t] + w4*o1[t] + w5*e1[t+1] +
					w6*e2[t] + w7*o2[t] + w8*e2[t+1]
				if rr != nil {
					v += rr[t]
				}
				yr[t] = v
			}
		}
		if f.clamp {
			clampGeneric(yr, yr, f.lo, f.hi)
		}
		if f.leaky {
			leakyGeneric(yr, yr, slope)
		}
	}
}

// deinterleaveGeneric sets dst[j] = src[i0 + 2(j−lo)] for j in [lo, hi) and zero elsewhere.
func deinterleaveGeneric(dst []float32, lo, hi int, src []float32, i0 int) {
	zero(dst[:lo])
	if lo < hi {
		s := src[i0 : i0+2*(hi-lo)-1]
		d := dst[lo:hi]
		for j := range d {
			d[j] = s[2*j]
		}
	}
	zero(dst[hi:])
}

// padS1Generic writes rows padded rows of ldx floats: padded column j of row r holds input (r−pt, j−pl), or
// zero outside the input. The valid column range is the same for every row, so it is worked out once.
func padS1Generic(xp, xc []float32, rows, ldx, h, w, pt, pl int) {
	lo, hi := validRun(-pl, 1, ldx, w)
	for r := 0; r < rows; r++ {
		dst := xp[r*ldx : (r+1)*ldx]
		if ih := r - pt; ih < 0 || ih >= h {
			clear(dst)
		} else {
			zero(dst[:lo])
			copy(dst[lo:hi], xc[ih*w+lo-pl:ih*w+hi-pl])
			zero(dst[hi:])
		}
	}
}

// padS2Generic writes rows padded rows split by column parity: evens E[j] = padded column 2j = input
// column 2j − pl (ne of them), then odds O[j] = input column 2j+1−pl (ldx − ne of them).
func padS2Generic(xp, xc []float32, rows, ldx, h, w, pt, pl, ne int) {
	eLo, eHi := validRun(-pl, 2, ne, w)
	oLo, oHi := validRun(1-pl, 2, ldx-ne, w)
	for r := 0; r < rows; r++ {
		dst := xp[r*ldx : (r+1)*ldx]
		ih := r - pt
		if ih < 0 || ih >= h {
			clear(dst)
			continue
		}
		deinterleaveGeneric(dst[:ne], eLo, eHi, xc[ih*w:(ih+1)*w], 2*eLo-pl)
		deinterleaveGeneric(dst[ne:], oLo, oHi, xc[ih*w:(ih+1)*w], 2*oLo+1-pl)
	}
}

// tapRunGeneric copies, for each patch row r, run floats from pl[base+offs[r]:] to panel[r·gemmNR+c0:];
// maxOff is the largest of offs.
func tapRunGeneric(panel []float32, c0, run int, pl []float32, base int, offs []int, maxOff int) {
	for r, o := range offs {
		copy(panel[r*gemmNR+c0:r*gemmNR+c0+run], pl[base+o:base+o+run])
	}
}

// dwKPlaneGeneric computes one channel of a kh×kw depthwise convolution from its padded plane xp
// (rows ldx apart, split at ne for stride 2, see planeGeom): y = act(b + taps + res) for a fused
// clamp or negative slope. Each tap adds its row of inputs to the output row, so the inner loop
// is one multiply-add over consecutive floats.
func dwKPlaneGeneric(y, xp []float32, ldx, ne, oh, ow, sh, sw, kh, kw int, w []float32, b float32, res []float32, f *fusedAct, slope float32) {
	for r := 0; r < oh; r++ {
		yr := y[r*ow : (r+1)*ow]
		if res != nil {
			for t, v := range res[r*ow : (r+1)*ow] {
				yr[t] = v + b
			}
		} else {
			for t := range yr {
				yr[t] = b
			}
		}
		for i := 0; i < kh; i++ {
			row := xp[(r*sh+i)*ldx : (r*sh+i+1)*ldx]
			for j := 0; j < kw; j++ {
				off := j
				if sw == 2 {
					off = j / 2
					if j%2 == 1 {
						off = ne + (j-1)/2
					}
				}
				wv := w[i*kw+j]
				src := row[off : off+ow]
				for t, v := range src {
					yr[t] += wv * v
				}
			}
		}
		if f.clamp {
			clampGeneric(yr, yr, f.lo, f.hi)
		}
		if f.leaky {
			leakyGeneric(yr, yr, slope)
		}
	}
}

// dotGeneric is Σ a[i]·b[i] over len(a) elements.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
