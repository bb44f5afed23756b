package kerneltest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// ortGoldens are outputs of onnxruntime-node for small models; testdata/ort/README.md says how they
// were made.
//
//go:embed testdata/ort_goldens.json
var ortGoldens []byte

type goldenTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

type goldenCase struct {
	Name   string                  `json:"name"`
	Op     string                  `json:"op"`
	Params map[string]any          `json:"params"`
	Inputs map[string]goldenTensor `json:"inputs"`
	Output goldenTensor            `json:"output"`
}

func (c *goldenCase) int(key string) int    { return int(c.Params[key].(float64)) }
func (c *goldenCase) str(key string) string { s, _ := c.Params[key].(string); return s }
func (c *goldenCase) f32(key string) float32 {
	v, _ := c.Params[key].(float64)
	return float32(v)
}
func (c *goldenCase) ints(key string) []int {
	var out []int
	for _, v := range c.Params[key].([]any) {
		out = append(out, int(v.(float64)))
	}
	return out
}

// TestGoldens checks kernelref and the kernels against onnxruntime on the cases of
// testdata/ort_goldens.json: Conv, ConvTranspose, MaxPool, AveragePool, Resize, Pad, Softmax,
// reductions and activations, with the attributes whose semantics are easy to get wrong.
func TestGoldens(t *testing.T, im *kernel.Impl) {
	var file struct {
		Meta  map[string]string `json:"meta"`
		Cases []goldenCase      `json:"cases"`
	}
	if err := json.Unmarshal(ortGoldens, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no golden cases")
	}
	for i := range file.Cases {
		c := &file.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			want := c.Output.Data
			n := len(want)
			ref, got := nans(n), nans(n)
			if err := runGolden(im, c, ref, got); err != nil {
				t.Fatal(err)
			}
			t.Run("kernelref", func(t *testing.T) { compare(t, ref, want) })
			t.Run("kernel", func(t *testing.T) { compare(t, got, want) })
		})
	}
}

