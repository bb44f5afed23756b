//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// dw3Interior computes y[t] = b + Σ_kh Σ_kw w[3kh+kw]·r_kh[t·sw+kw] for every t, where every tap is
// in range. Stride 1 computes four outputs per step from three overlapping unaligned loads per row;
// stride 2 runs scalar (wasm SIMD has no two-vector shuffle to gather even lanes cheaply).
func dw3Interior(y, r0, r1, r2 []float32, w *[9]float32, b float32, sw int) {
	n := len(y)
	if n == 0 {
		return
	}
	need := (n-1)*sw + 3
	r0, r1, r2 = r0[:need], r1[:need], r2[:need]
	t := 0
	if sw == 1 && n >= 4 {
		w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
		w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
		w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
		vb := archsimd.BroadcastFloat32x4(b)
		// need ≥ t+6 for every vector step t+4 ≤ n, so the loads below stay inside the rows.
		p0, p1, p2, py := unsafe.Pointer(&r0[0]), unsafe.Pointer(&r1[0]), unsafe.Pointer(&r2[0]), unsafe.Pointer(&y[0])
		for ; t+4 <= n; t += 4 {
			o := uintptr(t) * 4
			acc := vb.Add(w0.Mul(ld4(p0, o))).Add(w1.Mul(ld4(p0, o+4))).Add(w2.Mul(ld4(p0, o+8)))
			acc = acc.Add(w3.Mul(ld4(p1, o))).Add(w4.Mul(ld4(p1, o+4))).Add(w5.Mul(ld4(p1, o+8)))
			acc = acc.Add(w6.Mul(ld4(p2, o))).Add(w7.Mul(ld4(p2, o+4))).Add(w8.Mul(ld4(p2, o+8)))
			st4(py, o, acc)
		}
	}
	for ; t < n; t++ {
		i := t * sw
		a, bb, c := r0[i:i+3], r1[i:i+3], r2[i:i+3]
		y[t] = b + w[0]*a[0] + w[1]*a[1] + w[2]*a[2] + w[3]*bb[0] + w[4]*bb[1] + w[5]*bb[2] + w[6]*c[0] + w[7]*c[1] + w[8]*c[2]
	}
}
