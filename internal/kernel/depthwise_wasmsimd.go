//go:build goexperiment.simd && wasm

package kernel

import (
	"math"
	"simd/archsimd"
	"unsafe"
)

// dw3PlaneSIMD computes one channel of a 3×3 depthwise convolution from its padded plane xp (rows ldx
// apart, see dwGeom, followed by dwSlack floats): y = clamp(b + taps + res), then the fused negative
// slope, four outputs per step. Stride 1 reads three overlapping vectors per row and, without a
// residual, computes two output rows per pass, which share two of their four input rows; stride 2
// reads the even, odd and next-even vectors of the split row. A row's last ow mod 4 outputs take
// one more vector step whose extra lanes read the slack or the next row and are not stored.
func dw3PlaneSIMD(y, xp []float32, ldx, oh, ow, sh, sw int, w *[9]float32, b float32, res []float32, f *fusedAct, slope float32) {
	_ = y[:oh*ow]
	_ = xp[:((oh-1)*sh+3)*ldx+dwSlack]
	if res != nil {
		_ = res[:oh*ow]
	}
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	vb := archsimd.BroadcastFloat32x4(b)
	// Clamping to ±Inf costs less than a test inside the loops (a branch in a Go-wasm loop goes
	// through the function's block dispatcher).
	lo, hi := archsimd.BroadcastFloat32x4(float32(math.Inf(-1))), archsimd.BroadcastFloat32x4(float32(math.Inf(1)))
	if f.clamp {
		lo, hi = archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)
	}
	// Byte offsets of the three taps along a row: stride 1 reads columns t, t+1, t+2; stride 2 reads
	// E[t], O[t], E[t+1].
	k0, k1, k2 := uintptr(0), uintptr(4), uintptr(8)
	if sw == 2 {
		k1, k2 = uintptr(ow+1)*4, 4
	}
	sx := uintptr(ldx) * 4
	px, py := unsafe.Pointer(&xp[0]), unsafe.Pointer(&y[0])
	n4 := ow &^ 3
	r := 0
	if sh == 1 && sw == 1 && res == nil {
		for ; r+2 <= oh; r += 2 {
			p0 := unsafe.Add(px, uintptr(r)*sx)
			p1, p2, p3 := unsafe.Add(p0, sx), unsafe.Add(p0, 2*sx), unsafe.Add(p0, 3*sx)
			orow := uintptr(r*ow) * 4
			orow2 := orow + uintptr(ow)*4
			for t := 0; t < n4; t += 4 {
				o := uintptr(t) * 4
				x0, x1, x2 := ld4(p1, o), ld4(p1, o+4), ld4(p1, o+8)
				y0, y1, y2 := ld4(p2, o), ld4(p2, o+4), ld4(p2, o+8)
				top := vb.Add(w0.Mul(ld4(p0, o))).Add(w1.Mul(ld4(p0, o+4))).Add(w2.Mul(ld4(p0, o+8)))
				top = top.Add(w3.Mul(x0).Add(w4.Mul(x1)).Add(w5.Mul(x2)))
				top = top.Add(w6.Mul(y0).Add(w7.Mul(y1)).Add(w8.Mul(y2)))
				st4(py, orow+o, top.Max(lo).Min(hi))
				bot := vb.Add(w0.Mul(x0)).Add(w1.Mul(x1)).Add(w2.Mul(x2))
				bot = bot.Add(w3.Mul(y0).Add(w4.Mul(y1)).Add(w5.Mul(y2)))
				bot = bot.Add(w6.Mul(ld4(p3, o)).Add(w7.Mul(ld4(p3, o+4))).Add(w8.Mul(ld4(p3, o+8))))
				st4(py, orow2+o, bot.Max(lo).Min(hi))
			}
			if n4 < ow {
				o := uintptr(n4) * 4
				x0, x1, x2 := ld4(p1, o), ld4(p1, o+4), ld4(p1, o+8)
				y0, y1, y2 := ld4(p2, o), ld4(p2, o+4), ld4(p2, o+8)
				top := vb.Add(w0.Mul(ld4(p0, o))).Add(w1.Mul(ld4(p0, o+4))).Add(w2.Mul(ld4(p0, o+8)))
				top = top.Add(w3.Mul(x0).Add(w4.Mul(x1)).Add(w5.Mul(x2)))
				top = top.Add(w6.Mul(y0).Add(w7.Mul(y1)).Add(w8.Mul(y2)))
				top.Max(lo).Min(hi).StorePart(y[r*ow+n4 : (r+1)*ow])
				bot := vb.Add(w0.Mul(x0)).Add(w1.Mul(x1)).Add(w2.Mul(x2))
				bot = bot.Add(w3.Mul(y0).Add(w4.Mul(y1)).Add(w5.Mul(y2)))
				bot = bot.Add(w6.Mul(ld4(p3, o)).Add(w7.Mul(ld4(p3, o+4))).Add(w8.Mul(ld4(p3, o+8))))
				bot.Max(lo).Min(hi).StorePart(y[(r+1)*ow+n4 : (r+2)*ow])
			}
		}
	}
	var pr unsafe.Pointer
	if res != nil {
		pr = unsafe.Pointer(&res[0])
	}
	for ; r < oh; r++ {
		p0 := unsafe.Add(px, uintptr(r*sh)*sx)
		p1, p2 := unsafe.Add(p0, sx), unsafe.Add(p0, 2*sx)
		orow := uintptr(r*ow) * 4
		// Two copies of the vector loop keep the residual test out of it.
		if pr == nil {
			for t := 0; t < n4; t += 4 {
				o := uintptr(t) * 4
				s0 := vb.Add(w0.Mul(ld4(p0, o+k0))).Add(w1.Mul(ld4(p0, o+k1))).Add(w2.Mul(ld4(p0, o+k2)))
				s1 := w3.Mul(ld4(p1, o+k0)).Add(w4.Mul(ld4(p1, o+k1))).Add(w5.Mul(ld4(p1, o+k2)))
				s2 := w6.Mul(ld4(p2, o+k0)).Add(w7.Mul(ld4(p2, o+k1))).Add(w8.Mul(ld4(p2, o+k2)))
				st4(py, orow+o, s0.Add(s1).Add(s2).Max(lo).Min(hi))
			}
		} else {
			for t := 0; t < n4; t += 4 {
				o := uintptr(t) * 4
				s0 := vb.Add(w0.Mul(ld4(p0, o+k0))).Add(w1.Mul(ld4(p0, o+k1))).Add(w2.Mul(ld4(p0, o+k2)))
				s1 := w3.Mul(ld4(p1, o+k0)).Add(w4.Mul(ld4(p1, o+k1))).Add(w5.Mul(ld4(p1, o+k2)))
				s2 := w6.Mul(ld4(p2, o+k0)).Add(w7.Mul(ld4(p2, o+k1))).Add(w8.Mul(ld4(p2, o+k2)))
				st4(py, orow+o, s0.Add(s1).Add(s2).Add(ld4(pr, orow+o)).Max(lo).Min(hi))
			}
		}
		if n4 < ow {
			o := uintptr(n4) * 4
			s0 := vb.Add(w0.Mul(ld4(p0, o+k0))).Add(w1.Mul(ld4(p0, o+k1))).Add(w2.Mul(ld4(p0, o+k2)))
			s1 := w3.Mul(ld4(p1, o+k0)).Add(w4.Mul(ld4(p1, o+k1))).Add(w5.Mul(ld4(p1, o+k2)))
			s2 := w6.Mul(ld4(p2, o+k0)).Add(w7.Mul(ld4(p2, o+k1))).Add(w8.Mul(ld4(p2, o+k2)))
			acc := s0.Add(s1).Add(s2)
			if res != nil {
				rv, _ := archsimd.LoadFloat32x4Part(res[r*ow+n4 : (r+1)*ow])
				acc = acc.Add(rv)
			}
			acc.Max(lo).Min(hi).StorePart(y[r*ow+n4 : (r+1)*ow])
		}
	}
	// A fused LeakyRelu/PRelu runs over the finished plane, still in cache.
	if f.leaky {
		leakySIMD(y[:oh*ow], y[:oh*ow], slope)
	}
}

