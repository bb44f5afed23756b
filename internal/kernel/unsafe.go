package kernel

import (
	"math"
	"unsafe"
)

// The micro-kernels walk pointers instead of indexing slices: in Go-wasm every bounds check is a
// compare and a branch through the function's block dispatcher, which cost a third of the SIMD GEMM
// tile's speed (measured 12.3 against 17.8 GFLOP/s under node). Every kernel that does this first
// proves its whole access range in bounds with checkTilesRows or an explicit slice expression, so a
// bad call still panics instead of touching stray memory. Pointers stay at a slice's first element
// and integer offsets advance, so no pointer ever leaves its allocation (which checkptr, enabled by
// -race, rejects even when the pointer is never dereferenced).

// f32 loads the float32 at byte offset off from p.
func f32(p unsafe.Pointer, off uintptr) float32 { return *(*float32)(unsafe.Add(p, off)) }

// setF32 stores v at byte offset off from p.
func setF32(p unsafe.Pointer, off uintptr, v float32) { *(*float32)(unsafe.Add(p, off)) = v }

// tileSlack floats of capacity must follow packed A blocks and B panels: the micro-kernels step
// their A and B pointers one element past the last one they read, and that address must stay inside
// the allocation for checkptr. Every packed buffer and workspace here is sized with it.
const tileSlack = gemmNR

// checkTilesRows panics unless every element a gemmTiles call for nt tiles of the given rows touches
// is inside its slices, and A and B have room for the pointers' final step.
func checkTilesRows(rows, k int, a, b []float32, c []float32, ldc int, nt int, ep *tileEpilogue) {
	w := nt * gemmNR
	// The generic kernels' last strip of the last tile steps B's pointer to k·w + gemmNR − 2 + 1.
	_ = a[:k*gemmMR+1]
	_ = b[:k*w+gemmNR-1]
	_ = c[:(rows-1)*ldc+w]
	if ep.res != nil {
		_ = ep.res[:(rows-1)*ep.ldr+w]
	}
	if ep.slope != nil {
		_ = ep.slope[:rows]
	}
	switch ep.init {
	case initRowBias:
		_ = ep.bias[:gemmMR]
	case initColBias:
		_ = ep.bias[:w]
	}
}

// clamp32 is min(max(v, lo), hi), keeping NaN. Go compiles float min and max to runtime calls on
// wasm (16 ns an element under node) and a float if to a branch through the function's block
// dispatcher; picking between precomputed integer bit patterns becomes a wasm select (1.7 ns).
func clamp32(v, lo, hi float32) float32 {
	b, bl, bh := math.Float32bits(v), math.Float32bits(lo), math.Float32bits(hi)
	if v < lo {
		b = bl
	}
	if v > hi {
		b = bh
	}
	return math.Float32frombits(b)
}

// leaky32 is v < 0 ? v·s : v as a select, like clamp32.
func leaky32(v, s float32) float32 {
	b, bs := math.Float32bits(v), math.Float32bits(v*s)
	if v < 0 {
		b = bs
	}
	return math.Float32frombits(b)
}

// zero clears s. Borders of padded rows and patch-matrix runs are often one or two floats long, and a
// clear() call into the runtime's memclr costs more than the stores.
func zero(s []float32) {
	if len(s) > 16 {
		clear(s)
		return
	}
	for i := 0; i < len(s); i++ {
		s[i] = 0
	}
}
