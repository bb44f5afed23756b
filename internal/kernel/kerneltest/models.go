package kerneltest

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// modelLayer is one convolution of a whole network: k×k, stride s, symmetric padding p, groups g
// (g = c for depthwise), with the model's activation and residual.
type modelLayer struct {
	c, h, m, k, s, p, g int
	act                 kernel.Activation
	res                 bool
}

func layer(c, h, m, k, s, g int, act kernel.Activation, res bool) modelLayer {
	return modelLayer{c: c, h: h, m: m, k: k, s: s, p: k / 2, g: g, act: act, res: res}
}

// miniFASNetV2 lists the 49 convolutions of minifasnet-v2-80x80.onnx in order (input sizes, channels,
// kernels, strides and groups read from the model; the last depthwise 5×5 has no padding). PRelu
// follows every convolution but the linear projections; the residual Adds close the 13→64, 26→128
// and 52→128 bottlenecks.
func miniFASNetV2() []modelLayer {
	pr := func(ch int) kernel.Activation { return prelu(ch) }
	L := []modelLayer{
		layer(3, 80, 32, 3, 2, 1, pr(32), false),
		layer(32, 40, 32, 3, 1, 32, pr(32), false),
		layer(32, 40, 103, 1, 1, 1, pr(103), false),
		layer(103, 40, 103, 3, 2, 103, pr(103), false),
		layer(103, 20, 64, 1, 1, 1, noAct, false),
	}
	for i := 0; i < 4; i++ {
		L = append(L, layer(64, 20, 13, 1, 1, 1, pr(13), false),
			layer(13, 20, 13, 3, 1, 13, pr(13), false),
			layer(13, 20, 64, 1, 1, 1, noAct, true))
	}
	L = append(L, layer(64, 20, 231, 1, 1, 1, pr(231), false),
		layer(231, 20, 231, 3, 2, 231, pr(231), false),
		layer(231, 10, 128, 1, 1, 1, noAct, false),
		layer(128, 10, 231, 1, 1, 1, pr(231), false),
		layer(231, 10, 231, 3, 1, 231, pr(231), false),
		layer(231, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 52, 1, 1, 1, pr(52), false),
		layer(52, 10, 52, 3, 1, 52, pr(52), false),
		layer(52, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 26, 1, 1, 1, pr(26), false),
		layer(26, 10, 26, 3, 1, 26, pr(26), false),
		layer(26, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 77, 1, 1, 1, pr(77), false),
		layer(77, 10, 77, 3, 1, 77, pr(77), false),
		layer(77, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 26, 1, 1, 1, pr(26), false),
		layer(26, 10, 26, 3, 1, 26, pr(26), false),
		layer(26, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 26, 1, 1, 1, pr(26), false),
		layer(26, 10, 26, 3, 1, 26, pr(26), false),
		layer(26, 10, 128, 1, 1, 1, noAct, true),
		layer(128, 10, 308, 1, 1, 1, pr(308), false),
		layer(308, 10, 308, 3, 2, 308, pr(308), false),
		layer(308, 5, 128, 1, 1, 1, noAct, false),
	)
	for i := 0; i < 2; i++ {
		L = append(L, layer(128, 5, 26, 1, 1, 1, pr(26), false),
			layer(26, 5, 26, 3, 1, 26, pr(26), false),
			layer(26, 5, 128, 1, 1, 1, noAct, true))
	}
	L = append(L, layer(128, 5, 512, 1, 1, 1, pr(512), false))
	dw := layer(512, 5, 512, 5, 1, 512, noAct, false)
	dw.p = 0
	return append(L, dw)
}

// mobileNetV2Half lists the convolutions of MobileNetV2 with width 0.5 at a 128² input (channels
// rounded to multiples of 8 as torchvision does), ReLU6 after expansions and depthwise convolutions,
// linear projections with the residual where stride is 1 and the width is unchanged.
func mobileNetV2Half() []modelLayer { return mobileNetV2HalfOS(32, 1280) }

// mobileNetV2HalfOS is mobileNetV2Half at output stride os (16 keeps the last stride-2 stage at
// stride 1, as PS-B does) with a last 1×1 convolution of last channels.
func mobileNetV2HalfOS(os, last int) []modelLayer {
	L := []modelLayer{
		layer(3, 128, 16, 3, 2, 1, relu6, false),
		layer(16, 64, 16, 3, 1, 16, relu6, false),
		layer(16, 64, 8, 1, 1, 1, noAct, false),
	}
	in, h := 8, 64
	for _, st := range []struct{ c, n, s int }{{16, 2, 2}, {16, 3, 2}, {32, 4, 2}, {48, 3, 1}, {80, 3, 2}, {160, 1, 1}} {
		for i := 0; i < st.n; i++ {
			s := 1
			if i == 0 && !(os == 16 && st.c == 80) {
				s = st.s
			}
			e := in * 6
			L = append(L, layer(in, h, e, 1, 1, 1, relu6, false),
				layer(e, h, e, 3, s, e, relu6, false))
			h = (h+2-3)/s + 1
			L = append(L, layer(e, h, st.c, 1, 1, 1, noAct, s == 1 && in == st.c))
			in = st.c
		}
	}
	return append(L, layer(in, h, last, 1, 1, 1, relu6, false))
}

// BenchmarkModels runs every convolution of a network in sequence (MiniFASNetV2 at 80², MobileNetV2
// 0.5 at 128², and PS-B's backbone: the same at output stride 16 with a last 1×1 to 384), the kernels' share of one inference, and reports GFLOP/s over the whole.
func BenchmarkModels(b *testing.B, im *kernel.Impl) {
	for _, model := range []struct {
		name   string
		layers []modelLayer
	}{{"minifasnetv2/80", miniFASNetV2()}, {"mobilenetv2-0.5/128", mobileNetV2Half()}, {"psb/128", mobileNetV2HalfOS(16, 384)}} {
		b.Run(model.name, func(b *testing.B) {
			type prepared struct {
				c          *kernel.Conv2D
				x, y, r, w []float32
			}
			r := newRand(9)
			var ops []prepared
			var macs int64
			maxWS := 0
			for _, l := range model.layers {
				cc := conv("", 1, l.c, l.h, l.h, l.m, l.k, l.s, l.p, l.g)
				s := cc.shape()
				c, err := im.NewConv2D(s, uniform(r, s.M*s.C/s.Groups*s.KH*s.KW, -0.1, 0.1), uniform(r, s.M, -0.1, 0.1), l.act)
				if err != nil {
					b.Fatal(err)
				}
				p := prepared{c: c, x: uniform(r, s.C*s.H*s.W, -1, 1), y: make([]float32, s.M*s.OH*s.OW)}
				if l.res {
					p.r = uniform(r, len(p.y), -1, 1)
				}
				ops = append(ops, p)
				macs += s.MACs()
				maxWS = max(maxWS, c.WorkspaceLen())
			}
			ws := make([]float32, maxWS)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for _, p := range ops {
					p.c.Run(p.y, p.x, p.r, ws)
				}
			}
			reportGFLOPs(b, macs)
			b.ReportMetric(float64(macs)/1e6, "MMACs")
		})
	}
}
