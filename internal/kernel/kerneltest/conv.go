package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// convCase is a convolution with ONNX-style attributes; the output size follows from them.
type convCase struct {
	name                   string
	n, c, h, w, m          int
	kh, kw, sh, sw, dh, dw int
	pt, pl, pb, pr         int
	groups                 int
	sweep                  bool // run every fused activation with and without the residual
}

func (cc convCase) shape() kernel.ConvShape {
	return kernel.ConvShape{
		N: cc.n, C: cc.c, H: cc.h, W: cc.w, M: cc.m,
		OH: (cc.h+cc.pt+cc.pb-cc.dh*(cc.kh-1)-1)/cc.sh + 1,
		OW: (cc.w+cc.pl+cc.pr-cc.dw*(cc.kw-1)-1)/cc.sw + 1,
		KH: cc.kh, KW: cc.kw, SH: cc.sh, SW: cc.sw, DH: cc.dh, DW: cc.dw,
		PT: cc.pt, PL: cc.pl, Groups: cc.groups,
	}
}

// conv builds a case: k×k kernel, stride s, symmetric padding p, dilation 1, groups g.
func conv(name string, n, c, h, w, m, k, s, p, g int) convCase {
	return convCase{name: name, n: n, c: c, h: h, w: w, m: m, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1,
		pt: p, pl: p, pb: p, pr: p, groups: g}
}

func (cc convCase) with(f func(*convCase)) convCase { f(&cc); return cc }

func sweep(cc *convCase) { cc.sweep = true }

