//go:build goexperiment.simd && wasm

package kernel

import "unsafe"

// gemmTile4x8 is the 4×8 micro-kernel in WebAssembly (gemm_tile_wasm.s): nt full tiles of four rows,
// as gemmTiles computes them (tile.go), from raw pointers the caller has proven in bounds.
//
//go:noescape
func gemmTile4x8(k int, a, b, c unsafe.Pointer, ldc int, nt int, ep *tileEpilogue)

// gemmTilesAsm4 runs gemmTile4x8 after proving every access in bounds.
func gemmTilesAsm4(k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {
	if nt <= 0 {
		return
	}
	checkTilesRows(4, k, a, b, c, ldc, nt, ep)
	gemmTile4x8(k, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, nt, ep)
}
