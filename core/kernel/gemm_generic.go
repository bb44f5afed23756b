//go:build !(goexperiment.simd && wasm)

package kernel

import "unsafe"

// The scalar micro-kernel: a 4×2 tile keeps its eight accumulators, four A values and two B values
// in registers on amd64 and in wasm locals; wider scalar tiles spill (measured: 4×4 runs at 5.9
// GFLOP/s in Go-wasm under node where 4×2 runs at 7.0, and 5.6 against 10.9 natively).
const (
	gemmMR = 4
	gemmNR = 2
)

// gemmTiles computes nt full tiles side by side: tile t covers columns [t·gemmNR, (t+1)·gemmNR) of b,
// c, the residual and a column bias. One call per row block keeps Go's call overhead off the
// short reductions of pointwise convolutions.
func gemmTiles(k int, a, b []float32, ldb int, c []float32, ldc int, nt int, ep *tileEpilogue) {
	if nt <= 0 {
		return
	}
	checkTiles(k, a, b, ldb, c, ldc, nt, ep)
	sb, sc := uintptr(ldb)*4, uintptr(ldc)*4
	pc := unsafe.Pointer(&c[0])
	var pr unsafe.Pointer
	var sr uintptr
	if ep.res != nil {
		pr, sr = unsafe.Pointer(&ep.res[0]), uintptr(ep.ldr)*4
	}
	for t := 0; t < nt; t++ {
		var c00, c01, c10, c11, c20, c21, c30, c31 float32
		switch ep.init {
		case initC:
			c00, c01 = f32(pc, 0), f32(pc, 4)
			c10, c11 = f32(pc, sc), f32(pc, sc+4)
			c20, c21 = f32(pc, 2*sc), f32(pc, 2*sc+4)
			c30, c31 = f32(pc, 3*sc), f32(pc, 3*sc+4)
		case initRowBias:
			bs := ep.bias[:4]
			c00, c01 = bs[0], bs[0]
			c10, c11 = bs[1], bs[1]
			c20, c21 = bs[2], bs[2]
			c30, c31 = bs[3], bs[3]
		case initColBias:
			bs := ep.bias[t*2 : t*2+2]
			c00, c01 = bs[0], bs[1]
			c10, c11 = bs[0], bs[1]
			c20, c21 = bs[0], bs[1]
			c30, c31 = bs[0], bs[1]
		}
		if k > 0 {
			pa, pb := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[t*gemmNR])
			p := 0
			for ; p+2 <= k; p += 2 {
				b0, b1 := f32(pb, 0), f32(pb, 4)
				a0, a1, a2, a3 := f32(pa, 0), f32(pa, 4), f32(pa, 8), f32(pa, 12)
				c00 += a0 * b0
				c01 += a0 * b1
				c10 += a1 * b0
				c11 += a1 * b1
				c20 += a2 * b0
				c21 += a2 * b1
				c30 += a3 * b0
				c31 += a3 * b1
				pb = unsafe.Add(pb, sb)
				b0, b1 = f32(pb, 0), f32(pb, 4)
				a0, a1, a2, a3 = f32(pa, 16), f32(pa, 20), f32(pa, 24), f32(pa, 28)
				c00 += a0 * b0
				c01 += a0 * b1
				c10 += a1 * b0
				c11 += a1 * b1
				c20 += a2 * b0
				c21 += a2 * b1
				c30 += a3 * b0
				c31 += a3 * b1
				pb = unsafe.Add(pb, sb)
				pa = unsafe.Add(pa, 32)
			}
			if p < k {
				b0, b1 := f32(pb, 0), f32(pb, 4)
				a0, a1, a2, a3 := f32(pa, 0), f32(pa, 4), f32(pa, 8), f32(pa, 12)
				c00 += a0 * b0
				c01 += a0 * b1
				c10 += a1 * b0
				c11 += a1 * b1
				c20 += a2 * b0
				c21 += a2 * b1
				c30 += a3 * b0
				c31 += a3 * b1
			}
		}
		if pr != nil {
			c00 += f32(pr, 0)
			c01 += f32(pr, 4)
			c10 += f32(pr, sr)
			c11 += f32(pr, sr+4)
			c20 += f32(pr, 2*sr)
			c21 += f32(pr, 2*sr+4)
			c30 += f32(pr, 3*sr)
			c31 += f32(pr, 3*sr+4)
			pr = unsafe.Add(pr, 8)
		}
		if ep.clamp {
			lo, hi := ep.lo, ep.hi
			c00, c01 = clamp32(c00, lo, hi), clamp32(c01, lo, hi)
			c10, c11 = clamp32(c10, lo, hi), clamp32(c11, lo, hi)
			c20, c21 = clamp32(c20, lo, hi), clamp32(c21, lo, hi)
			c30, c31 = clamp32(c30, lo, hi), clamp32(c31, lo, hi)
		}
		setF32(pc, 0, c00)
		setF32(pc, 4, c01)
		setF32(pc, sc, c10)
		setF32(pc, sc+4, c11)
		setF32(pc, 2*sc, c20)
		setF32(pc, 2*sc+4, c21)
		setF32(pc, 3*sc, c30)
		setF32(pc, 3*sc+4, c31)
		pc = unsafe.Add(pc, 8)
	}
}