var convCases = []convCase{
	// 1×1 pointwise: the direct (no im2col) path, odd channel counts and pixel counts.
	conv("1x1/16to24/7x7", 1, 16, 7, 7, 24, 1, 1, 0, 1).with(sweep),
	conv("1x1/3to5/5x9", 1, 3, 5, 9, 5, 1, 1, 0, 1),
	conv("1x1/13to64/20x20", 1, 13, 20, 20, 64, 1, 1, 0, 1),
	conv("1x1/64to13/20x20", 1, 64, 20, 20, 13, 1, 1, 0, 1),
	conv("1x1/103to7/3x11", 1, 103, 3, 11, 7, 1, 1, 0, 1),
	conv("1x1/1to1/1x1", 1, 1, 1, 1, 1, 1, 1, 0, 1),
	conv("1x1/300to9/4x4", 1, 300, 4, 4, 9, 1, 1, 0, 1),
	conv("1x1/8to70/37x41", 1, 8, 37, 41, 70, 1, 1, 0, 1),
	conv("1x1/s2/16to32/9x9", 1, 16, 9, 9, 32, 1, 2, 0, 1),
	conv("1x1/pad1/4to6/5x5", 1, 4, 5, 5, 6, 1, 1, 1, 1),
	conv("1x1/batch2/12to10/6x5", 2, 12, 6, 5, 10, 1, 1, 0, 1),
	// General k×k through im2col.
	conv("3x3/8to12/11x13", 1, 8, 11, 13, 12, 3, 1, 1, 1).with(sweep),
	conv("3x3/s2/3to16/17x15", 1, 3, 17, 15, 16, 3, 2, 1, 1),
	conv("3x3/s2/3to16/32x32", 1, 3, 32, 32, 16, 3, 2, 1, 1),
	conv("3x3/nopad/5to7/9x8", 1, 5, 9, 8, 7, 3, 1, 0, 1),
	conv("3x3/64to64/14x14", 1, 64, 14, 14, 64, 3, 1, 1, 1),
	conv("3x3/batch2/4to9/7x6", 2, 4, 7, 6, 9, 3, 1, 1, 1),
	// Padded planes past planesMax (1M floats): tap convolutions run in bands of output rows,
	// refilling the planes per band (CDCN-PS at 256²); the last band is shorter.
	conv("3x3/bands/16to8/256x256", 1, 16, 256, 256, 8, 3, 1, 1, 1),
	conv("3x3/s2/bands/24to4/300x300", 1, 24, 300, 300, 4, 3, 2, 1, 1),
	conv("5x5/bands/asym/40to2/160x170", 1, 40, 160, 170, 2, 5, 1, 2, 1).with(func(c *convCase) { c.pt, c.pb = 1, 3 }),
	// Batches of small images run as one GEMM across the images (PatchNet's 16 patches).
	conv("3x3/batch16/16to24/2x2", 16, 16, 2, 2, 24, 3, 1, 1, 1).with(sweep),
	conv("1x1/batch16/32to20/2x2", 16, 32, 2, 2, 20, 1, 1, 0, 1).with(sweep),
	conv("3x3/s2/batch5/6to10/7x9", 5, 6, 7, 9, 10, 3, 2, 1, 1),
	// Chunks that end inside an image (224 and 256 columns over 8 images of 36 pixels).
	conv("3x3/batch8/16to12/6x6", 8, 16, 6, 6, 12, 3, 1, 1, 1),
	conv("1x1/batch8/32to12/6x6", 8, 32, 6, 6, 12, 1, 1, 0, 1),
	conv("grouped/3x3/g2/batch3/4to6/5x4", 3, 4, 5, 4, 6, 3, 1, 1, 2),
	conv("3x3/s2/asym/6to10/10x12", 1, 6, 10, 12, 10, 3, 2, 0, 1).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
	conv("3x3/asym/4to5/8x8", 1, 4, 8, 8, 5, 3, 1, 0, 1).with(func(c *convCase) { c.pt, c.pr = 2, 1 }),
	conv("3x3/dil2/6to8/12x11", 1, 6, 12, 11, 8, 3, 1, 2, 1).with(func(c *convCase) { c.dh, c.dw = 2, 2 }),
	conv("3x3/dil2x1/s1x2/5to6/9x13", 1, 5, 9, 13, 6, 3, 1, 1, 1).with(func(c *convCase) { c.dh, c.sw = 2, 2; c.pt, c.pb = 2, 2 }),
	conv("5x5/4to6/13x13", 1, 4, 13, 13, 6, 5, 1, 2, 1),
	conv("7x7/s2/3to8/23x23", 1, 3, 23, 23, 8, 7, 2, 3, 1),
	conv("3x3/1x1input/4to5", 1, 4, 1, 1, 5, 3, 1, 1, 1),
	conv("5x5/bigger-than-input/2to3/3x4", 1, 2, 3, 4, 3, 5, 1, 2, 1),
	conv("1x5/1d/6to4/1x20", 1, 6, 1, 20, 4, 1, 1, 0, 1).with(func(c *convCase) { c.kw, c.pl, c.pr = 5, 2, 2 }),
	conv("3x1/4to4/9x7", 1, 4, 9, 7, 4, 1, 1, 0, 1).with(func(c *convCase) { c.kh, c.pt, c.pb = 3, 1, 1 }),
	conv("3x3/s3/4to5/10x10", 1, 4, 10, 10, 5, 3, 3, 1, 1),
	// Grouped.
	conv("grouped/3x3/g4/8to12/9x9", 1, 8, 9, 9, 12, 3, 1, 1, 4).with(sweep),
	conv("grouped/1x1/g2/6to10/5x7", 1, 6, 5, 7, 10, 1, 1, 0, 2),
	conv("grouped/3x3/s2/g3/9to6/11x10", 1, 9, 11, 10, 6, 3, 2, 1, 3),
	// Depthwise: stride 1 and 2, odd sizes, widths below and around the SIMD width, asymmetric and
	// no padding, dilation, 5×5, channel multiplier.
	conv("dw/3x3/24ch/9x10", 1, 24, 9, 10, 24, 3, 1, 1, 24).with(sweep),
	conv("dw/3x3/s2/16ch/16x16", 1, 16, 16, 16, 16, 3, 2, 1, 16).with(sweep),
	conv("dw/3x3/s2/5ch/17x17", 1, 5, 17, 17, 5, 3, 2, 1, 5),
	conv("dw/3x3/s2/5ch/18x19", 1, 5, 18, 19, 5, 3, 2, 1, 5),
	conv("dw/3x3/3ch/1x1", 1, 3, 1, 1, 3, 3, 1, 1, 3),
	conv("dw/3x3/3ch/2x3", 1, 3, 2, 3, 3, 3, 1, 1, 3),
	conv("dw/3x3/2ch/5x4", 1, 2, 5, 4, 2, 3, 1, 1, 2),
	conv("dw/3x3/4ch/40x40", 1, 4, 40, 40, 4, 3, 1, 1, 4),
	conv("dw/3x3/s2/3ch/40x40", 1, 3, 40, 40, 3, 3, 2, 1, 3),
	conv("dw/3x3/nopad/6ch/7x9", 1, 6, 7, 9, 6, 3, 1, 0, 6),
	conv("dw/3x3/s2/asym/4ch/12x12", 1, 4, 12, 12, 4, 3, 2, 0, 4).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
	conv("dw/3x3/s2/asym/4ch/13x11", 1, 4, 13, 11, 4, 3, 2, 0, 4).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
	conv("dw/3x3/dil2/5ch/11x12", 1, 5, 11, 12, 5, 3, 1, 2, 5).with(func(c *convCase) { c.dh, c.dw = 2, 2 }),
	conv("dw/5x5/512ch/5x5to1x1", 1, 512, 5, 5, 512, 5, 1, 0, 512),
	conv("dw/5x5/pad2/3ch/9x9", 1, 3, 9, 9, 3, 5, 1, 2, 3),
	conv("dw/3x3/batch2/7ch/6x7", 2, 7, 6, 7, 7, 3, 1, 1, 7),
	conv("dw/3x3/s2/batch2/7ch/9x6", 2, 7, 9, 6, 7, 3, 2, 1, 7),
	conv("dw/multiplier2/3x3/4to8/7x7", 1, 4, 7, 7, 8, 3, 1, 1, 4),
	conv("dw/3x3/s1x2/4ch/9x10", 1, 4, 9, 10, 4, 3, 1, 1, 4).with(func(c *convCase) { c.sw = 2 }),
	// Shapes of the direct (unpadded) SIMD kernels: rows of one, two and three vectors, odd and even
	// heights, stride 2 on rows of one and two vector pairs.
	conv("dw/3x3/6ch/7x8", 1, 6, 7, 8, 6, 3, 1, 1, 6).with(sweep),
	conv("dw/3x3/3ch/6x12", 1, 3, 6, 12, 3, 3, 1, 1, 3),
	conv("dw/3x3/3ch/4x4", 1, 3, 4, 4, 3, 3, 1, 1, 3),
	conv("dw/3x3/s2/5ch/8x8", 1, 5, 8, 8, 5, 3, 2, 1, 5).with(sweep),
	conv("dw/3x3/s2/3ch/6x16", 1, 3, 6, 16, 3, 3, 2, 1, 3),
	conv("dw/3x3/s2/batch2/3ch/4x8", 2, 3, 4, 8, 3, 3, 2, 1, 3),
	// Rows that are not a whole number of vectors end with an overlapping vector (MiniFASNet's 10×10
	// and 5×5 planes, its stride-2 steps 20→10 and 10→5).
	conv("dw/3x3/5ch/10x10", 1, 5, 10, 10, 5, 3, 1, 1, 5).with(sweep),
	conv("dw/3x3/4ch/5x5", 1, 4, 5, 5, 4, 3, 1, 1, 4),
	conv("dw/3x3/3ch/6x7", 1, 3, 6, 7, 3, 3, 1, 1, 3),
	conv("dw/3x3/3ch/4x13", 1, 3, 4, 13, 3, 3, 1, 1, 3),
	conv("dw/3x3/s2/5ch/20x20", 1, 5, 20, 20, 5, 3, 2, 1, 5).with(sweep),
	conv("dw/3x3/s2/4ch/10x10", 1, 4, 10, 10, 4, 3, 2, 1, 4).with(sweep),
	conv("dw/3x3/s2/3ch/7x12", 1, 3, 7, 12, 3, 3, 2, 1, 3),
	// TensorFlow's SAME padding at stride 2 (BlazeFace): none at the top and left, one at the bottom
	// and right.
	conv("dw/3x3/s2/same/5ch/16x16", 1, 5, 16, 16, 5, 3, 2, 0, 5).with(func(c *convCase) { c.pb, c.pr = 1, 1; c.sweep = true }),
	conv("dw/3x3/s2/same/4ch/10x10", 1, 4, 10, 10, 4, 3, 2, 0, 4).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
	conv("dw/3x3/s2/same/3ch/8x24", 1, 3, 8, 24, 3, 3, 2, 0, 3).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
	// dw3s2Pairs's right-padded last vector: the only vector of a row (OW 4, padding 1 at the top),
	// and after several whole vectors and one moved back to the row's end (OW 20, odd OH).
	conv("dw/3x3/s2/same/pt1pl0/3ch/7x8", 1, 3, 7, 8, 3, 3, 2, 1, 3).with(func(c *convCase) { c.pl = 0; c.sweep = true }),
	conv("dw/3x3/s2/same/3ch/11x40", 1, 3, 11, 40, 3, 3, 2, 0, 3).with(func(c *convCase) { c.pb, c.pr = 1, 1; c.sweep = true }),
	conv("dw/3x3/s2/pt0pl1/3ch/9x12", 1, 3, 9, 12, 3, 3, 2, 1, 3).with(func(c *convCase) { c.pt, c.pb = 0, 1; c.sweep = true }),
	// Larger depthwise kernels on padded planes, and the global depthwise layer (the kernel covers
	// the plane: MiniFASNet's 5×5, MobileFaceNet's 7×7).
	conv("dw/5x5/pad2/6ch/10x10", 1, 6, 10, 10, 6, 5, 1, 2, 6).with(sweep),
	conv("dw/5x5/s2/pad2/4ch/11x12", 1, 4, 11, 12, 4, 5, 2, 2, 4),
	conv("dw/7x7/pad3/3ch/9x14", 1, 3, 9, 14, 3, 7, 1, 3, 3),
	conv("dw/5x3/asym/3ch/8x9", 1, 3, 8, 9, 3, 5, 1, 2, 3).with(func(c *convCase) { c.kw, c.pl, c.pr = 3, 0, 2 }),
	conv("dw/gdc/5x5/6ch", 1, 6, 5, 5, 6, 5, 1, 0, 6).with(sweep),
	conv("dw/gdc/7x7/batch2/5ch", 2, 5, 7, 7, 5, 7, 1, 0, 5),
	// Stems five and seven taps wide fill the panels from padded planes (tap convolutions).
	conv("5x5/s2/3to8/17x16", 1, 3, 17, 16, 8, 5, 2, 2, 1).with(sweep),
	conv("5x5/s2/same/3to6/16x16", 1, 3, 16, 16, 6, 5, 2, 1, 1).with(func(c *convCase) { c.pb, c.pr = 2, 2 }),
	conv("7x7/s2/p3/3to5/20x19", 1, 3, 20, 19, 5, 7, 2, 3, 1),
	conv("2x2/s2/4to6/8x8", 1, 4, 8, 8, 6, 2, 2, 0, 1),
	conv("4x4/s1/3to5/9x9", 1, 3, 9, 9, 5, 4, 1, 1, 1).with(func(c *convCase) { c.pb, c.pr = 2, 2 }),
}

