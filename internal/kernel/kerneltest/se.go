package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestSE checks the fused squeeze-and-excitation block against kernelref.SE: MiniFASNetV1SE's
// shapes (128 channels reduced to 32 on 10×10 and 5×5 planes), odd sizes, a batch, every
// activation before the gate, both gates, with and without the residual, in place and not.
func TestSE(t *testing.T, im *kernel.Impl) {
	sigmoid := kernel.Activation{Kind: kernel.ActSigmoid}
	hard := kernel.Activation{Kind: kernel.ActHardSigmoid, Alpha: 1.0 / 6, Beta: 0.5}
	for i, sz := range [][4]int{{1, 128, 100, 32}, {1, 128, 25, 32}, {2, 13, 7, 3}, {1, 5, 1, 1}, {3, 9, 17, 4}} {
		n, c, hw, cr := sz[0], sz[1], sz[2], sz[3]
		r := newRand(uint64(i) + 1500)
		for j, act := range fusedActs(r, cr) {
			gate := sigmoid
			if j%2 == 1 {
				gate = hard
			}
			for _, withRes := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dx%dx%d/cr%d/%s/%s/res=%v", n, c, hw, cr, actName(act), actName(gate), withRes), func(t *testing.T) {
					x := uniform(r, n*c*hw, -2, 2)
					w1, w2 := uniform(r, cr*c, -1, 1), uniform(r, c*cr, -1, 1)
					scaleWeights(w1, c)
					scaleWeights(w2, cr)
					b1, b2 := uniform(r, cr, -0.5, 0.5), uniform(r, c, -0.5, 0.5)
					if j%3 == 2 {
						b1, b2 = nil, nil
					}
					var res []float32
					if withRes {
						res = uniform(r, n*c*hw, -1, 1)
					}
					want := make([]float32, n*c*hw)
					kernelref.SE(want, x, res, n, c, hw, cr, w1, b1, act, w2, b2, gate)
					p, err := im.NewSE(n, c, hw, cr, w1, b1, act, w2, b2, gate)
					if err != nil {
						t.Fatal(err)
					}
					ws := nans(p.WorkspaceLen())
					y := nans(len(want))
					p.Run(y, x, res, ws)
					compare(t, y, want)
					in := append([]float32(nil), x...)
					p.Run(in, in, res, ws) // in place
					compare(t, in, want)
					if withRes {
						out := append([]float32(nil), res...)
						p.Run(out, x, out, ws) // the residual is the output
						compare(t, out, want)
					}
				})
			}
		}
	}
	if _, err := im.NewSE(1, 4, 9, 2, make([]float32, 7), nil, kernel.Activation{}, make([]float32, 8), nil, sigmoid); err == nil {
		t.Error("NewSE took weights of the wrong length")
	}
}
