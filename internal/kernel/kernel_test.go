package kernel_test

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kerneltest"
)

// Every implementation of the kernels this build has (generic, and wasm SIMD in the SIMD build)
// runs the shared conformance suite, one subtest per implementation, and TestImplsAgree compares
// them with each other.

// each runs f once per implementation.
func each(t *testing.T, f func(*testing.T, *kernel.Impl)) {
	for _, im := range kernel.Impls() {
		t.Run(im.String(), func(t *testing.T) { f(t, im) })
	}
}

// eachB runs f once per implementation.
func eachB(b *testing.B, f func(*testing.B, *kernel.Impl)) {
	for _, im := range kernel.Impls() {
		b.Run(im.String(), func(b *testing.B) { f(b, im) })
	}
}

func TestConv2D(t *testing.T)          { each(t, kerneltest.TestConv2D) }
func TestConvErrors(t *testing.T)      { each(t, kerneltest.TestConvErrors) }
func TestConvTranspose2D(t *testing.T) { each(t, kerneltest.TestConvTranspose2D) }
func TestGemm(t *testing.T)            { each(t, kerneltest.TestGemm) }
func TestMatMul(t *testing.T)          { each(t, kerneltest.TestMatMul) }
func TestActivation(t *testing.T)      { each(t, kerneltest.TestActivation) }
func TestMaxPool2D(t *testing.T)       { each(t, kerneltest.TestMaxPool2D) }
func TestAvgPool2D(t *testing.T)       { each(t, kerneltest.TestAvgPool2D) }
func TestBroadcast(t *testing.T)       { each(t, kerneltest.TestBroadcast) }
func TestScaleShift(t *testing.T)      { each(t, kerneltest.TestScaleShift) }
func TestAllocs(t *testing.T)          { each(t, kerneltest.TestAllocs) }
func TestGoldens(t *testing.T)         { each(t, kerneltest.TestGoldens) }
func TestSE(t *testing.T)              { each(t, kerneltest.TestSE) }
func TestTranspose(t *testing.T)       { each(t, kerneltest.TestTranspose) }
func TestImplsAgree(t *testing.T)      { kerneltest.TestImplsAgree(t, kernel.Impls()) }

// Kernels with one implementation.
func TestGlobalPool(t *testing.T) { kerneltest.TestGlobalPool(t) }
func TestResize2D(t *testing.T)   { kerneltest.TestResize2D(t) }
func TestSlice(t *testing.T)      { kerneltest.TestSlice(t) }
func TestPad(t *testing.T)        { kerneltest.TestPad(t) }
func TestGather(t *testing.T)     { kerneltest.TestGather(t) }
func TestConcat(t *testing.T)     { kerneltest.TestConcat(t) }
func TestReduce(t *testing.T)     { kerneltest.TestReduce(t) }
func TestSoftmax(t *testing.T)    { kerneltest.TestSoftmax(t) }

func BenchmarkConv2D(b *testing.B)          { eachB(b, kerneltest.BenchmarkConv2D) }
func BenchmarkConvTranspose2D(b *testing.B) { eachB(b, kerneltest.BenchmarkConvTranspose2D) }
func BenchmarkGemm(b *testing.B)            { eachB(b, kerneltest.BenchmarkGemm) }
func BenchmarkMatMul(b *testing.B)          { eachB(b, kerneltest.BenchmarkMatMul) }
func BenchmarkBinary(b *testing.B)          { eachB(b, kerneltest.BenchmarkBinary) }
func BenchmarkActivation(b *testing.B)      { eachB(b, kerneltest.BenchmarkActivation) }
func BenchmarkPool(b *testing.B)            { eachB(b, kerneltest.BenchmarkPool) }
func BenchmarkResize(b *testing.B)          { kerneltest.BenchmarkResize(b) }
func BenchmarkTranspose(b *testing.B)       { eachB(b, kerneltest.BenchmarkTranspose) }
func BenchmarkModels(b *testing.B)          { eachB(b, kerneltest.BenchmarkModels) }
