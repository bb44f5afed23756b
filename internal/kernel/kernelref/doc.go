// Package kernelref holds naive reference implementations of every operator in package kernel.
//
// Each function is the plainest loop nest that computes the ONNX definition: one output element at a
// time, indices computed from scratch, sums accumulated in float64. Nothing here is fast or clever on
// purpose; these functions are what the fast kernels (generic and wasm SIMD) are checked against by
// package kerneltest, in the manner of ncnn's naive layers and gonum's reference BLAS tests.
//
// The functions allocate freely and take the same shape descriptions as package kernel (ConvShape,
// PoolShape, Activation, ...), so a test can feed both the same case.
package kernelref

// index returns the flat row-major offset of idx in shape.
func index(shape, idx []int) int {
	off := 0
	for i, d := range shape {
		off = off*d + idx[i]
	}
	return off
}

// unravel writes the row-major multi-index of flat offset o into idx.
func unravel(shape []int, o int, idx []int) {
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 0 {
			idx[i] = 0
			continue
		}
		idx[i] = o % shape[i]
		o /= shape[i]
	}
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