// TestConv2D checks Conv2D against kernelref.Conv2D over convCases. Cases marked sweep run every
// fused activation with and without the residual; the others run a few combinations.
func TestConv2D(t *testing.T, im *kernel.Impl) {
	for i, cc := range convCases {
		t.Run(cc.name, func(t *testing.T) {
			s := cc.shape()
			if err := s.Validate(); err != nil {
				t.Fatalf("bad test case: %v", err)
			}
			r := newRand(uint64(i) + 1)
			cg := s.C / s.Groups
			k := cg * s.KH * s.KW
			x := uniform(r, s.N*s.C*s.H*s.W, -1, 1)
			w := uniform(r, s.M*k, -1, 1)
			scaleWeights(w, k)
			var bias []float32
			if i%3 != 2 {
				bias = uniform(r, s.M, -0.5, 0.5)
			}
			res := uniform(r, s.N*s.M*s.OH*s.OW, -1, 1)
			acts := fusedActs(r, s.M)
			type run struct {
				act kernel.Activation
				res bool
			}
			var runs []run
			if cc.sweep {
				for _, a := range acts {
					runs = append(runs, run{a, false}, run{a, true})
				}
			} else {
				runs = []run{{acts[0], false}, {acts[1], true}, {acts[1+i%(len(acts)-1)], i%2 == 0}}
			}
			for _, rn := range runs {
				var rs []float32
				if rn.res {
					rs = res
				}
				t.Run(fmt.Sprintf("%s/res=%v", actName(rn.act), rn.res), func(t *testing.T) {
					checkConv2D(t, im, s, x, w, bias, rs, rn.act)
				})
			}
		})
	}
}

