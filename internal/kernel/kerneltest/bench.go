package kerneltest

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// benchConv is a convolution from a real model, with the activation and residual the model fuses.
type benchConv struct {
	cc  convCase
	act kernel.Activation
	res bool
}

var (
	relu6 = kernel.Activation{Kind: kernel.ActClip, Alpha: 0, Beta: 6}
	reluA = kernel.Activation{Kind: kernel.ActRelu}
	noAct = kernel.Activation{}
)

func prelu(ch int) kernel.Activation {
	s := make([]float32, ch)
	for i := range s {
		s[i] = 0.25
	}
	return kernel.Activation{Kind: kernel.ActPRelu, Slope: s}
}

// ConvBenchmarks are the named convolution sizes the benchmarks run: MobileNetV2-0.5 at a 128² input
// (the pyramid-supervision backbone), ResNet18 blocks, and MiniFASNetV2 at 80² (shapes read from
// minifasnet-v2-80x80.onnx).
var convBenchmarks = []benchConv{
	{conv("mbv2/stem/3x3s2/3to16/128", 1, 3, 128, 128, 16, 3, 2, 1, 1), relu6, false},
	{conv("mbv2/dw3x3/16ch/64", 1, 16, 64, 64, 16, 3, 1, 1, 16), relu6, false},
	{conv("mbv2/pw/16to8/64", 1, 16, 64, 64, 8, 1, 1, 0, 1), noAct, false},
	{conv("mbv2/pw/8to48/64", 1, 8, 64, 64, 48, 1, 1, 0, 1), relu6, false},
	{conv("mbv2/dw3x3/48ch/64", 1, 48, 64, 64, 48, 3, 1, 1, 48), relu6, false},
	{conv("mbv2/dw3x3s2/48ch/64", 1, 48, 64, 64, 48, 3, 2, 1, 48), relu6, false},
	{conv("mbv2/pw/48to16/64", 1, 48, 64, 64, 16, 1, 1, 0, 1), noAct, false},
	{conv("mbv2/pw/16to96/32", 1, 16, 32, 32, 96, 1, 1, 0, 1), relu6, false},
	{conv("mbv2/dw3x3/96ch/32", 1, 96, 32, 32, 96, 3, 1, 1, 96), relu6, false},
	{conv("mbv2/pw/96to16/32+res", 1, 96, 32, 32, 16, 1, 1, 0, 1), noAct, true},
	{conv("mbv2/dw3x3s2/96ch/32", 1, 96, 32, 32, 96, 3, 2, 1, 96), relu6, false},
	{conv("mbv2/pw/192to32/8+res", 1, 192, 8, 8, 32, 1, 1, 0, 1), noAct, true},
	{conv("mbv2/pw/160to1280/4", 1, 160, 4, 4, 1280, 1, 1, 0, 1), relu6, false},
	{conv("resnet18/7x7s2/3to64/112", 1, 3, 112, 112, 64, 7, 2, 3, 1), reluA, false},
	{conv("resnet18/3x3/64to64/28+res", 1, 64, 28, 28, 64, 3, 1, 1, 1), reluA, true},
	{conv("resnet18/3x3s2/64to128/28", 1, 64, 28, 28, 128, 3, 2, 1, 1), reluA, false},
	{conv("resnet18/1x1s2/64to128/28", 1, 64, 28, 28, 128, 1, 2, 0, 1), noAct, false},
	{conv("minifas/stem/3x3s2/3to32/80", 1, 3, 80, 80, 32, 3, 2, 1, 1), prelu(32), false},
	{conv("minifas/dw3x3/32ch/40", 1, 32, 40, 40, 32, 3, 1, 1, 32), prelu(32), false},
	{conv("minifas/pw/32to103/40", 1, 32, 40, 40, 103, 1, 1, 0, 1), prelu(103), false},
	{conv("minifas/dw3x3s2/103ch/40", 1, 103, 40, 40, 103, 3, 2, 1, 103), prelu(103), false},
	{conv("minifas/pw/103to64/20", 1, 103, 20, 20, 64, 1, 1, 0, 1), noAct, false},
	{conv("minifas/pw/64to13/20", 1, 64, 20, 20, 13, 1, 1, 0, 1), prelu(13), false},
	{conv("minifas/pw/13to64/20+res", 1, 13, 20, 20, 64, 1, 1, 0, 1), noAct, true},
	{conv("minifas/pw/231to128/10", 1, 231, 10, 10, 128, 1, 1, 0, 1), noAct, false},
	{conv("minifas/dw3x3/231ch/10", 1, 231, 10, 10, 231, 3, 1, 1, 231), prelu(231), false},
	{conv("minifas/pw/128to308/10", 1, 128, 10, 10, 308, 1, 1, 0, 1), prelu(308), false},
	{conv("minifas/dw5x5/512ch/5", 1, 512, 5, 5, 512, 5, 1, 0, 512), noAct, false},
	// PS-B (models/psb-128.onnx: MobileNetV2-0.5 at output stride 16): its slowest layers.
	{conv("psb/dw3x3/480ch/8", 1, 480, 8, 8, 480, 3, 1, 1, 480), relu6, false},
	{conv("psb/dw3x3/192ch/8", 1, 192, 8, 8, 192, 3, 1, 1, 192), relu6, false},
	{conv("psb/dw3x3s2/96ch/16", 1, 96, 16, 16, 96, 3, 2, 1, 96), relu6, false},
	{conv("psb/pw/480to160/8", 1, 480, 8, 8, 160, 1, 1, 0, 1), noAct, false},
	{conv("psb/pw/80to480/8", 1, 80, 8, 8, 480, 1, 1, 0, 1), relu6, false},
	{conv("psb/pw/160to384/8", 1, 160, 8, 8, 384, 1, 1, 0, 1), relu6, false},
	// The packed-GEMM ceiling of scripts/bench (the same shape as its synthetic model).
	{conv("ceiling/pw/256to256/32", 1, 256, 32, 32, 256, 1, 1, 0, 1), noAct, false},
	// MiniFASNet's depthwise layers on planes that are not whole vectors.
	{conv("minifas/dw3x3s2/231ch/20", 1, 231, 20, 20, 231, 3, 2, 1, 231), prelu(231), false},
	{conv("minifas/dw3x3s2/308ch/10", 1, 308, 10, 10, 308, 3, 2, 1, 308), prelu(308), false},
	{conv("minifas/dw3x3/26ch/5", 1, 26, 5, 5, 26, 3, 1, 1, 26), prelu(26), false},
	// BlazeFace (front 128²): its 5×5 stride-2 stem and SAME-padded stride-2 depthwise.
	{conv("blazeface/stem/5x5s2/3to24/128", 1, 3, 128, 128, 24, 5, 2, 1, 1).with(func(c *convCase) { c.pb, c.pr = 2, 2 }), reluA, false},
	{conv("blazeface/dw3x3s2/28ch/64", 1, 28, 64, 64, 28, 3, 2, 0, 28).with(func(c *convCase) { c.pb, c.pr = 1, 1 }), noAct, false},
	{conv("blazeface/dw3x3/24ch/64", 1, 24, 64, 64, 24, 3, 1, 1, 24), noAct, false},
	{conv("blazeface/pw/24to24/64+res", 1, 24, 64, 64, 24, 1, 1, 0, 1), reluA, true},
}

