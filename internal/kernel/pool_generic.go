//go:build !(goexperiment.simd && wasm)

package kernel

// avgPoolTiles is the build's fast average pool over windows that tile the input; the generic build
// has none and returns false.
func avgPoolTiles(y, x []float32, s PoolShape) bool { return false }
