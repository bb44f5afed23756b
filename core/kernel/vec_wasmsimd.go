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

// splitPanel fills one packed panel (gemmNR output pixels of one row) from a split input: for each
// offset o (a channel's kernel row, increasing), taps kw = 0, 1, 2 are the eight floats at sp[b+o:],
// sp[b+o+ow1:] and sp[b+o+1:]. Both ranges are proven once, so the copies are plain vector moves.
func splitPanel(panel, sp []float32, b, ow1 int, offs []int) {
	if len(offs) == 0 {
		return
	}
	_ = panel[:3*len(offs)*gemmNR]
	_ = sp[:b+offs[len(offs)-1]+max(ow1, 1)+gemmNR]
	_ = sp[b+offs[0]]
	pp, ps := unsafe.Pointer(&panel[0]), unsafe.Pointer(&sp[0])
	d := uintptr(0)
	for _, o := range offs {
		s := uintptr(b+o) * 4
		s1 := s + uintptr(ow1)*4
		st4(pp, d, ld4(ps, s))
		st4(pp, d+16, ld4(ps, s+16))
		st4(pp, d+32, ld4(ps, s1))
		st4(pp, d+48, ld4(ps, s1+16))
		st4(pp, d+64, ld4(ps, s+4))
		st4(pp, d+80, ld4(ps, s+20))
		d += 96
	}
}
