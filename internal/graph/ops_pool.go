package graph

import (
	"math"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

func init() {
	register("MaxPool", 1, func(c *nodeCtx) error { return buildPool(c, true) })
	register("AveragePool", 1, func(c *nodeCtx) error { return buildPool(c, false) })
	register("GlobalAveragePool", 1, func(c *nodeCtx) error { return buildGlobalPool(c, false) })
	register("GlobalMaxPool", 1, func(c *nodeCtx) error { return buildGlobalPool(c, true) })
	register("Resize", 10, buildResize)
	register("Upsample", 7, buildUpsample)
}

type poolStep struct {
	stepBase
	maxPool, includePad bool
	shape               kernel.PoolShape
}

func (s *poolStep) prepare() error { return s.shape.Validate() }

func (s *poolStep) run(ss *Runner) {
	if s.maxPool {
		kernel.MaxPool2D(ss.buf(s.out[0]), ss.buf(s.in[0]), s.shape)
	} else {
		kernel.AvgPool2D(ss.buf(s.out[0]), ss.buf(s.in[0]), s.shape, s.includePad)
	}
}

func buildPool(c *nodeCtx, maxPool bool) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	rank := len(x.Shape)
	if rank != 3 && rank != 4 {
		return c.unsupported("only 1-D and 2-D pooling is supported; input has shape %v", x.Shape)
	}
	nsp := rank - 2
	if _, ok := c.n.Attrs["kernel_shape"]; !ok {
		return c.attrErr("kernel_shape", "is required")
	}
	sp, err := c.spatialAttrs(nsp, nil)
	if err != nil {
		return err
	}
	ceil, err := c.intAttr("ceil_mode", 0)
	if err != nil {
		return err
	}
	includePad, err := c.intAttr("count_include_pad", 0)
	if err != nil {
		return err
	}
	if so, err := c.intAttr("storage_order", 0); err != nil || so != 0 {
		if err != nil {
			return err
		}
		// storage_order only changes the Indices output, which is not supported anyway.
	}
	if !maxPool {
		for _, d := range sp.dilations {
			if d != 1 {
				return c.unsupported("AveragePool dilations %v", sp.dilations)
			}
		}
	}
	s := kernel.PoolShape{N: x.Shape[0], C: x.Shape[1], H: 1, W: x.Shape[rank-1], OH: 1,
		KH: 1, KW: sp.kernel[nsp-1], SH: 1, SW: sp.strides[nsp-1], DH: 1, DW: sp.dilations[nsp-1]}
	if s.OW, s.PL, s.PR, err = c.outputSize(sp, nsp-1, s.W, ceil != 0); err != nil {
		return err
	}
	if nsp == 2 {
		s.H, s.KH, s.SH, s.DH = x.Shape[2], sp.kernel[0], sp.strides[0], sp.dilations[0]
		if s.OH, s.PT, s.PB, err = c.outputSize(sp, 0, s.H, ceil != 0); err != nil {
			return err
		}
	}
	if err := s.Validate(); err != nil {
		return c.shapeErr("%v", err)
	}
	shape := []int{s.N, s.C, s.OW}
	if nsp == 2 {
		shape = []int{s.N, s.C, s.OH, s.OW}
	}
	y := c.newOutput(0, shape)
	st := &poolStep{stepBase: newBase(c, y, x), maxPool: maxPool, includePad: includePad != 0, shape: s}
	return c.finishStep(st)
}

type globalPoolStep struct {
	stepBase
	maxPool bool
	nc, hw  int
}

func (s *globalPoolStep) run(ss *Runner) {
	if s.maxPool {
		kernel.GlobalMaxPool(ss.buf(s.out[0]), ss.buf(s.in[0]), s.nc, s.hw)
	} else {
		kernel.GlobalAvgPool(ss.buf(s.out[0]), ss.buf(s.in[0]), s.nc, s.hw)
	}
}

func buildGlobalPool(c *nodeCtx, maxPool bool) error {
	if err := c.needInputs(1, 1); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	if len(x.Shape) < 3 {
		return c.shapeErr("input shape %v has no spatial axes", x.Shape)
	}
	shape := append([]int(nil), x.Shape...)
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	y := c.newOutput(0, shape)
	st := &globalPoolStep{stepBase: newBase(c, y, x), maxPool: maxPool,
		nc: x.Shape[0] * x.Shape[1], hw: numElements(x.Shape[2:])}
	if st.hw == 0 {
		return c.shapeErr("input shape %v has an empty spatial axis", x.Shape)
	}
	return c.finishStep(st)
}

type resizeStep struct {
	stepBase
	k *kernel.Resize2D
}

func (s *resizeStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0])) }

// resizeSpec is what Resize and Upsample resolve their inputs and attributes to.
type resizeSpec struct {
	scales  []float32 // per axis, when given as scales
	sizes   []int     // per axis, when given as sizes
	mode    kernel.ResizeMode
	coord   kernel.CoordMode
	nearest kernel.NearestMode
	simple  bool // opset < 11 nearest rounding: floor when enlarging, ceil when shrinking
}