// padS1SIMD writes rows padded rows of ldx floats: padded column j of row r holds input (r−pt, j−pl), or
// zero outside the input. Rows are moved a vector at a time; the valid column range is the same for
// every row, so it is worked out once.
func padS1SIMD(xp, xc []float32, rows, ldx, h, w, pt, pl int) {
	_ = xp[:rows*ldx]
	_ = xc[:h*w]
	lo, hi := validRun(-pl, 1, ldx, w) // padded columns [lo, hi) hold input columns [lo−pl, hi−pl)
	n := hi - lo
	n4 := n &^ 3
	px, pc := unsafe.Pointer(&xp[0]), unsafe.Pointer(&xc[0])
	var z archsimd.Float32x4
	for r := 0; r < rows; r++ {
		d := uintptr(r*ldx) * 4
		ih := r - pt
		if ih < 0 || ih >= h {
			zeroRow(px, d, ldx, z)
			continue
		}
		for j := 0; j < lo; j++ {
			setF32(px, d+uintptr(j)*4, 0)
		}
		src := uintptr(ih*w+lo-pl) * 4
		dd := d + uintptr(lo)*4
		j := 0
		for ; j < n4; j += 4 {
			st4(px, dd+uintptr(j)*4, ld4(pc, src+uintptr(j)*4))
		}
		for ; j < n; j++ {
			setF32(px, dd+uintptr(j)*4, f32(pc, src+uintptr(j)*4))
		}
		for j := max(hi, lo); j < ldx; j++ {
			setF32(px, d+uintptr(j)*4, 0)
		}
	}
}

