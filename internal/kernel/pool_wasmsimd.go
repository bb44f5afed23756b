//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// avgPoolRowMax bounds the floats of one output row's windows (OW·KW) that avgPoolTilesSIMD sums in
// its stack buffer.
const avgPoolRowMax = 256

// avgPoolTilesSIMD averages windows that tile the input (kernel = stride, no padding reached, a
// multiple-of-4 input width): the KH input rows of an output row are summed a vector at a time, then
// each window's KW sums are added with pointer loads. The scalar loop pays a bounds test and a
// branch per tap in Go-wasm: on PS-B's head pools this runs several times faster. It returns false,
// doing nothing, for other shapes.
func avgPoolTilesSIMD(y, x []float32, s PoolShape) bool {
	l := s.OW * s.KW
	if s.KH != s.SH || s.KW != s.SW || s.W%4 != 0 || l > avgPoolRowMax || l > s.W {
		return false
	}
	planes := s.N * s.C
	_ = x[:planes*s.H*s.W]
	_ = y[:planes*s.OH*s.OW]
	if s.KH == 2 && s.KW == 2 && s.H == 2*s.OH && s.W == 2*s.OW && s.OW%4 == 0 {
		avgPool2x2(y, x, planes*s.OH, s.W)
		return true
	}
	var acc [avgPoolRowMax + 4]float32
	pa := unsafe.Pointer(&acc[0])
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	n := float32(s.KH * s.KW)
	l4 := (l + 3) &^ 3 // whole vectors; the extra lanes read the row's next floats (l ≤ W, W%4 = 0) and are not used
	sx := uintptr(s.W) * 4
	var z archsimd.Float32x4
	vn := archsimd.BroadcastFloat32x4(n)
	elo, ehi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	olo, ohi := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	for p := 0; p < planes; p++ {
		for oh := 0; oh < s.OH; oh++ {
			row := uintptr((p*s.H+oh*s.SH)*s.W) * 4
			for j := 0; j < l4; j += 4 {
				st4(pa, uintptr(j)*4, z)
			}
			for kh := 0; kh < s.KH; kh++ {
				r := row + uintptr(kh)*sx
				for j := uintptr(0); j < uintptr(l4)*4; j += 16 {
					st4(pa, j, ld4(pa, j).Add(ld4(px, r+j)))
				}
			}
			out := uintptr((p*s.OH+oh)*s.OW) * 4
			ow := 0
			if s.KW == 2 {
				// Four windows per step: the even and odd columns of eight sums, added.
				for ; ow+4 <= s.OW; ow += 4 {
					a := asBytes(ld4(pa, uintptr(2*ow)*4))
					b := asBytes(ld4(pa, uintptr(2*ow+4)*4))
					e := asFloats(a.LookupOrZero(elo).Or(b.LookupOrZero(ehi)))
					o := asFloats(a.LookupOrZero(olo).Or(b.LookupOrZero(ohi)))
					st4(py, out+uintptr(ow)*4, e.Add(o).Div(vn))
				}
			}
			for ; ow < s.OW; ow++ {
				var sum float32
				a := uintptr(ow*s.KW) * 4
				for kw := uintptr(0); kw < uintptr(s.KW)*4; kw += 4 {
					sum += f32(pa, a+kw)
				}
				setF32(py, out+uintptr(ow)*4, sum/n)
			}
		}
	}
	return true
}

// avgPool2x2 averages the 2×2 windows of rows pairs of rows of w floats (w a multiple of 8) into rows
// rows of w/2:
// every output row is one flat loop over vector steps, with no per-plane or per-row loops around it,
// since the pairs of rows follow each other plane after plane.
func avgPool2x2(y, x []float32, rows, w int) {
	_ = x[:2*rows*w]
	_ = y[:rows*w/2]
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	elo, ehi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	olo, ohi := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	quarter := archsimd.BroadcastFloat32x4(4)
	sx := uintptr(w) * 4
	n := uintptr(rows) * sx / 2 // bytes of output
	var o uintptr
	for i := uintptr(0); o < n; i += 2 * sx {
		for j := uintptr(0); j < sx; j += 32 {
			a := asBytes(ld4(px, i+j).Add(ld4(px, i+sx+j)))
			b := asBytes(ld4(px, i+j+16).Add(ld4(px, i+sx+j+16)))
			e := asFloats(a.LookupOrZero(elo).Or(b.LookupOrZero(ehi)))
			od := asFloats(a.LookupOrZero(olo).Or(b.LookupOrZero(ohi)))
			st4(py, o+j/2, e.Add(od).Div(quarter))
		}
		o += sx / 2
	}
}

