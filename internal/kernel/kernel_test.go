package kernel_test

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel/kerneltest"
)

// Every build of the kernels (generic, wasm SIMD) runs the shared conformance suite.

func TestConv2D(t *testing.T)          { kerneltest.TestConv2D(t) }
func TestConvErrors(t *testing.T)      { kerneltest.TestConvErrors(t) }
func TestConvTranspose2D(t *testing.T) { kerneltest.TestConvTranspose2D(t) }
func TestGemm(t *testing.T)            { kerneltest.TestGemm(t) }
func TestMatMul(t *testing.T)          { kerneltest.TestMatMul(t) }
func TestActivation(t *testing.T)      { kerneltest.TestActivation(t) }
func TestMaxPool2D(t *testing.T)       { kerneltest.TestMaxPool2D(t) }
func TestAvgPool2D(t *testing.T)       { kerneltest.TestAvgPool2D(t) }
func TestGlobalPool(t *testing.T)      { kerneltest.TestGlobalPool(t) }
func TestResize2D(t *testing.T)        { kerneltest.TestResize2D(t) }
func TestBroadcast(t *testing.T)       { kerneltest.TestBroadcast(t) }
func TestTranspose(t *testing.T)       { kerneltest.TestTranspose(t) }
func TestSlice(t *testing.T)           { kerneltest.TestSlice(t) }
func TestPad(t *testing.T)             { kerneltest.TestPad(t) }
func TestGather(t *testing.T)          { kerneltest.TestGather(t) }
func TestConcat(t *testing.T)          { kerneltest.TestConcat(t) }
func TestReduce(t *testing.T)          { kerneltest.TestReduce(t) }
func TestSoftmax(t *testing.T)         { kerneltest.TestSoftmax(t) }
func TestScaleShift(t *testing.T)      { kerneltest.TestScaleShift(t) }
func TestAllocs(t *testing.T)          { kerneltest.TestAllocs(t) }
func TestGoldens(t *testing.T)         { kerneltest.TestGoldens(t) }

func BenchmarkConv2D(b *testing.B)          { kerneltest.BenchmarkConv2D(b) }
func BenchmarkConvTranspose2D(b *testing.B) { kerneltest.BenchmarkConvTranspose2D(b) }
func BenchmarkGemm(b *testing.B)            { kerneltest.BenchmarkGemm(b) }
func BenchmarkMatMul(b *testing.B)          { kerneltest.BenchmarkMatMul(b) }
func BenchmarkBinary(b *testing.B)          { kerneltest.BenchmarkBinary(b) }
func BenchmarkActivation(b *testing.B)      { kerneltest.BenchmarkActivation(b) }
func BenchmarkPool(b *testing.B)            { kerneltest.BenchmarkPool(b) }
func BenchmarkResize(b *testing.B)          { kerneltest.BenchmarkResize(b) }
func BenchmarkModels(b *testing.B)          { kerneltest.BenchmarkModels(b) }
