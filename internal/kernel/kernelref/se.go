package kernelref

import "github.com/bonafide-pad/bonafide/internal/kernel"

// SE is a squeeze-and-excitation block as the ONNX graph spells it: for each image of x [n, c, hw],
// ReduceMean over the plane, a 1×1 Conv (w1 [cr, c], b1) with act, a 1×1 Conv (w2 [c, cr], b2)
// with gate, and Mul with x, plus res when non-nil. b1, b2 may be nil.
func SE(y, x, res []float32, n, c, hw, cr int, w1, b1 []float32, act kernel.Activation, w2, b2 []float32, gate kernel.Activation) {
	pooled, hidden := make([]float64, c), make([]float64, cr)
	for img := 0; img < n; img++ {
		base := img * c * hw
		for ch := range pooled {
			var s float64
			for _, v := range x[base+ch*hw : base+(ch+1)*hw] {
				s += float64(v)
			}
			pooled[ch] = s / float64(hw)
		}
		for j := range hidden {
			var s float64
			if b1 != nil {
				s = float64(b1[j])
			}
			for ch, p := range pooled {
				s += float64(w1[j*c+ch]) * p
			}
			hidden[j] = float64(float32(Act(act, s, j)))
		}
		for ch := 0; ch < c; ch++ {
			var s float64
			if b2 != nil {
				s = float64(b2[ch])
			}
			for j, h := range hidden {
				s += float64(w2[ch*cr+j]) * h
			}
			g := Act(gate, s, ch)
			for i := base + ch*hw; i < base+(ch+1)*hw; i++ {
				v := float64(x[i]) * g
				if res != nil {
					v += float64(res[i])
				}
				y[i] = float32(v)
			}
		}
	}
}
