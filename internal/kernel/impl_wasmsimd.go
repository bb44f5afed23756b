//go:build goexperiment.simd && wasm

package kernel

// simdImpl is the wasm SIMD implementation (simd/archsimd's Float32x4 compiles to wasm v128), the
// default of this build; Generic stays available for comparison.
var simdImpl = &Impl{name: "simd", simd: true}

var (
	defaultImpl = simdImpl
	impls       = []*Impl{simdImpl, Generic}
)
