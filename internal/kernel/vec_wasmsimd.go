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

// transposeC3SIMD is transpose2D for three columns: an NHWC image's pixels (BlazeFace's 128² and
// 256² RGB inputs) into its three planes. Four pixels are three vectors, (a0 b0 c0 a1), (b1 c1 a2
// b2), (c2 a3 b3 c3), and each plane's four floats come out of them through three byte swizzles
// and two ors, where transpose2D's loop moves one float per access (10–20 ns per pixel under
// node). The last rows mod 4 pixels go through transpose2D's loop.
func transposeC3SIMD(y, x []float32, rows int) {
	_ = y[:3*rows]
	_ = x[:3*rows]
	n4 := rows &^ 3
	if n4 > 0 {
		px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
		a0, a1, a2 := archsimd.LoadInt8x16Array(&c3Swz[0]), archsimd.LoadInt8x16Array(&c3Swz[1]), archsimd.LoadInt8x16Array(&c3Swz[2])
		b0, b1, b2 := archsimd.LoadInt8x16Array(&c3Swz[3]), archsimd.LoadInt8x16Array(&c3Swz[4]), archsimd.LoadInt8x16Array(&c3Swz[5])
		c0, c1, c2 := archsimd.LoadInt8x16Array(&c3Swz[6]), archsimd.LoadInt8x16Array(&c3Swz[7]), archsimd.LoadInt8x16Array(&c3Swz[8])
		plane := uintptr(rows) * 4
		for r := uintptr(0); r < uintptr(n4)*4; r += 16 {
			v0, v1, v2 := asBytes(ld4(px, 3*r)), asBytes(ld4(px, 3*r+16)), asBytes(ld4(px, 3*r+32))
			st4(py, r, asFloats(v0.LookupOrZero(a0).Or(v1.LookupOrZero(a1)).Or(v2.LookupOrZero(a2))))
			st4(py, plane+r, asFloats(v0.LookupOrZero(b0).Or(v1.LookupOrZero(b1)).Or(v2.LookupOrZero(b2))))
			st4(py, 2*plane+r, asFloats(v0.LookupOrZero(c0).Or(v1.LookupOrZero(c1)).Or(v2.LookupOrZero(c2))))
		}
	}
	for r := n4; r < rows; r++ {
		y[r], y[rows+r], y[2*rows+r] = x[3*r], x[3*r+1], x[3*r+2]
	}
}

// c3Swz are transposeC3SIMD's swizzles: for each plane (a, b, c), the bytes of its four floats that
// come from the first, second and third vector of four pixels (−1: from another vector).
var c3Swz = [9][16]int8{
	{0, 1, 2, 3, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1},   // a0, a1 from (a0 b0 c0 a1)
	{-1, -1, -1, -1, -1, -1, -1, -1, 8, 9, 10, 11, -1, -1, -1, -1}, // a2 from (b1 c1 a2 b2)
	{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7},   // a3 from (c2 a3 b3 c3)
	{4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},   // b0
	{-1, -1, -1, -1, 0, 1, 2, 3, 12, 13, 14, 15, -1, -1, -1, -1},   // b1, b2
	{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 8, 9, 10, 11}, // b3
	{8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, // c0
	{-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1},   // c1
	{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 12, 13, 14, 15},   // c2, c3
}
