//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// dw3s2Pairs computes one channel of a 3×3 stride-2 depthwise convolution with left padding 1 (and
// a fused PRelu: MiniFASNet's strided depthwise layers) or left padding 0 (TensorFlow's SAME, no
// activation: BlazeFace's) straight from the input plane, without splitting every input row into
// its even and odd columns as dw3s2Direct does (six byte swizzles per input row and output vector,
// the kernel's bottleneck: 2.5–5 GFLOP/s).
//
// With left padding 1, output t is w0·x[2t−1] + w1·x[2t] + w2·x[2t+1] per kernel row. The four
// floats A = x[2t..2t+3] times (w1/2, w2, w1/2, w2) plus the four L = x[2t−1..2t+2] times (w0,
// w1/2, w0, w1/2) hold, in lanes 0+1, output t's three taps of that row and in lanes 2+3 output
// t+1's; B = x[2t+4..] and M = x[2t+3..] do the same for outputs t+2, t+3. So the three rows sum as
// plain unaligned loads (no swizzle), and only the sums P (from A, L) and Q (from B, M) are folded
// into four outputs: evens(P, Q) + odds(P, Q), four swizzles per output vector instead of eighteen.
// Halving w1 is exact (a power of two), and (w1/2)·x twice sums to w1·x exactly, so the result
// differs from the reference only by the order of its additions. Left padding 0 is the same over
// the rows shifted by one column (x[j+1] for x[j]). Padding falls on one vector per row. With left
// padding 1 it is the first, the loop's first step, whose L loads x[−1..2] and zeroes lane 0 with
// an and: the float before a row lies in the previous row, or just before the plane or zr in
// linear memory, so the load stays in memory, and the and discards whatever it holds (Inf and NaN
// included). A separate first-vector function (s2pEdge as it was), which the compiler does not
// inline and which takes its eleven vectors through memory, ran 308ch 10²→5² 1.5–2× slower. With
// left padding 0 it is the last (OW = W/2, so its output OW−1 reads column W, the right padding),
// whose B is its M shifted left by a lane with a zero shifted in (s2pEdge); every other load lies
// inside the row. Two output rows per pass share their middle input row's loads; rows outside the
// plane read zr. Without an activation the PRelu's slope is 1 (max(v,0) + min(v,0) is v exactly),
// which costs less than a second copy of the loops. A Relu/Clip goes to dw3s2Direct.
func dw3s2Pairs(y, x []float32, s *ConvShape, wt *[9]float32, b float32, f *fusedAct, slope float32, zr []float32) {
	if s.PL > 1 || f.clamp {
		dw3s2Direct(y, x, s, wt, b, f, slope, zr)
		return
	}
	if !f.leaky {
		slope = 1
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
	rows := newPlaneRows(x, zr, h, w)
	lastT := uintptr(ow-4) * 4 // byte offset of the last output vector
	// The vector loop covers output bytes [0, t1) (its last step moved back to lastT when the
	// row's length is not whole vectors); with left padding 1 its first step masks L's lane 0
	// (first), with left padding 0 s2pEdge computes the last vector (at edge) and
	// shift moves every row pointer one column right.
	// The masks are loaded where they are used, not held in variables: every vector live across
	// the loops beyond the sixteen in registers spills (the kernel ran 10–30% slower).
	t1, edge, shift, first := lastT+16, uintptr(0), uintptr(0), &dropLane0
	if s.PL == 0 {
		t1, edge, shift, first = lastT, lastT, 4, &keepLanes
	}
	py := unsafe.Pointer(&y[0])
	row := func(i int) unsafe.Pointer { return unsafe.Add(rows.row(i), shift) }
	r := 0
	for ; r+2 <= oh; r += 2 {
		p0, p1, p2, p3, p4 := row(2*r-s.PT), row(2*r-s.PT+1), row(2*r-s.PT+2), row(2*r-s.PT+3), row(2*r-s.PT+4)
		orow := uintptr(r*ow) * 4
		orow2 := orow + uintptr(ow)*4
		if s.PL == 0 {
			st4(py, orow+edge, prelu(s2pEdge(p0, p1, p2, edge, a0, a1, a2, l0, l1, l2, el, eh, ol, oh4).Add(vb), z, vs))
			st4(py, orow2+edge, prelu(s2pEdge(p2, p3, p4, edge, a0, a1, a2, l0, l1, l2, el, eh, ol, oh4).Add(vb), z, vs))
		}
		m := archsimd.LoadUint32x4Array(first)
		for u := uintptr(0); u < t1; u += 16 {
			t := min(u, lastT)
			i := 2 * t
			// The shared row first: both outputs' sums start from it.
			xa, xb, xm, xl := ld4(p2, i), ld4(p2, i+16), ld4(p2, i+12), and4(ld4(p2, i-4), m)
			tp := a2.Mul(xa).Add(l2.Mul(xl))
			tq := a2.Mul(xb).Add(l2.Mul(xm))
			bp := a0.Mul(xa).Add(l0.Mul(xl))
			bq := a0.Mul(xb).Add(l0.Mul(xm))
			ya, yb, ym := ld4(p0, i), ld4(p0, i+16), ld4(p0, i+12)
			za, zb, zm := ld4(p1, i), ld4(p1, i+16), ld4(p1, i+12)
			ua, ub, um := ld4(p3, i), ld4(p3, i+16), ld4(p3, i+12)
			va, vb4, vm := ld4(p4, i), ld4(p4, i+16), ld4(p4, i+12)
			yl, zl, ul, vl := and4(ld4(p0, i-4), m), and4(ld4(p1, i-4), m), and4(ld4(p3, i-4), m), and4(ld4(p4, i-4), m)
			m = archsimd.LoadUint32x4Array(&keepLanes)
			tp = tp.Add(a0.Mul(ya).Add(l0.Mul(yl))).Add(a1.Mul(za).Add(l1.Mul(zl)))
			tq = tq.Add(a0.Mul(yb).Add(l0.Mul(ym))).Add(a1.Mul(zb).Add(l1.Mul(zm)))
			bp = bp.Add(a1.Mul(ua).Add(l1.Mul(ul))).Add(a2.Mul(va).Add(l2.Mul(vl)))
			bq = bq.Add(a1.Mul(ub).Add(l1.Mul(um))).Add(a2.Mul(vb4).Add(l2.Mul(vm)))
			st4(py, orow+t, prelu(foldPairs(tp, tq, el, eh, ol, oh4).Add(vb), z, vs))
			st4(py, orow2+t, prelu(foldPairs(bp, bq, el, eh, ol, oh4).Add(vb), z, vs))
		}
	}
	if r < oh {
		p0, p1, p2 := row(2*r-s.PT), row(2*r-s.PT+1), row(2*r-s.PT+2)
		orow := uintptr(r*ow) * 4
		if s.PL == 0 {
			st4(py, orow+edge, prelu(s2pEdge(p0, p1, p2, edge, a0, a1, a2, l0, l1, l2, el, eh, ol, oh4).Add(vb), z, vs))
		}
		m := archsimd.LoadUint32x4Array(first)
		for u := uintptr(0); u < t1; u += 16 {
			t := min(u, lastT)
			i := 2 * t
			ya, yb, ym := ld4(p0, i), ld4(p0, i+16), ld4(p0, i+12)
			za, zb, zm := ld4(p1, i), ld4(p1, i+16), ld4(p1, i+12)
			xa, xb, xm := ld4(p2, i), ld4(p2, i+16), ld4(p2, i+12)
			yl, zl, xl := and4(ld4(p0, i-4), m), and4(ld4(p1, i-4), m), and4(ld4(p2, i-4), m)
			m = archsimd.LoadUint32x4Array(&keepLanes)
			tp := a0.Mul(ya).Add(l0.Mul(yl)).Add(a1.Mul(za).Add(l1.Mul(zl))).Add(a2.Mul(xa).Add(l2.Mul(xl)))
			tq := a0.Mul(yb).Add(l0.Mul(ym)).Add(a1.Mul(zb).Add(l1.Mul(zm))).Add(a2.Mul(xb).Add(l2.Mul(xm)))
			st4(py, orow+t, prelu(foldPairs(tp, tq, el, eh, ol, oh4).Add(vb), z, vs))
		}
	}
}

// dropLane0 masks a vector's lane 0 to zero bits, keepLanes none (and4).
var (
	dropLane0 = [4]uint32{0, ^uint32(0), ^uint32(0), ^uint32(0)}
	keepLanes = [4]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}
)

