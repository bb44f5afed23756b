package kerneltest

import (
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// TestAllocs checks that no Run method or free kernel allocates: the engine promises zero heap
// allocations per inference after the first.
func TestAllocs(t *testing.T, im *kernel.Impl) {
	r := newRand(42)
	relu := kernel.Activation{Kind: kernel.ActRelu}
	for _, cc := range []convCase{
		conv("1x1", 1, 16, 9, 9, 24, 1, 1, 0, 1),
		conv("3x3", 1, 8, 11, 11, 12, 3, 2, 1, 1),
		conv("grouped", 1, 8, 9, 9, 12, 3, 1, 1, 4),
		conv("depthwise", 1, 24, 9, 10, 24, 3, 1, 1, 24),
		conv("depthwise-s2", 1, 24, 9, 10, 24, 3, 2, 1, 24),
		conv("depthwise-5x5", 1, 8, 9, 10, 8, 5, 1, 2, 8),
		conv("depthwise-10x10", 1, 8, 10, 10, 8, 3, 1, 1, 8),
		conv("depthwise-s2-same", 1, 8, 16, 16, 8, 3, 2, 0, 8).with(func(c *convCase) { c.pb, c.pr = 1, 1 }),
		conv("depthwise-gdc", 1, 8, 5, 5, 8, 5, 1, 0, 8),
		conv("5x5-s2-stem", 1, 3, 16, 16, 8, 5, 2, 2, 1),
	} {
		s := cc.shape()
		for _, act := range fusedActs(r, s.M) {
			c, err := im.NewConv2D(s, uniform(r, s.M*s.C/s.Groups*s.KH*s.KW, -1, 1), uniform(r, s.M, -1, 1), act)
			if err != nil {
				t.Fatal(err)
			}
			x := uniform(r, s.N*s.C*s.H*s.W, -1, 1)
			y := make([]float32, s.N*s.M*s.OH*s.OW)
			res := uniform(r, len(y), -1, 1)
			ws := make([]float32, c.WorkspaceLen())
			checkAllocs(t, "Conv2D/"+cc.name+"/"+actName(act), func() { c.Run(y, x, res, ws) })
		}
	}

	cts := ct("", 1, 8, 5, 7, 4, 3, 2, 1, 1).shape()
	ctOp, err := im.NewConvTranspose2D(cts, uniform(r, 8*4*9, -1, 1), uniform(r, 4, -1, 1), relu)
	if err != nil {
		t.Fatal(err)
	}
	ctX, ctY, ctWS := uniform(r, 8*5*7, -1, 1), make([]float32, 4*cts.OH*cts.OW), make([]float32, ctOp.WorkspaceLen())
	checkAllocs(t, "ConvTranspose2D", func() { ctOp.Run(ctY, ctX, ctWS) })

	a, b := uniform(r, 5*64, -1, 1), uniform(r, 64*33, -1, 1)
	c := make([]float32, 5*33)
	for _, constB := range []bool{true, false} {
		var cb, rb []float32
		if constB {
			cb = b
		} else {
			rb = b
		}
		mm, err := im.NewMatMul(5, 33, 64, cb, uniform(r, 33, -1, 1), relu)
		if err != nil {
			t.Fatal(err)
		}
		ws := make([]float32, mm.WorkspaceLen())
		checkAllocs(t, "MatMul", func() { mm.Run(c, a, rb, ws) })
	}
	checkAllocs(t, "Gemm", func() { im.Gemm(5, 33, 64, a, 64, b, 33, c, 33, false) })

	ps := pool("", 4, 13, 13, 3, 2, 1, true).shape()
	px, py := uniform(r, 4*13*13, -1, 1), make([]float32, 4*ps.OH*ps.OW)
	checkAllocs(t, "MaxPool2D", func() { im.MaxPool2D(py, px, ps) })
	checkAllocs(t, "AvgPool2D", func() { im.AvgPool2D(py, px, ps, true) })
	checkAllocs(t, "GlobalAvgPool", func() { kernel.GlobalAvgPool(py, px, 4, 13*13) })
	checkAllocs(t, "GlobalMaxPool", func() { kernel.GlobalMaxPool(py, px, 4, 13*13) })

	for _, mode := range []kernel.ResizeMode{kernel.ResizeNearest, kernel.ResizeLinear} {
		rs, err := kernel.NewResize2D(4, 13, 13, 26, 26, 2, 2, mode, kernel.CoordHalfPixel, kernel.NearestRoundPreferFloor)
		if err != nil {
			t.Fatal(err)
		}
		ry := make([]float32, 4*26*26)
		checkAllocs(t, "Resize2D", func() { rs.Run(ry, px) })
	}

	for _, bc := range broadcastCases {
		p, out, err := im.NewBroadcast(bc.as, bc.bs)
		if err != nil {
			t.Fatal(err)
		}
		ba, bb, by := uniform(r, prod(bc.as), 0.5, 1), uniform(r, prod(bc.bs), 0.5, 1), make([]float32, prod(out))
		for _, op := range []kernel.BinaryOp{kernel.OpAdd, kernel.OpMul, kernel.OpPow, kernel.OpPRelu} {
			checkAllocs(t, "Broadcast/"+bc.name+"/"+op.String(), func() { p.Run(op, by, ba, bb) })
		}
	}
	ax, ay := uniform(r, 3*5*37, -1, 1), make([]float32, 3*5*37)
	for _, act := range append(fusedActs(r, 5), kernel.Activation{Kind: kernel.ActExp}) {
		checkAllocs(t, "Activation/"+actName(act), func() { im.Apply(act, ay, ax, 5, 37) })
	}

	shape := []int{1, 5, 6, 8}
	mx, my := uniform(r, prod(shape), -1, 1), make([]float32, 4*prod(shape))
	tr, _, err := kernel.NewTranspose(shape, []int{0, 2, 3, 1})
	if err != nil {
		t.Fatal(err)
	}
	checkAllocs(t, "Transpose", func() { tr.Run(my, mx) })
	sl, err := kernel.NewSlice(shape, []int{0, 1, 0, 1}, []int{1, 2, 1, 2}, []int{1, 2, 6, 4})
	if err != nil {
		t.Fatal(err)
	}
	checkAllocs(t, "Slice", func() { sl.Run(my, mx) })
	pd, _, err := kernel.NewPad(shape, []int{0, 0, 1, 1}, []int{0, 0, 1, 1}, kernel.PadReflect, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkAllocs(t, "Pad", func() { pd.Run(my, mx) })
	idx := []int{2, 0}
	checkAllocs(t, "Gather", func() { kernel.Gather(my, mx, 1, 5, 48, idx) })
	xs, chunks := [][]float32{mx[:48], mx[48:96]}, []int{24, 24}
	checkAllocs(t, "Concat", func() { kernel.Concat(my, xs, 2, chunks) })
	rd, _, err := kernel.NewReduce(shape, []int{2, 3}, kernel.ReduceMean)
	if err != nil {
		t.Fatal(err)
	}
	checkAllocs(t, "Reduce", func() { rd.Run(my, mx) })
	checkAllocs(t, "Softmax", func() { kernel.Softmax(my, mx, 1, 5, 48) })
	scale, shift := uniform(r, 5, -1, 1), uniform(r, 5, -1, 1)
	se, err := im.NewSE(1, 16, 25, 4, uniform(r, 64, -1, 1), uniform(r, 4, -1, 1), relu, uniform(r, 64, -1, 1), nil, kernel.Activation{Kind: kernel.ActSigmoid})
	if err != nil {
		t.Fatal(err)
	}
	seX, seY, seWS := uniform(r, 16*25, -1, 1), make([]float32, 16*25), make([]float32, se.WorkspaceLen())
	checkAllocs(t, "SE", func() { se.Run(seY, seX, seX, seWS) })
	checkAllocs(t, "ScaleShift", func() { im.ScaleShift(my, mx, 1, 5, 48, scale, shift) })
}

func checkAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(5, f); n != 0 {
		t.Errorf("%s: %v allocations per run, want 0", name, n)
	}
}
