package kernel

import "math"

// Act names an elementwise function. The activations among them can be fused into the epilogue of
// Conv2D, ConvTranspose2D and MatMul; the others (Exp, Sqrt, ...) only run through Apply.
type Act uint8

const (
	ActNone        Act = iota // identity
	ActRelu                   // max(x, 0)
	ActClip                   // min(max(x, Alpha), Beta)
	ActLeakyRelu              // x < 0 ? Alpha*x : x
	ActPRelu                  // x < 0 ? Slope[c]*x : x, one slope per channel (or one for all)
	ActSigmoid                // 1/(1+exp(-x))
	ActHardSigmoid            // max(0, min(1, Alpha*x+Beta))
	ActHardSwish              // x * max(0, min(1, x/6+1/2))
	ActTanh                   // tanh(x)
	ActExp                    // exp(x)
	ActSqrt                   // sqrt(x)
	ActNeg                    // -x
	ActAbs                    // |x|
	ActReciprocal             // 1/x
)

var actNames = [...]string{"None", "Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid",
	"HardSwish", "Tanh", "Exp", "Sqrt", "Neg", "Abs", "Reciprocal"}

func (a Act) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return "Act(?)"
}

// Activation is an elementwise function with its parameters.
type Activation struct {
	Kind  Act
	Alpha float32
	Beta  float32
	// Slope holds PRelu's per-channel slopes; a single element applies to every channel.
	Slope []float32
}

// IsNone reports whether the activation is the identity.
func (a Activation) IsNone() bool { return a.Kind == ActNone }

// Apply computes y = f(x) elementwise; y and x may be the same slice. Data is laid out as
// [outer, channels, inner] for PRelu's per-channel slope; other kinds ignore the layout, and callers
// without channels pass channels = 1, inner = len(x).
func (a Activation) Apply(y, x []float32, channels, inner int) {
	n := len(x)
	mustLen("Activation", "y", y, n)
	y = y[:n]
	switch a.Kind {
	case ActNone:
		if &y[0] != &x[0] {
			copy(y, x)
		}
	case ActRelu:
		reluF32(y, x)
	case ActClip:
		clipF32(y, x, a.Alpha, a.Beta)
	case ActLeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= a.Alpha
			}
			y[i] = v
		}
	case ActPRelu:
		if len(a.Slope) == 1 || channels <= 1 {
			s := a.Slope[0]
			for i, v := range x {
				if v < 0 {
					v *= s
				}
				y[i] = v
			}
			return
		}
		for base := 0; base < n; base += channels * inner {
			for c := 0; c < channels; c++ {
				s := a.Slope[c]
				off := base + c*inner
				xs, ys := x[off:off+inner], y[off:off+inner]
				for i, v := range xs {
					if v < 0 {
						v *= s
					}
					ys[i] = v
				}
			}
		}
	case ActSigmoid:
		for i, v := range x {
			y[i] = sigmoid(v)
		}
	case ActHardSigmoid:
		for i, v := range x {
			y[i] = min(max(a.Alpha*v+a.Beta, 0), 1)
		}
	case ActHardSwish:
		for i, v := range x {
			y[i] = v * min(max(v*(1.0/6)+0.5, 0), 1)
		}
	case ActTanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case ActExp:
		for i, v := range x {
			y[i] = float32(math.Exp(float64(v)))
		}
	case ActSqrt:
		for i, v := range x {
			y[i] = float32(math.Sqrt(float64(v)))
		}
	case ActNeg:
		for i, v := range x {
			y[i] = -v
		}
	case ActAbs:
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
	case ActReciprocal:
		for i, v := range x {
			y[i] = 1 / v
		}
	default:
		panic("kernel: unknown activation " + a.Kind.String())
	}
}

// applyChannel applies the activation to one channel's contiguous run, the form conv and GEMM
// epilogues need.
func (a Activation) applyChannel(y []float32, c int) {
	if a.Kind == ActPRelu {
		s := a.Slope[0]
		if len(a.Slope) > 1 {
			s = a.Slope[c]
		}
		for i, v := range y {
			if v < 0 {
				y[i] = v * s
			}
		}
		return
	}
	a.Apply(y, y, 1, len(y))
}

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

func reluF32(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

func clipF32(y, x []float32, lo, hi float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = min(max(v, lo), hi)
	}
}