// and4 returns v's bits and m.
func and4(v archsimd.Float32x4, m archsimd.Uint32x4) archsimd.Float32x4 {
	return v.ToBits().And(m).BitsToFloat32()
}

// s2pEdge is dw3s2Pairs's padded last output vector of a row with left padding 0 (before bias and
// activation), at byte offset t, from the row's three input rows: its B is its M shifted left by a
// lane (sh), with a zero shifted in for column W.
func s2pEdge(p0, p1, p2 unsafe.Pointer, t uintptr, a0, a1, a2, l0, l1, l2 archsimd.Float32x4, el, eh, ol, oh4 archsimd.Int8x16) archsimd.Float32x4 {
	sh := archsimd.LoadInt8x16Array(&shl1)
	f0a, f0b, f0m, f0l := s2pEdgeLoads(p0, 2*t, sh)
	f1a, f1b, f1m, f1l := s2pEdgeLoads(p1, 2*t, sh)
	f2a, f2b, f2m, f2l := s2pEdgeLoads(p2, 2*t, sh)
	fp := a0.Mul(f0a).Add(l0.Mul(f0l)).Add(a1.Mul(f1a).Add(l1.Mul(f1l))).Add(a2.Mul(f2a).Add(l2.Mul(f2l)))
	fq := a0.Mul(f0b).Add(l0.Mul(f0m)).Add(a1.Mul(f1b).Add(l1.Mul(f1m))).Add(a2.Mul(f2b).Add(l2.Mul(f2m)))
	return foldPairs(fp, fq, el, eh, ol, oh4)
}

// s2pEdgeLoads returns one input row's A, B, M and L at byte offset i for s2pEdge, B (which would
// read the padding column) made from M by the lane shift sh.
func s2pEdgeLoads(p unsafe.Pointer, i uintptr, sh archsimd.Int8x16) (a, b, m, l archsimd.Float32x4) {
	a, m = ld4(p, i), ld4(p, i+12)
	return a, asFloats(asBytes(m).LookupOrZero(sh)), m, ld4(p, i-4)
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