// maxPool2x2SIMD takes the maxima of the 2×2 windows of rows pairs of rows of w floats (w a multiple
// of 8) into rows rows of w/2, as avgPool2x2 averages them: one flat loop over row pairs, the
// vertical maximum first, then the even and odd columns split by swizzles. f32x4.max propagates
// NaN like Go's max.
func maxPool2x2SIMD(y, x []float32, rows, w int) {
	_ = x[:2*rows*w]
	_ = y[:rows*w/2]
	if rows == 0 {
		return
	}
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	elo, ehi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	olo, ohi := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	sx := uintptr(w) * 4
	n := uintptr(rows) * sx / 2 // bytes of output
	var o uintptr
	for i := uintptr(0); o < n; i += 2 * sx {
		for j := uintptr(0); j < sx; j += 32 {
			a := asBytes(ld4(px, i+j).Max(ld4(px, i+sx+j)))
			b := asBytes(ld4(px, i+j+16).Max(ld4(px, i+sx+j+16)))
			e := asFloats(a.LookupOrZero(elo).Or(b.LookupOrZero(ehi)))
			od := asFloats(a.LookupOrZero(olo).Or(b.LookupOrZero(ohi)))
			st4(py, o+j/2, e.Max(od))
		}
		o += sx / 2
	}
}

// maxRow3s2SIMD sets y[ow] = max(v[2ow−pl], v[2ow−pl+1], v[2ow−pl+2]) for the windows of width 3
// and stride 2 that lie inside the row v[:w], four at a time, and returns the range [lo, end) of
// outputs it set (lo = end = 0 when fewer than four windows lie inside); the caller does the rest.
// For four windows starting at b = 2ow−pl, the even floats of v[b:b+8] are their first taps, the
// odd ones their middle taps, and the even floats of v[b+2:b+10] their last taps; the last group
// reads v[w], one float past the row (not used), so v must hold w+1 floats. f32x4.max propagates
// NaN like max32.
func maxRow3s2SIMD(y, v []float32, pl, w int) (lo, end int) {
	lo = (pl + 1) / 2
	hi := min(len(y), (w+pl-3)/2+1) // window ow lies inside when 2ow−pl+2 ≤ w−1
	if w+pl < 3 || hi-lo < 4 {
		return 0, 0
	}
	end = lo + (hi-lo)&^3
	_ = v[2*end-pl+1] // the last group's last load ends here
	_ = y[end-1]
	pv, py := unsafe.Pointer(&v[0]), unsafe.Pointer(&y[0])
	elo, ehi := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	olo, ohi := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	for ow := lo; ow < end; ow += 4 {
		b := uintptr(2*ow-pl) * 4
		a0, a1 := asBytes(ld4(pv, b)), asBytes(ld4(pv, b+16))
		c0, c1 := asBytes(ld4(pv, b+8)), asBytes(ld4(pv, b+24))
		first := asFloats(a0.LookupOrZero(elo).Or(a1.LookupOrZero(ehi)))
		mid := asFloats(a0.LookupOrZero(olo).Or(a1.LookupOrZero(ohi)))
		last := asFloats(c0.LookupOrZero(elo).Or(c1.LookupOrZero(ehi)))
		st4(py, uintptr(ow)*4, first.Max(mid).Max(last))
	}
	return lo, end
}

// avgPoolS1SIMD averages windows of stride 1 across rows that lie inside the input (PS-B-80's
// map head: a 3×3 pool over 128 planes of 10×10): an output row is a run of vectors, each the sum of
// its KH·KW taps (unaligned loads one float apart) from zero in the scalar loop's order, divided
// by KH·KW, so the results are the same. A row whose length is not a whole number of vectors ends
// with a vector that overlaps the one before. It returns false, doing nothing, for other shapes
// (other column strides, rows shorter than a vector).
func avgPoolS1SIMD(y, x []float32, s PoolShape) bool {
	if s.SW != 1 || s.OW < 4 {
		return false
	}
	planes := s.N * s.C
	_ = x[:planes*s.H*s.W]
	_ = y[:planes*s.OH*s.OW]
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	vn := archsimd.BroadcastFloat32x4(float32(s.KH * s.KW))
	sx := uintptr(s.W) * 4
	kw4 := uintptr(s.KW) * 4
	last := uintptr(s.OW-4) * 4 // the last vector's byte offset in an output row
	for p := 0; p < planes; p++ {
		for oh := 0; oh < s.OH; oh++ {
			in := uintptr((p*s.H+oh*s.SH)*s.W) * 4
			out := uintptr((p*s.OH+oh)*s.OW) * 4
			for o := uintptr(0); ; o += 16 {
				o = min(o, last)
				var acc archsimd.Float32x4
				for kh := 0; kh < s.KH; kh++ {
					r := in + uintptr(kh)*sx + o
					if kw4 == 12 {
						acc = acc.Add(ld4(px, r)).Add(ld4(px, r+4)).Add(ld4(px, r+8))
						continue
					}
					for kw := uintptr(0); kw < kw4; kw += 4 {
						acc = acc.Add(ld4(px, r+kw))
					}
				}
				st4(py, out+o, acc.Div(vn))
				if o == last {
					break
				}
			}
		}
	}
	return true
}
