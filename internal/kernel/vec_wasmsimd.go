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

// tapRunSIMD copies, for each patch row r, run floats from pl[base+offs[r]:] to panel[r·gemmNR+c0:];
// maxOff is the largest of offs. Both ranges are proven once; whole panels (8 floats) and half
// panels (4) move as vectors.
func tapRunSIMD(panel []float32, c0, run int, pl []float32, base int, offs []int, maxOff int) {
	if len(offs) == 0 || run <= 0 {
		return
	}
	_ = panel[:(len(offs)-1)*gemmNR+c0+run]
	_ = pl[:base+maxOff+run]
	_ = pl[base] // base ≥ 0; every offset is ≥ 0
	pp, ps := unsafe.Pointer(&panel[0]), unsafe.Pointer(&pl[0])
	d := uintptr(c0) * 4
	b := uintptr(base) * 4
	switch run {
	case 8:
		// Four patch rows per trip: each trip of a Go loop compiled to wasm passes through the
		// function's block dispatcher, which cost more than the row's two loads and stores.
		const iw = unsafe.Sizeof(0) // bytes per offset
		po := unsafe.Pointer(&offs[0])
		n := uintptr(len(offs)) * iw
		i := uintptr(0)
		for ; i+4*iw <= n; i += 4 * iw {
			s0, s1 := b+uintptr(*(*int)(unsafe.Add(po, i)))*4, b+uintptr(*(*int)(unsafe.Add(po, i+iw)))*4
			s2, s3 := b+uintptr(*(*int)(unsafe.Add(po, i+2*iw)))*4, b+uintptr(*(*int)(unsafe.Add(po, i+3*iw)))*4
			st4(pp, d, ld4(ps, s0))
			st4(pp, d+16, ld4(ps, s0+16))
			st4(pp, d+32, ld4(ps, s1))
			st4(pp, d+48, ld4(ps, s1+16))
			st4(pp, d+64, ld4(ps, s2))
			st4(pp, d+80, ld4(ps, s2+16))
			st4(pp, d+96, ld4(ps, s3))
			st4(pp, d+112, ld4(ps, s3+16))
			d += 16 * gemmNR
		}
		for ; i < n; i += iw {
			s := b + uintptr(*(*int)(unsafe.Add(po, i)))*4
			st4(pp, d, ld4(ps, s))
			st4(pp, d+16, ld4(ps, s+16))
			d += 4 * gemmNR
		}
	case 4:
		for _, o := range offs {
			st4(pp, d, ld4(ps, b+uintptr(o)*4))
			d += 4 * gemmNR
		}
	default:
		for _, o := range offs {
			s := b + uintptr(o)*4
			for i := uintptr(0); i < uintptr(run)*4; i += 4 {
				setF32(pp, d+i, f32(ps, s+i))
			}
			d += 4 * gemmNR
		}
	}
}
