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

// fusedAct is how an operator's epilogue applies its activation: Relu and Clip clamp inside the GEMM
// tile, LeakyRelu and PRelu scale negatives there by a per-channel slope (leaky); every other kind
// runs on finished rows (post).
type fusedAct struct {
	clamp  bool
	lo, hi float32
	leaky  bool
	post   bool
}

func fuseAct(a Activation) fusedAct {
	switch a.Kind {
	case ActNone:
		return fusedAct{}
	case ActRelu:
		return fusedAct{clamp: true, lo: 0, hi: float32(math.Inf(1))}
	case ActClip:
		return fusedAct{clamp: true, lo: a.Alpha, hi: a.Beta}
	case ActLeakyRelu, ActPRelu:
		return fusedAct{leaky: true}
	}
	return fusedAct{post: true}
}

// channelSlope is the negative slope a fused LeakyRelu or PRelu applies to channel c.
func (a Activation) channelSlope(c int) float32 {
	switch {
	case a.Kind == ActLeakyRelu:
		return a.Alpha
	case len(a.Slope) > 1:
		return a.Slope[c]
	}
	return a.Slope[0]
}

// Apply computes y = f(x) elementwise with the Default implementation; y and x may be the same
// slice. Data is laid out as [outer, channels, inner] for PRelu's per-channel slope; other kinds
// ignore the layout, and callers without channels pass channels = 1, inner = len(x).
func (a Activation) Apply(y, x []float32, channels, inner int) {
	Default.Apply(a, y, x, channels, inner)
}

// Apply is Activation.Apply on im.
func (im *Impl) Apply(a Activation, y, x []float32, channels, inner int) {
	n := len(x)
	mustLen("Activation", "y", y, n)
	y = y[:n]
	if n == 0 {
		return
	}
	if a.Kind == ActPRelu && len(a.Slope) > 1 && channels > 1 {
		for base := 0; base < n; base += channels * inner {
			for c := 0; c < channels; c++ {
				off := base + c*inner
				im.leaky(y[off:off+inner], x[off:off+inner], a.Slope[c])
			}
		}
		return
	}
	a.apply(im, y, x)
}

// apply computes y = f(x) with PRelu's first slope for every element.
func (a Activation) apply(im *Impl, y, x []float32) {
	switch a.Kind {
	case ActNone:
		if &y[0] != &x[0] {
			copy(y, x)
		}
	case ActRelu:
		im.clamp(y, x, 0, float32(math.Inf(1)))
	case ActClip:
		im.clamp(y, x, a.Alpha, a.Beta)
	case ActLeakyRelu:
		im.leaky(y, x, a.Alpha)
	case ActPRelu:
		im.leaky(y, x, a.Slope[0])
	case ActSigmoid:
		for i, v := range x {
			y[i] = sigmoid(v)
		}
	case ActHardSigmoid:
		im.hardSigmoid(y, x, a.Alpha, a.Beta)
	case ActHardSwish:
		im.hardSwish(y, x)
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

// applyChannel applies the activation in place to one channel's contiguous run, the form conv
// epilogues need.
func (a Activation) applyChannel(im *Impl, y []float32, c int) {
	if len(y) == 0 {
		return
	}
	if a.Kind == ActPRelu && len(a.Slope) > 1 {
		im.leaky(y, y, a.Slope[c])
		return
	}
	a.apply(im, y, y)
}

// applyColumns applies the activation in place to one row of a matrix whose PRelu slopes run along
// the columns (MatMul's output).
func (a Activation) applyColumns(im *Impl, row []float32) {
	if len(row) == 0 {
		return
	}
	if a.Kind == ActPRelu && len(a.Slope) > 1 {
		s := a.Slope[:len(row)]
		for j, v := range row {
			if v < 0 {
				row[j] = v * s[j]
			}
		}
		return
	}
	a.apply(im, row, row)
}

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}
