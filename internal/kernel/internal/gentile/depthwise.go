package main

// The 3×3 depthwise convolutions that read the input plane directly (wasm SIMD, stride 1 and
// stride 2), one function per output epilogue. The epilogue is the only difference between the
// variants of a stride, and it cannot be a parameter: a test or an indirect call per output vector
// goes through Go-wasm's block dispatcher, and the clamp-free stride-1 copy ran BlazeFace's planes
// 15–25% faster than the clamping one (internal/kernel/BENCH.md, round 3). So one template per
// stride is written out once per epilogue here instead of by hand.

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"strings"
	"text/template"
)

// dwFile is the depthwise kernels' file; dw3s1.go.tmpl and dw3s2.go.tmpl are the function bodies per
// stride, after the dispatch: {{ep "v"}} finishes output vector v, {{.Setup}} declares what the
// epilogue reads.
const dwFile = "depthwise_direct_wasmsimd.go"

var (
	//go:embed dw3s1.go.tmpl
	dw3s1Body string
	//go:embed dw3s2.go.tmpl
	dw3s2Body string
	dwBodies  = map[int]string{1: dw3s1Body, 2: dw3s2Body}
)

// epilogue is what happens to an output vector before it is stored.
type epilogue int

const (
	clamp   epilogue = iota // max(lo), min(hi): a fused Relu/Clip, or ±Inf; a fused slope runs afterwards over the plane
	noClamp                 // stored as computed: no fused activation
	pRelu                   // the negative slope (leakySIMD's formula, the same results), applied before the store
)

// apply returns the Go expression that finishes vector v.
func (e epilogue) apply(v string) string {
	switch e {
	case clamp:
		return v + ".Max(lo).Min(hi)"
	case pRelu:
		return "prelu(" + v + ", z, vs)"
	}
	return v
}

// variant is one generated function.
type variant struct {
	Name   string
	Doc    string // the doc comment, without the leading "// "
	Stride int
	Ep     epilogue
	// When (not for a stride's first variant, its entry point): the condition under which the entry
	// point hands the call to this variant, tested in the order of variants.
	When string
	// Setup declares what the epilogue reads (lo, hi or z, vs).
	Setup string
}

var variants = []variant{
	{
		Name: "dw3s1Direct", Stride: 1, Ep: clamp,
		Doc: `dw3s1Direct computes one channel of a 3×3 stride-1 depthwise convolution with padding 1 straight
from the input plane (h rows of w ≥ 4 floats), with no padded copy: a vector's left and right
taps are unaligned loads one float either side, except at the row's ends, where they are the
middle vector shifted by one lane with a zero shifted in. A row whose length is not a whole
number of vectors ends with a vector that overlaps the one before (MiniFASNet's 10×10 and 5×5
planes): it recomputes a few outputs with the same values instead of running a scalar tail. Rows
above and below the plane read zr, w zeros. It clamps each output vector to the fused Relu/Clip
and hands convolutions without one to the variants below.`,
		Setup: `lo, hi := archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)`,
	},
	{
		Name: "dw3s1DirectPRelu", Stride: 1, Ep: pRelu, When: "!f.clamp && f.leaky",
		Doc: `dw3s1DirectPRelu is dw3s1DirectNoClamp with the negative slope (MiniFASNet's PRelu) applied to
each output vector before it is stored, instead of in a second pass over the finished plane:
the same formula as leakySIMD, so the same results.`,
		Setup: `z, vs := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(slope)`,
	},
	{
		Name: "dw3s1DirectNoClamp", Stride: 1, Ep: noClamp, When: "!f.clamp",
		Doc: `dw3s1DirectNoClamp is dw3s1Direct for a convolution with no fused Relu/Clip (BlazeFace's
depthwise layers have no activation, MiniFASNet's a PRelu): the same code without the max and min
of every output vector, two of its 27 instructions, which ran BlazeFace's 24-channel 64² and
128² planes 15–25% faster (CPU time under node).`,
	},
	{
		Name: "dw3s2Direct", Stride: 2, Ep: clamp,
		Doc: `dw3s2Direct computes one channel of a 3×3 stride-2 depthwise convolution straight from the input
plane. Output row r reads input rows 2r−PT to 2r−PT+2 (zr, W+dwSlack zeros, outside the plane);
four outputs t..t+3 read input columns 2t−PL to 2t−PL+8. Eight floats loaded from column 2t give
the even columns E and the odd ones O through byte swizzles. With PL = 1 the taps are (L, E, O),
L being O shifted right by a lane with column 2t−1 (zero at the row's start) shifted in; with
PL = 0 they are (E, O, R), R being E shifted left with column 2t+8 (the zero padding at the
row's end) shifted in. A row whose output is not a whole number of vectors ends with a vector
that overlaps the one before. dw3s2Pairs runs the convolutions without a fused Relu/Clip, which
cost it fewer swizzles; without one this clamps to ±Inf.`,
		Setup: `lo, hi := archsimd.BroadcastFloat32x4(float32(math.Inf(-1))), archsimd.BroadcastFloat32x4(float32(math.Inf(1)))
	if f.clamp {
		lo, hi = archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)
	}`,
	},
}

// generateDepthwise returns the gofmt-ed source of dwFile.
func generateDepthwise() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`// Code generated by internal/gentile; DO NOT EDIT.

//go:build goexperiment.simd && wasm

package kernel

import (
	"math"
	"simd/archsimd"
	"unsafe"
)
`)
	for _, v := range variants {
		t := template.Must(template.New(v.Name).Funcs(template.FuncMap{"ep": v.Ep.apply}).Parse(dwBodies[v.Stride]))
		b.WriteString("\n// " + strings.ReplaceAll(v.Doc, "\n", "\n// ") + "\n")
		fmt.Fprintf(&b, "func %s(y, x []float32, s *ConvShape, wt *[9]float32, b float32, f *fusedAct, slope float32, zr []float32) {\n", v.Name)
		if v.When == "" {
			var cases strings.Builder
			for _, o := range variants {
				if o.Stride == v.Stride && o.When != "" {
					fmt.Fprintf(&cases, "case %s:\n%s(y, x, s, wt, b, f, slope, zr)\nreturn\n", o.When, o.Name)
				}
			}
			if cases.Len() > 0 {
				b.WriteString("switch {\n" + cases.String() + "}\n")
			}
		}
		if err := t.Execute(&b, v); err != nil {
			return nil, fmt.Errorf("%s: %v", v.Name, err)
		}
		// A fused slope that the epilogue did not apply runs over the finished plane, still in cache.
		if v.Ep != pRelu {
			n := map[int]string{1: "h*w", 2: "oh*ow"}[v.Stride]
			fmt.Fprintf(&b, "if f.leaky {\nleakySIMD(y[:%s], y[:%s], slope)\n}\n", n, n)
		}
		b.WriteString("}\n")
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", dwFile, err, b.Bytes())
	}
	return src, nil
}