// zeroRow clears n floats at byte offset d from p.
func zeroRow(p unsafe.Pointer, d uintptr, n int, z archsimd.Float32x4) {
	j := 0
	for ; j+4 <= n; j += 4 {
		st4(p, d+uintptr(j)*4, z)
	}
	for ; j < n; j++ {
		setF32(p, d+uintptr(j)*4, 0)
	}
}

var (
	oddLo = [16]int8{4, 5, 6, 7, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1}
	oddHi = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7, 12, 13, 14, 15}
)

// padS2SIMD writes rows padded rows split by column parity: evens E[j] = padded column 2j = input
// column 2j − pl (ne of them), then odds O[j] = input column 2j+1−pl (ldx − ne of them). Each step
// loads eight input floats and stores their even and odd columns (two byte swizzles and an or
// each) where they land: with pl even the input's evens go to E and its odds to O, with pl odd the
// other way round.
func padS2SIMD(xp, xc []float32, rows, ldx, h, w, pt, pl, ne int) {
	_ = xp[:rows*ldx]
	_ = xc[:h*w]
	// dest maps input column c to its float offset in a split row, and how many slots of that half
	// remain from there.
	dest := func(c int) (off, room int) {
		p := c + pl
		if p%2 == 0 {
			return p / 2, ne - p/2
		}
		return ne + (p-1)/2, ldx - ne - (p-1)/2
	}
	eOff, eRoom := dest(0)
	oOff, oRoom := dest(1)
	nEv := max(0, min((w+1)/2, eRoom)) // input evens that land in the row
	nOd := max(0, min(w/2, oRoom))
	nv := min(nEv, nOd, w/2) &^ 3 // input pairs moved by the vector steps
	px, pc := unsafe.Pointer(&xp[0]), unsafe.Pointer(&xc[0])
	var z archsimd.Float32x4
	elo, ehi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	olo, ohi := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	for r := 0; r < rows; r++ {
		d := uintptr(r*ldx) * 4
		zeroRow(px, d, ldx, z)
		ih := r - pt
		if ih < 0 || ih >= h {
			continue
		}
		src := uintptr(ih*w) * 4
		de, do := d+uintptr(eOff)*4, d+uintptr(oOff)*4
		k := 0
		for ; k < nv; k += 4 {
			a := ld4(pc, src+uintptr(2*k)*4).ToBits().ReshapeToUint8s().BitsToInt8()
			b := ld4(pc, src+uintptr(2*k+4)*4).ToBits().ReshapeToUint8s().BitsToInt8()
			ev := a.LookupOrZero(elo).Or(b.LookupOrZero(ehi))
			od := a.LookupOrZero(olo).Or(b.LookupOrZero(ohi))
			st4(px, de+uintptr(k)*4, ev.ToBits().ReshapeToUint32s().BitsToFloat32())
			st4(px, do+uintptr(k)*4, od.ToBits().ReshapeToUint32s().BitsToFloat32())
		}
		for i := k; i < nEv; i++ {
			setF32(px, de+uintptr(i)*4, f32(pc, src+uintptr(2*i)*4))
		}
		for i := k; i < nOd; i++ {
			setF32(px, do+uintptr(i)*4, f32(pc, src+uintptr(2*i+1)*4))
		}
	}
}