// scaleWeights keeps outputs near unit size whatever the reduction length.
func scaleWeights(w []float32, k int) {
	f := float32(1)
	for f*f*float32(k) > 3 {
		f /= 2
	}
	for i := range w {
		w[i] *= f
	}
}

func checkConv2D(t *testing.T, im *kernel.Impl, s kernel.ConvShape, x, w, bias, res []float32, act kernel.Activation) {
	t.Helper()
	c, err := im.NewConv2D(s, w, bias, act)
	if err != nil {
		t.Fatal(err)
	}
	n := s.N * s.M * s.OH * s.OW
	want := make([]float32, n)
	kernelref.Conv2D(want, x, w, bias, res, s, act)
	y, ws := nans(n), nans(c.WorkspaceLen())
	c.Run(y, x, res, ws)
	compare(t, y, want)
	// A second run over the dirty output and workspace must give the same answer.
	c.Run(y, x, res, ws)
	compare(t, y, want)
	if res != nil {
		// The residual may be the output buffer itself (an in-place Add).
		copy(y, res)
		c.Run(y, x, y, ws)
		compare(t, y, want)
	}
}

// ctCase is a transposed convolution with ONNX attributes; outPad is output_padding.
type ctCase struct {
	name                   string
	n, c, h, w, m          int
	kh, kw, sh, sw, dh, dw int
	pt, pl, pb, pr         int
	outPad                 int
	groups                 int
}