// runGolden computes a case with kernelref into ref and with the kernels into got.
func runGolden(im *kernel.Impl, c *goldenCase, ref, got []float32) error {
	x := c.Inputs["x"].Data
	out := c.Output.Shape
	switch c.Op {
	case "Conv":
		s := kernel.ConvShape{N: c.int("N"), C: c.int("C"), H: c.int("H"), W: c.int("W"), M: c.int("M"),
			OH: out[2], OW: out[3], KH: c.int("KH"), KW: c.int("KW"), SH: c.int("SH"), SW: c.int("SW"),
			DH: c.int("DH"), DW: c.int("DW"), PT: c.int("PT"), PL: c.int("PL"), Groups: c.int("Groups")}
		var bias []float32
		if b, ok := c.Inputs["b"]; ok {
			bias = b.Data
		}
		w := c.Inputs["w"].Data
		kernelref.Conv2D(ref, x, w, bias, nil, s, kernel.Activation{})
		op, err := im.NewConv2D(s, w, bias, kernel.Activation{})
		if err != nil {
			return err
		}
		op.Run(got, x, nil, make([]float32, op.WorkspaceLen()))
	case "ConvTranspose":
		s := kernel.ConvTransposeShape{N: c.int("N"), C: c.int("C"), H: c.int("H"), W: c.int("W"), M: c.int("M"),
			OH: out[2], OW: out[3], KH: c.int("KH"), KW: c.int("KW"), SH: c.int("SH"), SW: c.int("SW"),
			DH: c.int("DH"), DW: c.int("DW"), PT: c.int("PT"), PL: c.int("PL"), Groups: c.int("Groups")}
		w, bias := c.Inputs["w"].Data, c.Inputs["b"].Data
		kernelref.ConvTranspose2D(ref, x, w, bias, s, kernel.Activation{})
		op, err := im.NewConvTranspose2D(s, w, bias, kernel.Activation{})
		if err != nil {
			return err
		}
		op.Run(got, x, make([]float32, op.WorkspaceLen()))
	case "MaxPool", "AveragePool":
		s := kernel.PoolShape{N: c.int("N"), C: c.int("C"), H: c.int("H"), W: c.int("W"), OH: out[2], OW: out[3],
			KH: c.int("KH"), KW: c.int("KW"), SH: c.int("SH"), SW: c.int("SW"), DH: c.int("DH"), DW: c.int("DW"),
			PT: c.int("PT"), PL: c.int("PL"), PB: c.int("PB"), PR: c.int("PR")}
		if err := s.Validate(); err != nil {
			return err
		}
		if c.Op == "MaxPool" {
			kernelref.MaxPool2D(ref, x, s)
			im.MaxPool2D(got, x, s)
		} else {
			cip := c.Params["CountIncludePad"].(bool)
			kernelref.AvgPool2D(ref, x, s, cip)
			im.AvgPool2D(got, x, s, cip)
		}
	case "Resize":
		mode := map[string]kernel.ResizeMode{"nearest": kernel.ResizeNearest, "linear": kernel.ResizeLinear}[c.str("Mode")]
		coord, ok := map[string]kernel.CoordMode{"half_pixel": kernel.CoordHalfPixel, "pytorch_half_pixel": kernel.CoordPytorchHalfPixel,
			"align_corners": kernel.CoordAlignCorners, "asymmetric": kernel.CoordAsymmetric,
			"tf_half_pixel_for_nn": kernel.CoordTFHalfPixelForNN}[c.str("Coord")]
		if !ok {
			return fmt.Errorf("unknown coordinate mode %q", c.str("Coord"))
		}
		nm := map[string]kernel.NearestMode{"round_prefer_floor": kernel.NearestRoundPreferFloor,
			"round_prefer_ceil": kernel.NearestRoundPreferCeil, "floor": kernel.NearestFloor, "ceil": kernel.NearestCeil}[c.str("Nearest")]
		p, ih, iw, oh, ow := c.int("Planes"), c.int("IH"), c.int("IW"), c.int("OH"), c.int("OW")
		sh, sw := c.f32("ScaleH"), c.f32("ScaleW")
		kernelref.Resize2D(ref, x, p, ih, iw, oh, ow, sh, sw, mode, coord, nm)
		r, err := kernel.NewResize2D(p, ih, iw, oh, ow, sh, sw, mode, coord, nm)
		if err != nil {
			return err
		}
		r.Run(got, x)
	case "Pad":
		mode := map[string]kernel.PadMode{"constant": kernel.PadConstant, "reflect": kernel.PadReflect, "edge": kernel.PadEdge}[c.str("Mode")]
		shape, begin, end, v := c.ints("Shape"), c.ints("Begin"), c.ints("End"), c.f32("Value")
		kernelref.Pad(ref, x, shape, begin, end, mode, v)
		p, _, err := kernel.NewPad(shape, begin, end, mode, v)
		if err != nil {
			return err
		}
		p.Run(got, x)
	case "Softmax":
		kernelref.Softmax(ref, x, c.int("Outer"), c.int("N"), c.int("Inner"))
		kernel.Softmax(got, x, c.int("Outer"), c.int("N"), c.int("Inner"))
	case "ReduceMean", "ReduceMax", "ReduceSum":
		op := map[string]kernel.ReduceOp{"ReduceMean": kernel.ReduceMean, "ReduceMax": kernel.ReduceMax, "ReduceSum": kernel.ReduceSum}[c.Op]
		shape, axes := c.ints("Shape"), c.ints("Axes")
		kernelref.Reduce(ref, x, shape, axes, op)
		r, _, err := kernel.NewReduce(shape, axes, op)
		if err != nil {
			return err
		}
		r.Run(got, x)
	case "HardSwish", "HardSigmoid", "LeakyRelu", "PRelu":
		a := kernel.Activation{Alpha: c.f32("Alpha"), Beta: c.f32("Beta")}
		a.Kind = map[string]kernel.Act{"HardSwish": kernel.ActHardSwish, "HardSigmoid": kernel.ActHardSigmoid,
			"LeakyRelu": kernel.ActLeakyRelu, "PRelu": kernel.ActPRelu}[c.Op]
		if s, ok := c.Inputs["slope"]; ok {
			a.Slope = s.Data
		}
		shape := c.Inputs["x"].Shape
		channels, inner := shape[1], shape[2]*shape[3]
		kernelref.Activation(ref, x, a, channels, inner)
		im.Apply(a, got, x, channels, inner)
	default:
		return fmt.Errorf("no runner for op %s", c.Op)
	}
	return nil
}
