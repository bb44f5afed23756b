package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// poolCase has ONNX pooling attributes; ceil selects ceil_mode for the output size.
type poolCase struct {
	name                   string
	n, c, h, w             int
	kh, kw, sh, sw, dh, dw int
	pt, pl, pb, pr         int
	ceil                   bool
}

func (pc poolCase) shape() kernel.PoolShape {
	out := func(in, k, s, d, p0, p1 int) int {
		span := in + p0 + p1 - d*(k-1) - 1
		o := span/s + 1
		if pc.ceil && span%s != 0 {
			o++
			// ONNX: the last window must start inside the input or left padding.
			if (o-1)*s >= in+p0 {
				o--
			}
		}
		return o
	}
	return kernel.PoolShape{N: pc.n, C: pc.c, H: pc.h, W: pc.w,
		OH: out(pc.h, pc.kh, pc.sh, pc.dh, pc.pt, pc.pb), OW: out(pc.w, pc.kw, pc.sw, pc.dw, pc.pl, pc.pr),
		KH: pc.kh, KW: pc.kw, SH: pc.sh, SW: pc.sw, DH: pc.dh, DW: pc.dw,
		PT: pc.pt, PL: pc.pl, PB: pc.pb, PR: pc.pr}
}

func pool(name string, c, h, w, k, s, p int, ceil bool) poolCase {
	return poolCase{name: name, n: 1, c: c, h: h, w: w, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1,
		pt: p, pl: p, pb: p, pr: p, ceil: ceil}
}

var poolCases = []poolCase{
	pool("3x3/s2/p1/13x13", 3, 13, 13, 3, 2, 1, false),
	pool("3x3/s2/p1/ceil/14x14", 2, 14, 14, 3, 2, 1, true),
	pool("2x2/s2/9x7", 4, 9, 7, 2, 2, 0, false),
	pool("2x2/s2/ceil/9x7", 4, 9, 7, 2, 2, 0, true),
	pool("3x3/s2/ceil/8x10", 2, 8, 10, 3, 2, 0, true),
	pool("3x3/s1/p1/5x6", 3, 5, 6, 3, 1, 1, false),
	pool("1x1/s1/4x4", 2, 4, 4, 1, 1, 0, false),
	pool("5x5/s1/global-like/5x5", 2, 5, 5, 5, 1, 0, false),
	pool("3x3/s3/p1/ceil/10x11", 2, 10, 11, 3, 3, 1, true),
	pool("7x7/s1/p3/7x7", 1, 7, 7, 7, 1, 3, false),
	// Padded max pools of dilation 1 take a row buffer of at most 1024 floats; wider rows take the
	// per-tap loop.
	pool("3x3/s2/p1/40x36", 5, 40, 36, 3, 2, 1, false),
	pool("3x3/s2/p1/wide/3x1030", 2, 3, 1030, 3, 2, 1, false),
	// The SIMD build takes 3×3 stride-2 windows inside the row four at a time (ResNet's stem pool):
	// rows with whole groups, groups and a rest, odd widths, no padding, and the widest row buffer.
	pool("3x3/s2/p1/resnet/6x32", 3, 6, 32, 3, 2, 1, false),
	pool("3x3/s2/p1/ceil/5x29", 2, 5, 29, 3, 2, 1, true),
	pool("3x3/s2/p0/4x27", 2, 4, 27, 3, 2, 0, false),
	{name: "3x3/s2/p2x0/asym/5x23", n: 1, c: 2, h: 5, w: 23, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 2, pb: 1, pr: 0},
	pool("3x3/s2/p1/3x1024", 2, 3, 1024, 3, 2, 1, false),
	{name: "1x3/s1x2/p0x1/3x17", n: 1, c: 2, h: 3, w: 17, kh: 1, kw: 3, sh: 1, sw: 2, dh: 1, dw: 1, pl: 1, pr: 1},
	{name: "2x4/s1x3/p0x2/ceil/9x17", n: 2, c: 2, h: 9, w: 17, kh: 2, kw: 4, sh: 1, sw: 3, dh: 1, dw: 1, pl: 2, pr: 2, ceil: true},
	// Windows that tile the input (PS-B's pyramid pools; the SIMD build's fast path), and one that
	// leaves columns over.
	pool("2x2/s2/8x8", 3, 8, 8, 2, 2, 0, false),
	pool("2x2/s2/6x16", 2, 6, 16, 2, 2, 0, false),
	pool("4x4/s4/8x8", 3, 8, 8, 4, 4, 0, false),
	pool("8x8/s8/8x8", 3, 8, 8, 8, 8, 0, false),
	// BlazeFace's 2×2 max-pool shortcuts (whole vectors, and rows of 12 and 6).
	pool("2x2/s2/16x16", 3, 16, 16, 2, 2, 0, false),
	pool("2x2/s2/6x12", 2, 6, 12, 2, 2, 0, false),
	pool("2x2/s2/4x6", 2, 4, 6, 2, 2, 0, false),
	pool("3x3/s3/9x12", 2, 9, 12, 3, 3, 0, false),
	pool("3x3/s3/7x8", 2, 7, 8, 3, 3, 0, false),
	// Overlapping windows inside the input (PS-B-80's map head: 3×3 stride 1 over 10×10 planes).
	pool("3x3/s1/10x10", 3, 10, 10, 3, 1, 0, false),
	pool("3x3/s2/11x9", 2, 11, 9, 3, 2, 0, false),
	{name: "2x3/s1/5x7", n: 1, c: 2, h: 5, w: 7, kh: 2, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1},
	{name: "2x3/s1x2/asym/7x9", n: 2, c: 2, h: 7, w: 9, kh: 2, kw: 3, sh: 1, sw: 2, dh: 1, dw: 1, pt: 1, pl: 0, pb: 0, pr: 2},
	{name: "3x3/dil2/p2/9x9", n: 1, c: 2, h: 9, w: 9, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2},
	{name: "2x2/dil2/s2/ceil/8x9", n: 1, c: 2, h: 8, w: 9, kh: 2, kw: 2, sh: 2, sw: 2, dh: 2, dw: 2, ceil: true},
}

