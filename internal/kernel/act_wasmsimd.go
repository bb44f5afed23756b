//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// The elementwise loops of the SIMD build: four lanes at a time through pointers (the slices are
// resliced to a common length first), then a scalar tail.

// clampSIMD computes y = min(max(x, lo), hi) (Relu is lo = 0, hi = +Inf). wasm's f32x4.min/max
// propagate NaN like Go's min and max.
func clampSIMD(y, x []float32, lo, hi float32) {
	n := len(x)
	y = y[:n]
	vl, vh := archsimd.BroadcastFloat32x4(lo), archsimd.BroadcastFloat32x4(hi)
	i := 0
	if n >= 4 {
		px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
		for ; i+4 <= n; i += 4 {
			off := uintptr(i) * 4
			st4(py, off, ld4(px, off).Max(vl).Min(vh))
		}
	}
	for ; i < n; i++ {
		y[i] = clamp32(x[i], lo, hi)
	}
}

// leakySIMD computes y = x < 0 ? alpha·x : x (LeakyRelu, and PRelu with one slope) as
// max(x, 0) + alpha·min(x, 0).
func leakySIMD(y, x []float32, alpha float32) {
	n := len(x)
	y = y[:n]
	va, zero := archsimd.BroadcastFloat32x4(alpha), archsimd.BroadcastFloat32x4(0)
	i := 0
	if n >= 4 {
		px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
		for ; i+4 <= n; i += 4 {
			off := uintptr(i) * 4
			v := ld4(px, off)
			st4(py, off, v.Max(zero).Add(va.Mul(v.Min(zero))))
		}
	}
	for ; i < n; i++ {
		v := x[i]
		if v < 0 {
			v *= alpha
		}
		y[i] = v
	}
}

// hardSigmoidSIMD computes y = max(0, min(1, alpha·x + beta)).
func hardSigmoidSIMD(y, x []float32, alpha, beta float32) {
	n := len(x)
	y = y[:n]
	va, vb := archsimd.BroadcastFloat32x4(alpha), archsimd.BroadcastFloat32x4(beta)
	zero, one := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(1)
	i := 0
	if n >= 4 {
		px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
		for ; i+4 <= n; i += 4 {
			off := uintptr(i) * 4
			st4(py, off, va.Mul(ld4(px, off)).Add(vb).Max(zero).Min(one))
		}
	}
	for ; i < n; i++ {
		y[i] = clamp32(alpha*x[i]+beta, 0, 1)
	}
}

// hardSwishSIMD computes y = x·max(0, min(1, x/6 + 1/2)).
func hardSwishSIMD(y, x []float32) {
	n := len(x)
	y = y[:n]
	sixth, half := archsimd.BroadcastFloat32x4(1.0/6), archsimd.BroadcastFloat32x4(0.5)
	zero, one := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(1)
	i := 0
	if n >= 4 {
		px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
		for ; i+4 <= n; i += 4 {
			off := uintptr(i) * 4
			v := ld4(px, off)
			st4(py, off, v.Mul(v.Mul(sixth).Add(half).Max(zero).Min(one)))
		}
	}
	for ; i < n; i++ {
		v := x[i]
		y[i] = v * clamp32(v*(1.0/6)+0.5, 0, 1)
	}
}