// BenchmarkConv2D runs Conv2D on the named model shapes and reports GFLOP/s.
func BenchmarkConv2D(b *testing.B, im *kernel.Impl) {
	for _, bc := range convBenchmarks {
		b.Run(bc.cc.name, func(b *testing.B) {
			s := bc.cc.shape()
			r := newRand(1)
			k := s.C / s.Groups * s.KH * s.KW
			c, err := im.NewConv2D(s, uniform(r, s.M*k, -1, 1), uniform(r, s.M, -1, 1), bc.act)
			if err != nil {
				b.Fatal(err)
			}
			x := uniform(r, s.N*s.C*s.H*s.W, -1, 1)
			y := make([]float32, s.N*s.M*s.OH*s.OW)
			var res []float32
			if bc.res {
				res = uniform(r, len(y), -1, 1)
			}
			ws := make([]float32, c.WorkspaceLen())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.Run(y, x, res, ws)
			}
			reportGFLOPs(b, s.MACs())
		})
	}
}

// BenchmarkConvTranspose2D runs a decoder-style 2× upsampling.
func BenchmarkConvTranspose2D(b *testing.B, im *kernel.Impl) {
	for _, cc := range []ctCase{
		ct("up/4x4s2/32to16/16", 1, 32, 16, 16, 16, 4, 2, 1, 1),
		ct("up/2x2s2/64to32/8", 1, 64, 8, 8, 32, 2, 2, 0, 1),
	} {
		b.Run(cc.name, func(b *testing.B) {
			s := cc.shape()
			r := newRand(2)
			op, err := im.NewConvTranspose2D(s, uniform(r, s.C*s.M/s.Groups*s.KH*s.KW, -1, 1), uniform(r, s.M, -1, 1), reluA)
			if err != nil {
				b.Fatal(err)
			}
			x, y := uniform(r, s.N*s.C*s.H*s.W, -1, 1), make([]float32, s.N*s.M*s.OH*s.OW)
			ws := make([]float32, op.WorkspaceLen())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				op.Run(y, x, ws)
			}
			reportGFLOPs(b, s.MACs())
		})
	}
}