// TestMaxPool2D checks MaxPool2D against kernelref.MaxPool2D.
func TestMaxPool2D(t *testing.T, im *kernel.Impl) {
	for i, pc := range poolCases {
		t.Run(pc.name, func(t *testing.T) {
			s := pc.shape()
			if err := s.Validate(); err != nil {
				t.Fatalf("bad test case: %v", err)
			}
			x := uniform(newRand(uint64(i)+500), s.N*s.C*s.H*s.W, -2, 1)
			n := s.N * s.C * s.OH * s.OW
			want, y := make([]float32, n), nans(n)
			kernelref.MaxPool2D(want, x, s)
			im.MaxPool2D(y, x, s)
			compare(t, y, want)
		})
	}
}

// TestAvgPool2D checks AvgPool2D, with and without count_include_pad, against kernelref.AvgPool2D.
func TestAvgPool2D(t *testing.T, im *kernel.Impl) {
	for i, pc := range poolCases {
		for _, cip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/count_include_pad=%v", pc.name, cip), func(t *testing.T) {
				s := pc.shape()
				if err := s.Validate(); err != nil {
					t.Fatalf("bad test case: %v", err)
				}
				x := uniform(newRand(uint64(i)+600), s.N*s.C*s.H*s.W, -1, 1)
				n := s.N * s.C * s.OH * s.OW
				want, y := make([]float32, n), nans(n)
				kernelref.AvgPool2D(want, x, s, cip)
				im.AvgPool2D(y, x, s, cip)
				compare(t, y, want)
			})
		}
	}
}

// TestGlobalPool checks GlobalAvgPool and GlobalMaxPool.
func TestGlobalPool(t *testing.T) {
	for i, sz := range [][2]int{{1, 1}, {3, 7}, {16, 64}, {5, 1600}, {512, 25}} {
		nc, hw := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", nc, hw), func(t *testing.T) {
			x := uniform(newRand(uint64(i)+700), nc*hw, -3, 1)
			want, y := make([]float32, nc), nans(nc)
			kernelref.GlobalAvgPool(want, x, nc, hw)
			kernel.GlobalAvgPool(y, x, nc, hw)
			compare(t, y, want)
			kernelref.GlobalMaxPool(want, x, nc, hw)
			kernel.GlobalMaxPool(y, x, nc, hw)
			compare(t, y, want)
		})
	}
}