func buildResize(c *nodeCtx) error {
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	var spec resizeSpec
	modeName, err := c.stringAttr("mode", "nearest")
	if err != nil {
		return err
	}
	switch modeName {
	case "nearest":
		spec.mode = kernel.ResizeNearest
	case "linear", "bilinear":
		spec.mode = kernel.ResizeLinear
	default:
		return c.unsupported("mode %q", modeName)
	}
	if aa, err := c.intAttr("antialias", 0); err != nil || aa != 0 {
		if err != nil {
			return err
		}
		return c.unsupported("antialias=1")
	}
	if c.opset < 11 {
		if err := c.needInputs(2, 2); err != nil {
			return err
		}
		t, err := c.constInput(1, "scales")
		if err != nil {
			return err
		}
		spec.scales, spec.coord, spec.simple = t.Floats(), kernel.CoordAsymmetric, true
		return emitResize(c, x, spec)
	}
	if err := c.needInputs(1, 4); err != nil {
		return err
	}
	if c.opset < 13 && (c.input(1) == nil || (c.input(2) == nil && c.input(3) == nil)) {
		return c.shapeErr("needs roi and scales (or sizes) inputs before opset 13")
	}
	coordName, err := c.stringAttr("coordinate_transformation_mode", "half_pixel")
	if err != nil {
		return err
	}
	switch coordName {
	case "half_pixel":
		spec.coord = kernel.CoordHalfPixel
	case "pytorch_half_pixel":
		spec.coord = kernel.CoordPytorchHalfPixel
	case "align_corners":
		spec.coord = kernel.CoordAlignCorners
	case "asymmetric":
		spec.coord = kernel.CoordAsymmetric
	case "tf_half_pixel_for_nn":
		spec.coord = kernel.CoordTFHalfPixelForNN
	default:
		return c.unsupported("coordinate_transformation_mode %q", coordName)
	}
	nm, err := c.stringAttr("nearest_mode", "round_prefer_floor")
	if err != nil {
		return err
	}
	switch nm {
	case "round_prefer_floor":
		spec.nearest = kernel.NearestRoundPreferFloor
	case "round_prefer_ceil":
		spec.nearest = kernel.NearestRoundPreferCeil
	case "floor":
		spec.nearest = kernel.NearestFloor
	case "ceil":
		spec.nearest = kernel.NearestCeil
	default:
		return c.unsupported("nearest_mode %q", nm)
	}
	if _, err := c.constInput(1, "roi"); err != nil {
		return err
	}
	st, err := c.constInput(2, "scales")
	if err != nil {
		return err
	}
	sz, err := c.constInput(3, "sizes")
	if err != nil {
		return err
	}
	if st != nil && st.Len() > 0 {
		spec.scales = st.Floats()
	}
	if sz != nil && sz.Len() > 0 {
		if spec.scales != nil {
			return c.shapeErr("has both scales and sizes")
		}
		for _, v := range sz.Ints() {
			if v <= 0 || v > math.MaxInt32 {
				return c.shapeErr("bad size %d in %v", v, sz.Ints())
			}
			spec.sizes = append(spec.sizes, int(v))
		}
	}
	if spec.scales == nil && spec.sizes == nil {
		return c.shapeErr("needs scales or sizes")
	}
	return emitResize(c, x, spec)
}

func buildUpsample(c *nodeCtx) error {
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	spec := resizeSpec{coord: kernel.CoordAsymmetric, simple: true}
	modeName, err := c.stringAttr("mode", "nearest")
	if err != nil {
		return err
	}
	switch modeName {
	case "nearest":
		spec.mode = kernel.ResizeNearest
	case "linear", "bilinear":
		spec.mode = kernel.ResizeLinear
	default:
		return c.unsupported("mode %q", modeName)
	}
	if c.opset < 9 {
		if spec.scales, err = c.floatsAttr("scales"); err != nil {
			return err
		}
		if spec.scales == nil {
			return c.attrErr("scales", "is required")
		}
	} else {
		if err := c.needInputs(2, 2); err != nil {
			return err
		}
		t, err := c.constInput(1, "scales")
		if err != nil {
			return err
		}
		spec.scales = t.Floats()
	}
	return emitResize(c, x, spec)
}

func emitResize(c *nodeCtx, x *Value, spec resizeSpec) error {
	rank := len(x.Shape)
	if rank != 4 {
		return c.unsupported("only 4-D (NCHW) resizing is supported; input has shape %v", x.Shape)
	}
	out := make([]int, rank)
	scales := make([]float32, rank)
	switch {
	case spec.scales != nil:
		if len(spec.scales) != rank {
			return c.shapeErr("scales %v do not match rank %d", spec.scales, rank)
		}
		for i, s := range spec.scales {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return c.shapeErr("bad scale %v", s)
			}
			scales[i] = s
			out[i] = int(float32(x.Shape[i]) * s)
			if out[i] <= 0 || out[i] > limits.MaxElements {
				return c.shapeErr("scale %v gives output size %d on axis %d", s, out[i], i)
			}
		}
	default:
		if len(spec.sizes) != rank {
			return c.shapeErr("sizes %v do not match rank %d", spec.sizes, rank)
		}
		for i, s := range spec.sizes {
			out[i] = s
			scales[i] = float32(s) / float32(x.Shape[i])
		}
	}
	if out[0] != x.Shape[0] || out[1] != x.Shape[1] {
		return c.unsupported("resizing the batch or channel axis (output %v from %v)", out, x.Shape)
	}
	if err := checkShape(c.outName(0), out); err != nil {
		return err
	}
	nearest := spec.nearest
	if spec.simple && spec.mode == kernel.ResizeNearest {
		downH, downW := scales[2] < 1, scales[3] < 1
		if downH != downW {
			return c.unsupported("nearest resize that enlarges one axis and shrinks the other before opset 11")
		}
		nearest = kernel.NearestFloor
		if downH {
			nearest = kernel.NearestCeil
		}
	}
	k, err := kernel.NewResize2D(x.Shape[0]*x.Shape[1], x.Shape[2], x.Shape[3], out[2], out[3],
		scales[2], scales[3], spec.mode, spec.coord, nearest)
	if err != nil {
		return c.shapeErr("%v", err)
	}
	y := c.newOutput(0, out)
	return c.finishStep(&resizeStep{stepBase: newBase(c, y, x), k: k})
}