// BenchmarkGemm runs the workspace-free Gemm on square and conv-like sizes.
func BenchmarkGemm(b *testing.B, im *kernel.Impl) {
	for _, sz := range []struct {
		name    string
		m, n, k int
	}{
		{"64x64x64", 64, 64, 64},
		{"128x128x128", 128, 128, 128},
		{"256x256x256", 256, 256, 256},
		{"conv-like/64x784x576", 64, 784, 576},
	} {
		b.Run(sz.name, func(b *testing.B) {
			r := newRand(3)
			a, bb, c := uniform(r, sz.m*sz.k, -1, 1), uniform(r, sz.k*sz.n, -1, 1), make([]float32, sz.m*sz.n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				im.Gemm(sz.m, sz.n, sz.k, a, sz.k, bb, sz.n, c, sz.n, false)
			}
			reportGFLOPs(b, int64(sz.m)*int64(sz.n)*int64(sz.k))
		})
	}
}

// BenchmarkMatMul runs MatMul with constant weights: MiniFASNetV2's classifier (batch 1) and a batched
// fully connected layer.
func BenchmarkMatMul(b *testing.B, im *kernel.Impl) {
	for _, sz := range []struct {
		name    string
		m, n, k int
	}{
		{"minifas/fc/1x512to128", 1, 128, 512},
		{"minifas/fc/1x128to3", 1, 3, 128},
		{"batch64/512to128", 64, 128, 512},
	} {
		b.Run(sz.name, func(b *testing.B) {
			r := newRand(4)
			p, err := im.NewMatMul(sz.m, sz.n, sz.k, uniform(r, sz.k*sz.n, -1, 1), uniform(r, sz.n, -1, 1), noAct)
			if err != nil {
				b.Fatal(err)
			}
			a, c, ws := uniform(r, sz.m*sz.k, -1, 1), make([]float32, sz.m*sz.n), make([]float32, p.WorkspaceLen())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.Run(c, a, nil, ws)
			}
			reportGFLOPs(b, int64(sz.m)*int64(sz.n)*int64(sz.k))
		})
	}
}

// BenchmarkBinary runs the elementwise ops the models use: residual Add on a feature map and
// per-channel Mul; it reports bytes of output per second.
func BenchmarkBinary(b *testing.B, im *kernel.Impl) {
	for _, bc := range []struct {
		name   string
		op     kernel.BinaryOp
		as, bs []int
	}{
		{"add/same/16x32x32", kernel.OpAdd, []int{1, 16, 32, 32}, []int{1, 16, 32, 32}},
		{"mul/per-channel/96x32x32", kernel.OpMul, []int{1, 96, 32, 32}, []int{1, 96, 1, 1}},
		{"add/scalar/64x20x20", kernel.OpAdd, []int{1, 64, 20, 20}, []int{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, out, err := im.NewBroadcast(bc.as, bc.bs)
			if err != nil {
				b.Fatal(err)
			}
			r := newRand(5)
			x, z, y := uniform(r, prod(bc.as), -1, 1), uniform(r, prod(bc.bs), -1, 1), make([]float32, prod(out))
			b.SetBytes(int64(4 * len(y)))
			b.ReportAllocs()
			for b.Loop() {
				p.Run(bc.op, y, x, z)
			}
		})
	}
}

