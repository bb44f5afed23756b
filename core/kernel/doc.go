// Package kernel is bonafide's numeric core: convolutions, GEMM, pooling, resizing, elementwise and
// data-movement kernels on plain []float32 buffers with explicit shapes.
//
// Every operator follows XNNPACK's life cycle: a constructor validates shapes and parses weights once
// (packing them for the GEMM micro-kernel), WorkspaceLen tells the caller how much scratch memory Run
// needs, and Run only computes: it never allocates, so a planned graph can run a frame with zero heap
// allocations. Kernels panic only on programmer error (a buffer shorter than the shape says); every
// input a user can influence is validated by the constructors, which return errors.
//
// Two implementations of the hot loops exist behind build tags: generic Go, and wasm SIMD through Go
// 1.27's simd/archsimd (GOEXPERIMENT=simd, GOARCH=wasm). Both pass the shared conformance suite in
// package kerneltest.
package kernel

//go:generate go run ./internal/gentile

import "fmt"

// MaxRank bounds the rank of tensors the shape-generic kernels (broadcast, transpose, slice, pad,
// reduce) accept, so that their index arithmetic lives in fixed-size arrays instead of per-call
// allocations.
const MaxRank = 8

// ShapeError reports shapes a kernel cannot run on.
type ShapeError struct {
	Op  string
	Msg string
}

func (e *ShapeError) Error() string { return "kernel: " + e.Op + ": " + e.Msg }

func shapeErrorf(op, format string, args ...any) error {
	return &ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// product returns the number of elements of a shape.
func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func mustLen(op, name string, buf []float32, want int) {
	if len(buf) < want {
		panic(fmt.Sprintf("kernel: %s: %s has %d elements, need %d", op, name, len(buf), want))
	}
}
