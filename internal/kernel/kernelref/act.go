package kernelref

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

// Act computes one activation value for channel c, in float64, straight from the ONNX operator
// definitions.
func Act(a kernel.Activation, v float64, c int) float64 {
	switch a.Kind {
	case kernel.ActNone:
		return v
	case kernel.ActRelu:
		if v < 0 {
			return 0
		}
		return v
	case kernel.ActClip:
		if v < float64(a.Alpha) {
			v = float64(a.Alpha)
		}
		if v > float64(a.Beta) {
			v = float64(a.Beta)
		}
		return v
	case kernel.ActLeakyRelu:
		if v < 0 {
			return float64(a.Alpha) * v
		}
		return v
	case kernel.ActPRelu:
		s := a.Slope[0]
		if len(a.Slope) > 1 {
			s = a.Slope[c]
		}
		if v < 0 {
			return float64(s) * v
		}
		return v
	case kernel.ActSigmoid:
		return 1 / (1 + math.Exp(-v))
	case kernel.ActHardSigmoid:
		return math.Max(0, math.Min(1, float64(a.Alpha)*v+float64(a.Beta)))
	case kernel.ActHardSwish:
		return v * math.Max(0, math.Min(1, v/6+0.5))
	case kernel.ActTanh:
		return math.Tanh(v)
	case kernel.ActExp:
		return math.Exp(v)
	case kernel.ActSqrt:
		return math.Sqrt(v)
	case kernel.ActNeg:
		return -v
	case kernel.ActAbs:
		return math.Abs(v)
	case kernel.ActReciprocal:
		return 1 / v
	}
	panic("kernelref: unknown activation " + a.Kind.String())
}

// Activation computes y = f(x) over data laid out as [outer, channels, inner].
func Activation(y, x []float32, a kernel.Activation, channels, inner int) {
	for i, v := range x {
		c := 0
		if channels > 1 {
			c = (i / inner) % channels
		}
		y[i] = float32(Act(a, float64(v), c))
	}
}
