//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// dw3s2Pairs computes one channel of a 3×3 stride-2 depthwise convolution with left padding 1 and
// a fused PRelu (MiniFASNet's strided depthwise layers) straight from the input plane, without
// splitting every input row into its even and odd columns as dw3s2Direct does (six byte swizzles
// per input row and output vector, the kernel's bottleneck: 3.5–5 GFLOP/s).
//
// Output t is w0·x[2t−1] + w1·x[2t] + w2·x[2t+1] per kernel row. The four floats A = x[2t..2t+3]
// times (w1/2, w2, w1/2, w2) plus the four L = x[2t−1..2t+2] times (w0, w1/2, w0, w1/2) hold, in
// lanes 0+1, output t's three taps of that row and in lanes 2+3 output t+1's; B = x[2t+4..] and
// M = x[2t+3..] do the same for outputs t+2, t+3. So the three rows sum as plain unaligned loads
// (no swizzle), and only the sums P (from A, L) and Q (from B, M) are folded into four outputs:
// evens(P, Q) + odds(P, Q), four swizzles per output vector instead of eighteen. Halving w1 is
// exact (a power of two), and (w1/2)·x twice sums to w1·x exactly, so the result differs from the
// reference only by the order of its additions. Column −1 (padding) is the first vector's A shifted
// right by a lane with a zero shifted in; the last column read is 2t+7 ≤ W−1, inside the row. Two
// output rows per pass share their middle input row's loads; rows outside the plane read zr.
// Anything else (a Relu/Clip, no slope, left padding 0) goes to dw3s2Direct.
func dw3s2Pairs(y, x []float32, s *ConvShape, wt *[9]float32, b float32, f *fusedAct, slope float32, zr []float32) {
	if s.PL != 1 || f.clamp || !f.leaky {
		dw3s2Direct(y, x, s, wt, b, f, slope, zr)
		return
	}
	h, w, oh, ow := s.H, s.W, s.OH, s.OW
	_ = y[:oh*ow]
	_ = x[:h*w]
	_ = zr[:w+dwSlack]
	var wa, wl [3][4]float32
	for k := 0; k < 3; k++ {
		half := wt[3*k+1] * 0.5
		wa[k] = [4]float32{half, wt[3*k+2], half, wt[3*k+2]}
		wl[k] = [4]float32{wt[3*k], half, wt[3*k], half}
	}
	a0, a1, a2 := archsimd.LoadFloat32x4Array(&wa[0]), archsimd.LoadFloat32x4Array(&wa[1]), archsimd.LoadFloat32x4Array(&wa[2])
	l0, l1, l2 := archsimd.LoadFloat32x4Array(&wl[0]), archsimd.LoadFloat32x4Array(&wl[1]), archsimd.LoadFloat32x4Array(&wl[2])
	vb := archsimd.BroadcastFloat32x4(b)
	z, vs := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(slope)
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh4 := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	sr := archsimd.LoadInt8x16Array(&shr1)
	py := unsafe.Pointer(&y[0])
	rows := newPlaneRows(x, zr, h, w)
	lastT := uintptr(ow-4) * 4 // byte offset of the last output vector
	r := 0
	for ; r+2 <= oh; r += 2 {
		p0, p1, p2, p3, p4 := rows.row(2*r-s.PT), rows.row(2*r-s.PT+1), rows.row(2*r-s.PT+2), rows.row(2*r-s.PT+3), rows.row(2*r-s.PT+4)
		orow := uintptr(r*ow) * 4
		orow2 := orow + uintptr(ow)*4
		// The first vector of each output row: column −1 is padding.
		st4(py, orow, prelu(s2pFirst(p0, p1, p2, a0, a1, a2, l0, l1, l2, sr, el, eh, ol, oh4).Add(vb), z, vs))
		st4(py, orow2, prelu(s2pFirst(p2, p3, p4, a0, a1, a2, l0, l1, l2, sr, el, eh, ol, oh4).Add(vb), z, vs))
		for t := uintptr(16); lastT > 0; t += 16 {
			t = min(t, lastT)
			i := 2 * t
			// The shared row first: both outputs' sums start from it.
			xa, xb, xm, xl := ld4(p2, i), ld4(p2, i+16), ld4(p2, i+12), ld4(p2, i-4)
			tp := a2.Mul(xa).Add(l2.Mul(xl))
			tq := a2.Mul(xb).Add(l2.Mul(xm))
			bp := a0.Mul(xa).Add(l0.Mul(xl))
			bq := a0.Mul(xb).Add(l0.Mul(xm))
			ya, yb, ym := ld4(p0, i), ld4(p0, i+16), ld4(p0, i+12)
			za, zb, zm := ld4(p1, i), ld4(p1, i+16), ld4(p1, i+12)
			ua, ub, um := ld4(p3, i), ld4(p3, i+16), ld4(p3, i+12)
			va, vb4, vm := ld4(p4, i), ld4(p4, i+16), ld4(p4, i+12)
			yl, zl, ul, vl := ld4(p0, i-4), ld4(p1, i-4), ld4(p3, i-4), ld4(p4, i-4)
			tp = tp.Add(a0.Mul(ya).Add(l0.Mul(yl))).Add(a1.Mul(za).Add(l1.Mul(zl)))
			tq = tq.Add(a0.Mul(yb).Add(l0.Mul(ym))).Add(a1.Mul(zb).Add(l1.Mul(zm)))
			bp = bp.Add(a1.Mul(ua).Add(l1.Mul(ul))).Add(a2.Mul(va).Add(l2.Mul(vl)))
			bq = bq.Add(a1.Mul(ub).Add(l1.Mul(um))).Add(a2.Mul(vb4).Add(l2.Mul(vm)))
			st4(py, orow+t, prelu(foldPairs(tp, tq, el, eh, ol, oh4).Add(vb), z, vs))
			st4(py, orow2+t, prelu(foldPairs(bp, bq, el, eh, ol, oh4).Add(vb), z, vs))
			if t == lastT {
				break
			}
		}
	}
	if r < oh {
		p0, p1, p2 := rows.row(2*r-s.PT), rows.row(2*r-s.PT+1), rows.row(2*r-s.PT+2)
		orow := uintptr(r*ow) * 4
		st4(py, orow, prelu(s2pFirst(p0, p1, p2, a0, a1, a2, l0, l1, l2, sr, el, eh, ol, oh4).Add(vb), z, vs))
		for t := uintptr(16); lastT > 0; t += 16 {
			t = min(t, lastT)
			i := 2 * t
			ya, yb, ym := ld4(p0, i), ld4(p0, i+16), ld4(p0, i+12)
			za, zb, zm := ld4(p1, i), ld4(p1, i+16), ld4(p1, i+12)
			xa, xb, xm := ld4(p2, i), ld4(p2, i+16), ld4(p2, i+12)
			yl, zl, xl := ld4(p0, i-4), ld4(p1, i-4), ld4(p2, i-4)
			tp := a0.Mul(ya).Add(l0.Mul(yl)).Add(a1.Mul(za).Add(l1.Mul(zl))).Add(a2.Mul(xa).Add(l2.Mul(xl)))
			tq := a0.Mul(yb).Add(l0.Mul(ym)).Add(a1.Mul(zb).Add(l1.Mul(zm))).Add(a2.Mul(xb).Add(l2.Mul(xm)))
			st4(py, orow+t, prelu(foldPairs(tp, tq, el, eh, ol, oh4).Add(vb), z, vs))
			if t == lastT {
				break
			}
		}
	}
}