var (
	evenLo = [16]int8{0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1}
	evenHi = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 8, 9, 10, 11}
)

// deinterleaveSIMD sets dst[j] = src[i0 + 2(j−lo)] for j in [lo, hi) and zero elsewhere: eight source
// floats become four per step through two byte swizzles (out-of-range indices select zero) and an
// or.
func deinterleaveSIMD(dst []float32, lo, hi int, src []float32, i0 int) {
	n := len(dst)
	_ = dst[:hi]
	pd := unsafe.Pointer(&dst[0])
	for j := 0; j < lo; j++ {
		setF32(pd, uintptr(j)*4, 0)
	}
	for j := hi; j < n; j++ {
		setF32(pd, uintptr(j)*4, 0)
	}
	if lo >= hi {
		return
	}
	m := hi - lo
	_ = src[i0 : i0+2*m-1]
	ps := unsafe.Add(unsafe.Pointer(&src[0]), uintptr(i0)*4)
	pd = unsafe.Add(pd, uintptr(lo)*4)
	avail := len(src) - i0 // source floats readable from ps
	j := 0
	if m >= 4 && avail >= 8 {
		vlo, vhi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
		for ; j+4 <= m && 2*j+8 <= avail; j += 4 {
			a := ld4(ps, uintptr(2*j)*4).ToBits().ReshapeToUint8s().BitsToInt8()
			b := ld4(ps, uintptr(2*j+4)*4).ToBits().ReshapeToUint8s().BitsToInt8()
			e := a.LookupOrZero(vlo).Or(b.LookupOrZero(vhi))
			st4(pd, uintptr(j)*4, e.ToBits().ReshapeToUint32s().BitsToFloat32())
		}
	}
	for ; j < m; j++ {
		setF32(pd, uintptr(j)*4, f32(ps, uintptr(2*j)*4))
	}
}

// dwDirectSIMD returns the kernel that computes a channel of s straight from its input plane, or nil.
func dwDirectSIMD(s ConvShape) dwDirectKernel {
	switch {
	case dwDirect(s):
		return dw3s1Direct
	case dwDirectS2(s):
		return dw3s2Pairs // dw3s2Direct for a Relu/Clip
	}
	return nil
}

var (
	shr1 = [16]int8{-1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}     // (0, v0, v1, v2)
	shl1 = [16]int8{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1} // (v1, v2, v3, 0)
)

func asBytes(v archsimd.Float32x4) archsimd.Int8x16 { return v.ToBits().ReshapeToUint8s().BitsToInt8() }
func asFloats(v archsimd.Int8x16) archsimd.Float32x4 {
	return v.ToBits().ReshapeToUint32s().BitsToFloat32()
}

// dwDirect reports whether dw3s1Direct runs the convolution: 3×3, stride 1, padding 1 on every
// side, rows at least one vector long.
func dwDirect(s ConvShape) bool {
	return s.KH == 3 && s.KW == 3 && s.SH == 1 && s.SW == 1 && s.DH == 1 && s.DW == 1 &&
		s.PT == 1 && s.PL == 1 && s.OH == s.H && s.OW == s.W && s.W >= 4
}

var (
	lane3to0 = [16]int8{12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1} // (v3, 0, 0, 0)
	keep0    = [16]int8{0, 1, 2, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}     // (v0, 0, 0, 0)
	keep3    = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 12, 13, 14, 15} // (0, 0, 0, v3)
)

// dwDirectS2 reports whether dw3s2Direct runs the convolution: 3×3, stride 2, top and left
// padding 0 or 1 (PyTorch pads 1, TensorFlow's SAME 0 and 1 at the bottom and right), an even
// input width with OW = W/2 of at least one vector.
func dwDirectS2(s ConvShape) bool {
	return s.KH == 3 && s.KW == 3 && s.SH == 2 && s.SW == 2 && s.DH == 1 && s.DW == 1 &&
		s.PT <= 1 && s.PL <= 1 && s.W%2 == 0 && s.OW == s.W/2 && s.OW >= 4
}

// prelu is max(v, 0) + s·min(v, 0), leakySIMD's formula.
func prelu(v, z, s archsimd.Float32x4) archsimd.Float32x4 { return v.Max(z).Add(s.Mul(v.Min(z))) }

// s2Swizzles holds the byte swizzles that split eight floats into their even and odd columns.
type s2Swizzles struct{ elo, ehi, olo, ohi archsimd.Int8x16 }

