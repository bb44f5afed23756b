//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
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

// packPanel copies one full gemmNR-column panel: k rows of src, ld apart, to dst.
func packPanel(dst, src []float32, k, ld int) {
	if k == 0 {
		return
	}
	_ = dst[:k*gemmNR]
	_ = src[:(k-1)*ld+gemmNR]
	pd, ps := unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0])
	sl := uintptr(ld) * 4
	for p := 0; p < k; p++ {
		st4(pd, 0, ld4(ps, 0))
		st4(pd, 16, ld4(ps, 16))
		pd = unsafe.Add(pd, 32)
		ps = unsafe.Add(ps, sl)
	}
}