func (cc ctCase) shape() kernel.ConvTransposeShape {
	return kernel.ConvTransposeShape{
		N: cc.n, C: cc.c, H: cc.h, W: cc.w, M: cc.m,
		OH: cc.sh*(cc.h-1) + cc.outPad + (cc.kh-1)*cc.dh + 1 - cc.pt - cc.pb,
		OW: cc.sw*(cc.w-1) + cc.outPad + (cc.kw-1)*cc.dw + 1 - cc.pl - cc.pr,
		KH: cc.kh, KW: cc.kw, SH: cc.sh, SW: cc.sw, DH: cc.dh, DW: cc.dw,
		PT: cc.pt, PL: cc.pl, Groups: cc.groups,
	}
}

func ct(name string, n, c, h, w, m, k, s, p, g int) ctCase {
	return ctCase{name: name, n: n, c: c, h: h, w: w, m: m, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1,
		pt: p, pl: p, pb: p, pr: p, groups: g}
}

var convTransposeCases = []ctCase{
	ct("2x2/s2/8to4/5x7", 1, 8, 5, 7, 4, 2, 2, 0, 1),
	ct("3x3/s2/p1/6to5/4x4", 1, 6, 4, 4, 5, 3, 2, 1, 1),
	{name: "3x3/s2/p1/outpad1/6to5/4x5", n: 1, c: 6, h: 4, w: 5, m: 5, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, outPad: 1, groups: 1},
	ct("4x4/s2/p1/16to8/8x8", 1, 16, 8, 8, 8, 4, 2, 1, 1),
	ct("3x3/s1/p1/5to7/6x5", 1, 5, 6, 5, 7, 3, 1, 1, 1),
	ct("1x1/9to3/4x4", 1, 9, 4, 4, 3, 1, 1, 0, 1),
	ct("3x3/s2/g2/4to6/5x5", 1, 4, 5, 5, 6, 3, 2, 0, 2),
	ct("3x3/s2/batch2/3to2/3x4", 2, 3, 3, 4, 2, 3, 2, 1, 1),
	{name: "3x3/dil2/asym/4to3/5x6", n: 1, c: 4, h: 5, w: 6, m: 3, kh: 3, kw: 3, sh: 1, sw: 2, dh: 2, dw: 2, pt: 0, pl: 2, pb: 1, pr: 0, groups: 1},
	ct("dw/4x4/s2/p1/8ch/6x6", 1, 8, 6, 6, 8, 4, 2, 1, 8),
}