// BenchmarkTranspose runs the layout changes around BlazeFace: its NHWC input to NCHW, and its
// head's NCHW maps back to NHWC; it reports bytes of output per second.
func BenchmarkTranspose(b *testing.B, im *kernel.Impl) {
	for _, bc := range []struct {
		name        string
		shape, perm []int
	}{
		{"nhwc-nchw/128x128x3", []int{1, 128, 128, 3}, []int{0, 3, 1, 2}},
		{"nhwc-nchw/256x256x3", []int{1, 256, 256, 3}, []int{0, 3, 1, 2}},
		{"nchw-nhwc/32x16x16", []int{1, 32, 16, 16}, []int{0, 2, 3, 1}},
		{"nchw-nhwc/96x8x8", []int{1, 96, 8, 8}, []int{0, 2, 3, 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, out, err := im.NewTranspose(bc.shape, bc.perm)
			if err != nil {
				b.Fatal(err)
			}
			x, y := uniform(newRand(8), prod(bc.shape), -1, 1), make([]float32, prod(out))
			b.SetBytes(int64(4 * len(y)))
			b.ReportAllocs()
			for b.Loop() {
				p.Run(y, x)
			}
		})
	}
}

// BenchmarkActivation runs standalone activations over a 96×32² feature map.
func BenchmarkActivation(b *testing.B, im *kernel.Impl) {
	for _, act := range []kernel.Activation{reluA, relu6, prelu(96), {Kind: kernel.ActSigmoid}, {Kind: kernel.ActHardSwish}} {
		b.Run(actName(act), func(b *testing.B) {
			r := newRand(6)
			x, y := uniform(r, 96*32*32, -3, 3), make([]float32, 96*32*32)
			b.SetBytes(int64(4 * len(y)))
			b.ReportAllocs()
			for b.Loop() {
				im.Apply(act, y, x, 96, 32*32)
			}
		})
	}
}

// BenchmarkPool runs the pools of the models: ResNet's 3×3/s2 max pool and global average pools.
func BenchmarkPool(b *testing.B, im *kernel.Impl) {
	r := newRand(7)
	ps := pool("", 64, 56, 56, 3, 2, 1, false).shape()
	x, y := uniform(r, 64*56*56, -1, 1), make([]float32, 64*56*56)
	b.Run("max/3x3s2/64ch/56", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			im.MaxPool2D(y, x, ps)
		}
	})
	bf := pool("", 28, 64, 64, 2, 2, 0, false).shape() // BlazeFace's max-pool shortcut
	b.Run("max/2x2s2/28ch/64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			im.MaxPool2D(y, x, bf)
		}
	})
	b.Run("avg/3x3s2/64ch/56", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			im.AvgPool2D(y, x, ps, false)
		}
	})
	b.Run("globalavg/1280ch/4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			kernel.GlobalAvgPool(y, x, 1280, 16)
		}
	})
}

// BenchmarkResize runs the 2× bilinear and nearest upsampling of a feature pyramid.
func BenchmarkResize(b *testing.B) {
	r := newRand(8)
	x, y := uniform(r, 32*32*32, -1, 1), make([]float32, 32*64*64)
	for _, mode := range []kernel.ResizeMode{kernel.ResizeNearest, kernel.ResizeLinear} {
		rs, err := kernel.NewResize2D(32, 32, 32, 64, 64, 2, 2, mode, kernel.CoordHalfPixel, kernel.NearestRoundPreferFloor)
		if err != nil {
			b.Fatal(err)
		}
		b.Run([...]string{"nearest", "linear"}[mode]+"/32ch/32to64", func(b *testing.B) {
			b.SetBytes(int64(4 * len(y)))
			b.ReportAllocs()
			for b.Loop() {
				rs.Run(y, x)
			}
		})
	}
}