// s2pFirst is dw3s2Pairs's first output vector of a row (before bias and PRelu), from the row's
// three input rows: column −1 is padding, so each row's L is its A shifted right by a lane.
func s2pFirst(p0, p1, p2 unsafe.Pointer, a0, a1, a2, l0, l1, l2 archsimd.Float32x4, sr, el, eh, ol, oh4 archsimd.Int8x16) archsimd.Float32x4 {
	f0a, f0b, f0m := ld4(p0, 0), ld4(p0, 16), ld4(p0, 12)
	f0l := asFloats(asBytes(f0a).LookupOrZero(sr))
	f1a, f1b, f1m := ld4(p1, 0), ld4(p1, 16), ld4(p1, 12)
	f1l := asFloats(asBytes(f1a).LookupOrZero(sr))
	f2a, f2b, f2m := ld4(p2, 0), ld4(p2, 16), ld4(p2, 12)
	f2l := asFloats(asBytes(f2a).LookupOrZero(sr))
	fp := a0.Mul(f0a).Add(l0.Mul(f0l)).Add(a1.Mul(f1a).Add(l1.Mul(f1l))).Add(a2.Mul(f2a).Add(l2.Mul(f2l)))
	fq := a0.Mul(f0b).Add(l0.Mul(f0m)).Add(a1.Mul(f1b).Add(l1.Mul(f1m))).Add(a2.Mul(f2b).Add(l2.Mul(f2m)))
	return foldPairs(fp, fq, el, eh, ol, oh4)
}

// foldPairs returns (p0+p1, p2+p3, q0+q1, q2+q3): the even lanes of p and q plus their odd lanes.
func foldPairs(p, q archsimd.Float32x4, el, eh, ol, oh archsimd.Int8x16) archsimd.Float32x4 {
	pb, qb := asBytes(p), asBytes(q)
	ev := asFloats(pb.LookupOrZero(el).Or(qb.LookupOrZero(eh)))
	od := asFloats(pb.LookupOrZero(ol).Or(qb.LookupOrZero(oh)))
	return ev.Add(od)
}

// planeRows hands out the rows of one input plane by index, and the zero row zr (at least a row
// long) for indices outside the plane, so that a direct kernel reads padding rows as zeros without
// copying the plane into a padded one.
type planeRows struct {
	p, zero unsafe.Pointer
	h       int
	stride  uintptr
}

func newPlaneRows(x, zr []float32, h, w int) *planeRows {
	return &planeRows{p: unsafe.Pointer(&x[0]), zero: unsafe.Pointer(&zr[0]), h: h, stride: uintptr(w) * 4}
}

func (pr *planeRows) row(i int) unsafe.Pointer {
	if i < 0 || i >= pr.h {
		return pr.zero
	}
	return unsafe.Add(pr.p, uintptr(i)*pr.stride)
}
