//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// ld4, st4 and splat load, store and broadcast at a byte offset from a pointer; the kernels prove
// their ranges first (see unsafe.go).

func ld4(p unsafe.Pointer, off uintptr) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, off)))
}

func st4(p unsafe.Pointer, off uintptr, v archsimd.Float32x4) {
	v.StoreArray((*[4]float32)(unsafe.Add(p, off)))
}

func splat(p unsafe.Pointer, off uintptr) archsimd.Float32x4 {
	return archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(p, off)))
}