// split loads the eight floats at byte offset o from p and returns their even and odd columns.
func (sw *s2Swizzles) split(p unsafe.Pointer, o uintptr) (e, od archsimd.Int8x16) {
	a, b := asBytes(ld4(p, o)), asBytes(ld4(p, o+16))
	return a.LookupOrZero(sw.elo).Or(b.LookupOrZero(sw.ehi)), a.LookupOrZero(sw.olo).Or(b.LookupOrZero(sw.ohi))
}

// dwKPlaneSIMD computes one channel of a kh×kw depthwise convolution from its padded plane xp
// (rows ldx apart, split at ne for stride 2, see planeGeom, followed by dwSlack floats): y =
// act(b + taps + res) for a fused clamp or negative slope. Each tap adds its row of inputs,
// times its weight, to the output row, four outputs per step; the row's last ow mod 4 outputs are
// computed in a vector on the stack. Taps run in the outer loop so that the vector loop over a
// row, the only inner loop, has no loop over taps inside it (each loop costs a trip through
// Go-wasm's block dispatcher).
func dwKPlaneSIMD(y, xp []float32, ldx, ne, oh, ow, sh, sw, kh, kw int, w []float32, b float32, res []float32, f *fusedAct, slope float32) {
	_ = y[:oh*ow]
	_ = xp[:((oh-1)*sh+kh)*ldx+dwSlack]
	_ = w[:kh*kw]
	if res != nil {
		_ = res[:oh*ow]
	}
	vb := archsimd.BroadcastFloat32x4(b)
	lo, hi := archsimd.BroadcastFloat32x4(float32(math.Inf(-1))), archsimd.BroadcastFloat32x4(float32(math.Inf(1)))
	if f.clamp {
		lo, hi = archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)
	}
	n4 := ow &^ 3
	var tail [4]float32 // the row's last ow mod 4 outputs
	px, py, pt := unsafe.Pointer(&xp[0]), unsafe.Pointer(&y[0]), unsafe.Pointer(&tail[0])
	for r := 0; r < oh; r++ {
		orow := uintptr(r*ow) * 4
		yr := y[r*ow : (r+1)*ow]
		if res != nil {
			for t, v := range res[r*ow : (r+1)*ow] {
				yr[t] = v + b
			}
			copy(tail[:], yr[n4:])
		} else {
			for t := uintptr(0); t < uintptr(n4)*4; t += 16 {
				st4(py, orow+t, vb)
			}
			tail = [4]float32{b, b, b, b}
		}
		for i := 0; i < kh; i++ {
			base := uintptr((r*sh+i)*ldx) * 4
			for j := 0; j < kw; j++ {
				off := j
				if sw == 2 {
					off = j / 2
					if j%2 == 1 {
						off = ne + (j-1)/2
					}
				}
				wv := archsimd.BroadcastFloat32x4(w[i*kw+j])
				src := base + uintptr(off)*4
				for t := uintptr(0); t < uintptr(n4)*4; t += 16 {
					st4(py, orow+t, ld4(py, orow+t).Add(wv.Mul(ld4(px, src+t))))
				}
				if n4 < ow {
					// Reads up to 3 floats past the row's outputs: the next row, or the slack.
					st4(pt, 0, ld4(pt, 0).Add(wv.Mul(ld4(px, src+uintptr(n4)*4))))
				}
			}
		}
		for t := uintptr(0); t < uintptr(n4)*4; t += 16 {
			st4(py, orow+t, ld4(py, orow+t).Max(lo).Min(hi))
		}
		st4(pt, 0, ld4(pt, 0).Max(lo).Min(hi))
		copy(yr[n4:], tail[:ow-n4])
	}
	if f.leaky {
		leakySIMD(y[:oh*ow], y[:oh*ow], slope)
	}
}

// dotSIMD is Σ a[i]·b[i] over len(a) elements: four lanes of partial sums, then a scalar tail.
func dotSIMD(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var acc archsimd.Float32x4
	i := 0
	if n >= 4 {
		pa, pb := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
		for ; i+4 <= n; i += 4 {
			o := uintptr(i) * 4
			acc = acc.Add(ld4(pa, o).Mul(ld4(pb, o)))
		}
	}
	var lanes [4]float32
	acc.StoreArray(&lanes)
	s := (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	for ; i < n; i++ {
		s += a[i] * b[i]
	}
	return s
}
