package graph

import (
	"fmt"
	"strings"

	"github.com/bonafide-pad/bonafide/internal/kernel"
)

func init() {
	register("Conv", 1, buildConv)
	register("ConvTranspose", 1, buildConvTranspose)
}

// spatial gathers the per-axis attributes shared by Conv, ConvTranspose and the pools.
type spatial struct {
	kernel, strides, dilations []int
	begin, end                 []int // pads
	autoPad                    string
}

func (c *nodeCtx) spatialAttrs(nsp int, kernelFromWeights []int) (spatial, error) {
	var sp spatial
	var err error
	// Every list below is a window of buf: one allocation per node, not five (a graph of
	// MaxNodes convolutions must load within the hostile-model budget in a browser).
	buf := make([]int, 0, 5*nsp)
	// filled appends n copies of v to buf: the default of an absent list.
	filled := func(n, v int) []int {
		start := len(buf)
		for range n {
			buf = append(buf, v)
		}
		return buf[start:len(buf):len(buf)]
	}
	if sp.kernel, buf, err = c.appendIntsAttr(buf, "kernel_shape"); err != nil {
		return sp, err
	}
	if sp.kernel == nil {
		sp.kernel = kernelFromWeights
	}
	if len(sp.kernel) != nsp {
		return sp, c.attrErr("kernel_shape", "has %d values for %d spatial axes", len(sp.kernel), nsp)
	}
	if kernelFromWeights != nil {
		for i := range sp.kernel {
			if sp.kernel[i] != kernelFromWeights[i] {
				return sp, c.attrErr("kernel_shape", "%v disagrees with the weights' %v", sp.kernel, kernelFromWeights)
			}
		}
	}
	ones := func(name string) ([]int, error) {
		var v []int
		var err error
		if v, buf, err = c.appendIntsAttr(buf, name); err != nil {
			return nil, err
		}
		if v == nil {
			v = filled(nsp, 1)
		}
		if len(v) != nsp {
			return nil, c.attrErr(name, "has %d values for %d spatial axes", len(v), nsp)
		}
		for _, x := range v {
			if x <= 0 {
				return nil, c.attrErr(name, "values must be positive, got %v", v)
			}
		}
		return v, nil
	}
	if sp.strides, err = ones("strides"); err != nil {
		return sp, err
	}
	if sp.dilations, err = ones("dilations"); err != nil {
		return sp, err
	}
	var pads []int
	if pads, buf, err = c.appendIntsAttr(buf, "pads"); err != nil {
		return sp, err
	}
	if pads == nil {
		pads = filled(2*nsp, 0)
	}
	if len(pads) != 2*nsp {
		return sp, c.attrErr("pads", "has %d values for %d spatial axes", len(pads), nsp)
	}
	for _, p := range pads {
		if p < 0 {
			return sp, c.attrErr("pads", "negative padding %v", pads)
		}
	}
	sp.begin, sp.end = pads[:nsp], pads[nsp:]
	if sp.autoPad, err = c.stringAttr("auto_pad", "NOTSET"); err != nil {
		return sp, err
	}
	switch sp.autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	case "":
		sp.autoPad = "NOTSET"
	default:
		return sp, c.attrErr("auto_pad", "unknown value %q", sp.autoPad)
	}
	for _, k := range sp.kernel {
		if k <= 0 {
			return sp, c.attrErr("kernel_shape", "values must be positive, got %v", sp.kernel)
		}
	}
	return sp, nil
}

// outputSize computes one spatial axis's output size and final padding for a convolution or pool.
func (c *nodeCtx) outputSize(sp spatial, axis, in int, ceil bool) (out, pb, pe int, err error) {
	k, s, d := sp.kernel[axis], sp.strides[axis], sp.dilations[axis]
	ext := (k-1)*d + 1
	pb, pe = sp.begin[axis], sp.end[axis]
	switch sp.autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		out = (in + s - 1) / s
		total := max(0, (out-1)*s+ext-in)
		if sp.autoPad == "SAME_UPPER" {
			pb = total / 2
		} else {
			pb = total - total/2
		}
		pe = total - pb
	case "VALID":
		pb, pe = 0, 0
		if in < ext {
			return 0, 0, 0, c.shapeErr("input size %d is smaller than the kernel extent %d", in, ext)
		}
		out = (in-ext)/s + 1
	default:
		span := in + pb + pe - ext
		if span < 0 {
			return 0, 0, 0, c.shapeErr("input size %d plus padding %d+%d is smaller than the kernel extent %d", in, pb, pe, ext)
		}
		out = span/s + 1
		if ceil && span%s != 0 {
			out++
			// The last window must start inside the input or its leading padding.
			if (out-1)*s >= in+pb {
				out--
			}
		}
	}
	return out, pb, pe, nil
}

