//go:build goexperiment.simd && wasm

package kernel

import (
	"math"
	"simd/archsimd"
	"unsafe"
)

// dw3Plane computes one channel of a 3×3 depthwise convolution from its padded plane xp (rows ldx
// apart, see dwGeom, followed by dwSlack floats): y = clamp(b + taps + res), four outputs per step.
// Stride 1 reads three overlapping vectors per row; stride 2 reads the even, odd and next-even
// vectors of the split row. Each input row gets its own partial sum so the adds form three short
// chains instead of one long one. A row's last ow mod 4 outputs take one more vector step whose
// extra lanes read the slack or the next row and are not stored.
func dw3Plane(y, xp []float32, ldx, oh, ow, sh, sw int, w *[9]float32, b float32, res []float32, f *fusedAct, slope float32) {
	_ = y[:oh*ow]
	_ = xp[:((oh-1)*sh+3)*ldx+dwSlack]
	if res != nil {
		_ = res[:oh*ow]
	}
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	vb := archsimd.BroadcastFloat32x4(b)
	lo, hi := archsimd.BroadcastFloat32x4(float32(math.Inf(-1))), archsimd.BroadcastFloat32x4(float32(math.Inf(1)))
	if f.clamp {
		lo, hi = archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)
	}
	// A fused LeakyRelu/PRelu is max(v, 0) + slope·min(v, 0); with slope 1 that is v again, so the
	// loops apply it unconditionally.
	vs, zero := archsimd.BroadcastFloat32x4(slope), archsimd.BroadcastFloat32x4(0)
	// Byte offsets of the three taps along a row: stride 1 reads columns t, t+1, t+2; stride 2 reads
	// E[t], O[t], E[t+1].
	k0, k1, k2 := uintptr(0), uintptr(4), uintptr(8)
	if sw == 2 {
		k1, k2 = uintptr(ow+1)*4, 4
	}
	sx := uintptr(ldx) * 4
	px, py := unsafe.Pointer(&xp[0]), unsafe.Pointer(&y[0])
	var pr unsafe.Pointer
	if res != nil {
		pr = unsafe.Pointer(&res[0])
	}
	n4 := ow &^ 3
	r := 0
	if sh == 1 && sw == 1 && pr == nil && n4 == ow {
		// Stride 1 without a residual: two output rows per pass share the middle two input rows, so
		// four row loads feed eight outputs.
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
				top = top.Max(lo).Min(hi)
				st4(py, orow+o, top.Max(zero).Add(vs.Mul(top.Min(zero))))
				bot := vb.Add(w0.Mul(x0)).Add(w1.Mul(x1)).Add(w2.Mul(x2))
				bot = bot.Add(w3.Mul(y0).Add(w4.Mul(y1)).Add(w5.Mul(y2)))
				bot = bot.Add(w6.Mul(ld4(p3, o)).Add(w7.Mul(ld4(p3, o+4))).Add(w8.Mul(ld4(p3, o+8))))
				bot = bot.Max(lo).Min(hi)
				st4(py, orow2+o, bot.Max(zero).Add(vs.Mul(bot.Min(zero))))
			}
		}
	}
	for ; r < oh; r++ {
		p0 := unsafe.Add(px, uintptr(r*sh)*sx)
		p1, p2 := unsafe.Add(p0, sx), unsafe.Add(p0, 2*sx)
		orow := uintptr(r*ow) * 4
		// Two copies of the vector loop keep the residual test out of it (a branch inside a Go-wasm
		// loop goes through the function's block dispatcher); clamping to ±Inf costs less than a test.
		if pr == nil {
			for t := 0; t < n4; t += 4 {
				o := uintptr(t) * 4
				s0 := vb.Add(w0.Mul(ld4(p0, o+k0))).Add(w1.Mul(ld4(p0, o+k1))).Add(w2.Mul(ld4(p0, o+k2)))
				s1 := w3.Mul(ld4(p1, o+k0)).Add(w4.Mul(ld4(p1, o+k1))).Add(w5.Mul(ld4(p1, o+k2)))
				s2 := w6.Mul(ld4(p2, o+k0)).Add(w7.Mul(ld4(p2, o+k1))).Add(w8.Mul(ld4(p2, o+k2)))
				v := s0.Add(s1).Add(s2).Max(lo).Min(hi)
				st4(py, orow+o, v.Max(zero).Add(vs.Mul(v.Min(zero))))
			}
		} else {
			for t := 0; t < n4; t += 4 {
				o := uintptr(t) * 4
				s0 := vb.Add(w0.Mul(ld4(p0, o+k0))).Add(w1.Mul(ld4(p0, o+k1))).Add(w2.Mul(ld4(p0, o+k2)))
				s1 := w3.Mul(ld4(p1, o+k0)).Add(w4.Mul(ld4(p1, o+k1))).Add(w5.Mul(ld4(p1, o+k2)))
				s2 := w6.Mul(ld4(p2, o+k0)).Add(w7.Mul(ld4(p2, o+k1))).Add(w8.Mul(ld4(p2, o+k2)))
				v := s0.Add(s1).Add(s2).Add(ld4(pr, orow+o)).Max(lo).Min(hi)
				st4(py, orow+o, v.Max(zero).Add(vs.Mul(v.Min(zero))))
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
			acc = acc.Max(lo).Min(hi)
			acc.Max(zero).Add(vs.Mul(acc.Min(zero))).StorePart(y[r*ow+n4 : (r+1)*ow])
		}
	}
}

var (
	evenLo = [16]int8{0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1}
	evenHi = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 8, 9, 10, 11}
)

// deinterleave sets dst[j] = src[i0 + 2(j−lo)] for j in [lo, hi) and zero elsewhere: eight source
// floats become four per step through two byte swizzles (out-of-range indices select zero) and an
// or.
func deinterleave(dst []float32, lo, hi int, src []float32, i0 int) {
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
