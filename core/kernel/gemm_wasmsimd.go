//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// The wasm SIMD micro-kernel: a 4×8 tile of eight Float32x4 accumulators, k unrolled by four.
// Measured under node (TurboFan) on packed panels: 4×8 and 6×8 tiles with the four-way unroll both
// reach 23–25 GFLOP/s, 2×12 22, 8×8 15 (Go's wasm backend has 16 v128 registers and spills the
// rest); without the unroll the same 4×8 tile makes 18. 4×8 wastes the least on MiniFASNet's odd
// channel counts.
const (
	gemmMR = 4
	gemmNR = 8
)

func ld4(p unsafe.Pointer, off uintptr) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, off)))
}

func st4(p unsafe.Pointer, off uintptr, v archsimd.Float32x4) {
	v.StoreArray((*[4]float32)(unsafe.Add(p, off)))
}

func splat(p unsafe.Pointer, off uintptr) archsimd.Float32x4 {
	return archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(p, off)))
}

// gemmTiles computes nt full tiles side by side: tile t covers columns [t·gemmNR, (t+1)·gemmNR) of b,
// c, the residual and a column bias.
func gemmTiles(k int, a, b []float32, ldb int, c []float32, ldc int, nt int, ep *tileEpilogue) {
	if nt <= 0 {
		return
	}
	checkTiles(k, a, b, ldb, c, ldc, nt, ep)
	sb, sc := uintptr(ldb)*4, uintptr(ldc)*4
	pc := unsafe.Pointer(&c[0])
	var pr, pbias unsafe.Pointer
	var sr uintptr
	if ep.res != nil {
		pr, sr = unsafe.Pointer(&ep.res[0]), uintptr(ep.ldr)*4
	}
	if ep.init == initRowBias || ep.init == initColBias {
		pbias = unsafe.Pointer(&ep.bias[0])
	}
	lo, hi := archsimd.BroadcastFloat32x4(ep.lo), archsimd.BroadcastFloat32x4(ep.hi)
	pb0 := unsafe.Pointer(&b[0])
	for t := 0; t < nt; t++ {
		var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
		switch ep.init {
		case initC:
			c00 = ld4(pc, 0*sc+0)
			c01 = ld4(pc, 0*sc+16)
			c10 = ld4(pc, 1*sc+0)
			c11 = ld4(pc, 1*sc+16)
			c20 = ld4(pc, 2*sc+0)
			c21 = ld4(pc, 2*sc+16)
			c30 = ld4(pc, 3*sc+0)
			c31 = ld4(pc, 3*sc+16)
		case initRowBias:
			r0 := splat(pbias, 0)
			c00 = r0
			c01 = r0
			r1 := splat(pbias, 4)
			c10 = r1
			c11 = r1
			r2 := splat(pbias, 8)
			c20 = r2
			c21 = r2
			r3 := splat(pbias, 12)
			c30 = r3
			c31 = r3
		case initColBias:
			q0 := ld4(pbias, uintptr(t)*32+0)
			q1 := ld4(pbias, uintptr(t)*32+16)
			c00 = q0
			c01 = q1
			c10 = q0
			c11 = q1
			c20 = q0
			c21 = q1
			c30 = q0
			c31 = q1
		}
		pa, pb := unsafe.Pointer(&a[0]), unsafe.Add(pb0, uintptr(t)*32)
		p := 0
		for ; p+4 <= k; p += 4 {
			b0 := ld4(pb, 0)
			b1 := ld4(pb, 16)
			a0 := splat(pa, 0)
			c00 = c00.Add(a0.Mul(b0))
			c01 = c01.Add(a0.Mul(b1))
			a1 := splat(pa, 4)
			c10 = c10.Add(a1.Mul(b0))
			c11 = c11.Add(a1.Mul(b1))
			a2 := splat(pa, 8)
			c20 = c20.Add(a2.Mul(b0))
			c21 = c21.Add(a2.Mul(b1))
			a3 := splat(pa, 12)
			c30 = c30.Add(a3.Mul(b0))
			c31 = c31.Add(a3.Mul(b1))
			pb = unsafe.Add(pb, sb)
			b0 = ld4(pb, 0)
			b1 = ld4(pb, 16)
			a0 = splat(pa, 16)
			c00 = c00.Add(a0.Mul(b0))
			c01 = c01.Add(a0.Mul(b1))
			a1 = splat(pa, 20)
			c10 = c10.Add(a1.Mul(b0))
			c11 = c11.Add(a1.Mul(b1))
			a2 = splat(pa, 24)
			c20 = c20.Add(a2.Mul(b0))
			c21 = c21.Add(a2.Mul(b1))
			a3 = splat(pa, 28)
			c30 = c30.Add(a3.Mul(b0))
			c31 = c31.Add(a3.Mul(b1))
			pb = unsafe.Add(pb, sb)
			b0 = ld4(pb, 0)
			b1 = ld4(pb, 16)
			a0 = splat(pa, 32)
			c00 = c00.Add(a0.Mul(b0))
			c01 = c01.Add(a0.Mul(b1))
			a1 = splat(pa, 36)
			c10 = c10.Add(a1.Mul(b0))
			c11 = c11.Add(a1.Mul(b1))
			a2 = splat(pa, 40)
			c20 = c20.Add(a2.Mul(b0))
			c21 = c21.Add(a2.Mul(b1))
			a3 = splat(pa, 44)
			c30 = c30.Add(a3.Mul(b0))
			c31 = c31.Add(a3.Mul(b1))
			pb = unsafe.Add(pb, sb)
			b0 = ld4(pb, 0)
			b1 = ld4(pb, 16)
			a0 = splat(pa, 48)
			c00 = c00.Add(a0.Mul(b0))
			c01 = c01.Add(a0.Mul(b1))
			a1 = splat(pa, 52)
			c10 = c10.Add(a1.Mul(b0))
			c11 = c11.Add(a1.Mul(b1))
			a2 = splat(pa, 56)
			c20 = c20.Add(a2.Mul(b0))
			c21 = c21.Add(a2.Mul(b1))
			a3 = splat(pa, 60)
			c30 = c30.Add(a3.Mul(b0))
			c31 = c31.Add(a3.Mul(b1))
			pb = unsafe.Add(pb, sb)
			pa = unsafe.Add(pa, 64)
		}
		for ; p < k; p++ {
			b0 := ld4(pb, 0)
			b1 := ld4(pb, 16)
			a0 := splat(pa, 0)
			c00 = c00.Add(a0.Mul(b0))
			c01 = c01.Add(a0.Mul(b1))
			a1 := splat(pa, 4)
			c10 = c10.Add(a1.Mul(b0))
			c11 = c11.Add(a1.Mul(b1))
			a2 := splat(pa, 8)
			c20 = c20.Add(a2.Mul(b0))
			c21 = c21.Add(a2.Mul(b1))
			a3 := splat(pa, 12)
			c30 = c30.Add(a3.Mul(b0))
			c31 = c31.Add(a3.Mul(b1))
			pb = unsafe.Add(pb, sb)
			pa = unsafe.Add(pa, 16)
		}
		if pr != nil {
			c00 = c00.Add(ld4(pr, 0*sr+0))
			c01 = c01.Add(ld4(pr, 0*sr+16))
			c10 = c10.Add(ld4(pr, 1*sr+0))
			c11 = c11.Add(ld4(pr, 1*sr+16))
			c20 = c20.Add(ld4(pr, 2*sr+0))
			c21 = c21.Add(ld4(pr, 2*sr+16))
			c30 = c30.Add(ld4(pr, 3*sr+0))
			c31 = c31.Add(ld4(pr, 3*sr+16))
			pr = unsafe.Add(pr, 32)
		}
		if ep.clamp {
			c00 = c00.Max(lo).Min(hi)
			c01 = c01.Max(lo).Min(hi)
			c10 = c10.Max(lo).Min(hi)
			c11 = c11.Max(lo).Min(hi)
			c20 = c20.Max(lo).Min(hi)
			c21 = c21.Max(lo).Min(hi)
			c30 = c30.Max(lo).Min(hi)
			c31 = c31.Max(lo).Min(hi)
		}
		st4(pc, 0*sc+0, c00)
		st4(pc, 0*sc+16, c01)
		st4(pc, 1*sc+0, c10)
		st4(pc, 1*sc+16, c11)
		st4(pc, 2*sc+0, c20)
		st4(pc, 2*sc+16, c21)
		st4(pc, 3*sc+0, c30)
		st4(pc, 3*sc+16, c31)
		pc = unsafe.Add(pc, 32)
	}
}