type convStep struct {
	stepBase
	shape    kernel.ConvShape
	w, bias  []float32
	act      kernel.Activation
	residual bool // in[1] is added before the activation (a fused residual Add)
	fused    []string
	k        *kernel.Conv2D
}

func (s *convStep) prepare() error {
	var err error
	s.k, err = s.packs.Conv2D(s.shape, s.w, s.bias, s.act)
	return err
}

func (s *convStep) workspace() int { return s.k.WorkspaceLen() }

func (s *convStep) run(ss *Runner) {
	var r []float32
	if s.residual {
		r = ss.buf(s.in[1])
	}
	s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0]), r, ss.ws)
}

func (s *convStep) fusedName() string { return strings.Join(append([]string{"Conv"}, s.fused...), "+") }

func buildConv(c *nodeCtx) error {
	if err := c.needInputs(2, 3); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	wt, err := c.floatConst(1, "weights")
	if err != nil {
		return err
	}
	bt, err := c.floatConst(2, "bias")
	if err != nil {
		return err
	}
	rank := len(x.Shape)
	if rank != 3 && rank != 4 {
		return c.unsupported("only 1-D and 2-D convolutions are supported; input has shape %v", x.Shape)
	}
	if len(wt.Shape) != rank {
		return c.shapeErr("weights have shape %v for input %v", wt.Shape, x.Shape)
	}
	group, err := c.intAttr("group", 1)
	if err != nil {
		return err
	}
	nsp := rank - 2
	sp, err := c.spatialAttrs(nsp, wt.Shape[2:])
	if err != nil {
		return err
	}
	s := kernel.ConvShape{N: x.Shape[0], C: x.Shape[1], M: wt.Shape[0], Groups: int(group),
		H: 1, W: x.Shape[rank-1], KH: 1, KW: sp.kernel[nsp-1], SH: 1, SW: sp.strides[nsp-1], DH: 1, DW: sp.dilations[nsp-1]}
	if group <= 0 || int64(s.C)%group != 0 || int64(s.M)%group != 0 || wt.Shape[1]*int(group) != s.C {
		return c.shapeErr("input channels %d, weights %v and group %d do not agree", s.C, wt.Shape, group)
	}
	var pl int
	if s.OW, pl, _, err = c.outputSize(sp, nsp-1, s.W, false); err != nil {
		return err
	}
	s.PL = pl
	s.OH = 1
	if nsp == 2 {
		s.H, s.KH, s.SH, s.DH = x.Shape[2], sp.kernel[0], sp.strides[0], sp.dilations[0]
		if s.OH, s.PT, _, err = c.outputSize(sp, 0, s.H, false); err != nil {
			return err
		}
	}
	if bt != nil && bt.Len() != s.M {
		return c.shapeErr("bias has %d elements for %d output channels", bt.Len(), s.M)
	}
	if err := s.Validate(); err != nil {
		return c.shapeErr("%v", err)
	}
	var outShape []int
	if nsp == 2 {
		outShape = []int{s.N, s.M, s.OH, s.OW}
	} else {
		outShape = []int{s.N, s.M, s.OW}
	}
	y := c.newOutput(0, outShape)
	st := &convStep{stepBase: newBase(c, y, x), shape: s, w: wt.Floats()}
	if bt != nil {
		st.bias = bt.Floats()
	}
	st.mac = s.MACs()
	return c.finishStep(st)
}

type convTransposeStep struct {
	stepBase
	shape   kernel.ConvTransposeShape
	w, bias []float32
	act     kernel.Activation
	fused   []string
	k       *kernel.ConvTranspose2D
}

func (s *convTransposeStep) prepare() error {
	var err error
	s.k, err = s.packs.ConvTranspose2D(s.shape, s.w, s.bias, s.act)
	return err
}

func (s *convTransposeStep) workspace() int { return s.k.WorkspaceLen() }

func (s *convTransposeStep) run(ss *Runner) { s.k.Run(ss.buf(s.out[0]), ss.buf(s.in[0]), ss.ws) }

func (s *convTransposeStep) fusedName() string {
	return strings.Join(append([]string{"ConvTranspose"}, s.fused...), "+")
}