// TestConvTranspose2D checks ConvTranspose2D against kernelref.ConvTranspose2D.
func TestConvTranspose2D(t *testing.T, im *kernel.Impl) {
	for i, cc := range convTransposeCases {
		t.Run(cc.name, func(t *testing.T) {
			s := cc.shape()
			if err := s.Validate(); err != nil {
				t.Fatalf("bad test case: %v", err)
			}
			r := newRand(uint64(i) + 100)
			mg := s.M / s.Groups
			x := uniform(r, s.N*s.C*s.H*s.W, -1, 1)
			w := uniform(r, s.C*mg*s.KH*s.KW, -1, 1)
			scaleWeights(w, s.C/s.Groups*s.KH*s.KW)
			var bias []float32
			if i%2 == 0 {
				bias = uniform(r, s.M, -0.5, 0.5)
			}
			acts := fusedActs(r, s.M)
			for _, a := range []kernel.Activation{acts[0], acts[1+i%(len(acts)-1)]} {
				t.Run(actName(a), func(t *testing.T) {
					op, err := im.NewConvTranspose2D(s, w, bias, a)
					if err != nil {
						t.Fatal(err)
					}
					n := s.N * s.M * s.OH * s.OW
					want := make([]float32, n)
					kernelref.ConvTranspose2D(want, x, w, bias, s, a)
					y, ws := nans(n), nans(op.WorkspaceLen())
					op.Run(y, x, ws)
					compare(t, y, want)
					op.Run(y, x, ws)
					compare(t, y, want)
				})
			}
		})
	}
}

// TestConvErrors checks that the constructors reject inconsistent shapes and weights with a
// *kernel.ShapeError instead of panicking later.
func TestConvErrors(t *testing.T, im *kernel.Impl) {
	good := conv("", 1, 4, 8, 8, 6, 3, 1, 1, 2).shape()
	w := make([]float32, 6*2*9)
	tests := []struct {
		name string
		s    kernel.ConvShape
		w    []float32
		bias []float32
		act  kernel.Activation
	}{
		{"zero channels", func() kernel.ConvShape { s := good; s.C = 0; return s }(), w, nil, kernel.Activation{}},
		{"groups do not divide", func() kernel.ConvShape { s := good; s.Groups = 3; return s }(), w, nil, kernel.Activation{}},
		{"zero stride", func() kernel.ConvShape { s := good; s.SH = 0; return s }(), w, nil, kernel.Activation{}},
		{"output too large", func() kernel.ConvShape { s := good; s.OH = 40; return s }(), w, nil, kernel.Activation{}},
		{"short weights", good, w[:10], nil, kernel.Activation{}},
		{"short bias", good, w, make([]float32, 5), kernel.Activation{}},
		{"bad slope", good, w, nil, kernel.Activation{Kind: kernel.ActPRelu, Slope: make([]float32, 4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := im.NewConv2D(tt.s, tt.w, tt.bias, tt.act)
			if _, ok := err.(*kernel.ShapeError); !ok {
				t.Fatalf("NewConv2D: got error %v, want a *kernel.ShapeError", err)
			}
		})
	}
	if _, err := im.NewConv2D(good, w, nil, kernel.Activation{}); err != nil {
		t.Fatalf("NewConv2D on a good shape: %v", err)
	}
}