func buildConvTranspose(c *nodeCtx) error {
	if err := c.needInputs(2, 3); err != nil {
		return err
	}
	x, err := c.float32Input(0)
	if err != nil {
		return err
	}
	wt, err := c.floatConst(1, "weights")
	if err != nil {
		return err
	}
	bt, err := c.floatConst(2, "bias")
	if err != nil {
		return err
	}
	rank := len(x.Shape)
	if rank != 3 && rank != 4 {
		return c.unsupported("only 1-D and 2-D transposed convolutions are supported; input has shape %v", x.Shape)
	}
	if len(wt.Shape) != rank {
		return c.shapeErr("weights have shape %v for input %v", wt.Shape, x.Shape)
	}
	group, err := c.intAttr("group", 1)
	if err != nil {
		return err
	}
	nsp := rank - 2
	sp, err := c.spatialAttrs(nsp, wt.Shape[2:])
	if err != nil {
		return err
	}
	outPad, err := c.intsAttr("output_padding")
	if err != nil {
		return err
	}
	if outPad == nil {
		outPad = make([]int, nsp)
	}
	outShapeAttr, err := c.intsAttr("output_shape")
	if err != nil {
		return err
	}
	if len(outPad) != nsp || (outShapeAttr != nil && len(outShapeAttr) != nsp && len(outShapeAttr) != rank) {
		return c.attrErr("output_padding", "output_padding %v / output_shape %v do not match %d spatial axes", outPad, outShapeAttr, nsp)
	}
	if len(outShapeAttr) == rank {
		outShapeAttr = outShapeAttr[2:]
	}
	C := x.Shape[1]
	if group <= 0 || int64(C)%group != 0 || wt.Shape[0] != C {
		return c.shapeErr("input channels %d, weights %v and group %d do not agree", C, wt.Shape, group)
	}
	M := wt.Shape[1] * int(group)
	outSz := make([]int, nsp)
	padB := make([]int, nsp)
	for a := 0; a < nsp; a++ {
		in := x.Shape[2+a]
		k, s, d := sp.kernel[a], sp.strides[a], sp.dilations[a]
		full := s*(in-1) + outPad[a] + (k-1)*d + 1
		switch {
		case outShapeAttr != nil:
			total := full - outShapeAttr[a]
			if total < 0 {
				return c.shapeErr("output_shape %v is larger than the full output %d", outShapeAttr, full)
			}
			if sp.autoPad == "SAME_UPPER" {
				padB[a] = total / 2
			} else {
				padB[a] = total - total/2
			}
			outSz[a] = outShapeAttr[a]
		case sp.autoPad == "SAME_UPPER" || sp.autoPad == "SAME_LOWER":
			outSz[a] = in * s
			total := max(0, full-outSz[a])
			if sp.autoPad == "SAME_UPPER" {
				padB[a] = total / 2
			} else {
				padB[a] = total - total/2
			}
		case sp.autoPad == "VALID":
			outSz[a] = full
		default:
			outSz[a] = full - sp.begin[a] - sp.end[a]
			padB[a] = sp.begin[a]
		}
		if outSz[a] <= 0 {
			return c.shapeErr("output size %d on spatial axis %d", outSz[a], a)
		}
	}
	s := kernel.ConvTransposeShape{N: x.Shape[0], C: C, M: M, Groups: int(group), H: 1, W: x.Shape[rank-1],
		OH: 1, OW: outSz[nsp-1], KH: 1, KW: sp.kernel[nsp-1], SH: 1, SW: sp.strides[nsp-1], DH: 1,
		DW: sp.dilations[nsp-1], PL: padB[nsp-1]}
	if nsp == 2 {
		s.H, s.OH, s.KH, s.SH, s.DH, s.PT = x.Shape[2], outSz[0], sp.kernel[0], sp.strides[0], sp.dilations[0], padB[0]
	}
	if bt != nil && bt.Len() != M {
		return c.shapeErr("bias has %d elements for %d output channels", bt.Len(), M)
	}
	if err := s.Validate(); err != nil {
		return c.shapeErr("%v", err)
	}
	shape := append([]int{s.N, M}, outSz...)
	y := c.newOutput(0, shape)
	st := &convTransposeStep{stepBase: newBase(c, y, x), shape: s, w: wt.Floats()}
	if bt != nil {
		st.bias = bt.Floats()
	}
	st.mac = s.MACs()
	return c.finishStep(st)
}

// geometry describes the kernel for profiles: "k3x3 s2 g48 c48".
func (s *convStep) geometry() string {
	sh := s.shape
	return fmt.Sprintf("k%dx%d s%d g%d c%d", sh.KH, sh.KW, sh.SH, sh.Groups, sh.C)
}
