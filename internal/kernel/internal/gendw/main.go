// Command gendw writes depthwise_direct_wasmsimd.go: the wasm SIMD kernels that compute a 3×3
// depthwise convolution straight from the input plane (stride 1 and stride 2), one function per
// output epilogue. The epilogue is the only difference between the variants of a stride, and it
// cannot be a parameter: a test or an indirect call per output vector goes through Go-wasm's block
// dispatcher, and the clamp-free stride-1 copy ran BlazeFace's planes 15–25% faster than the
// clamping one (internal/kernel/BENCH.md, round 3). So one template per stride is written out once
// per epilogue here instead of by hand.
//
// Run it with go generate in internal/kernel; TestUpToDate fails when the committed file differs
// from what this program writes.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"strings"
	"text/template"
)

const outFile = "depthwise_direct_wasmsimd.go"

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
	Name     string
	Doc      string // the doc comment, without the leading "// "
	Stride   int
	Ep       epilogue
	Dispatch string // statements before the body: hand the call to another variant
	// Setup declares what the epilogue reads (lo, hi or z, vs).
	Setup string
	// TwoRows (stride 2): with PL = 1, compute two output rows per pass, which share an input row
	// and so split it once. Measured for the PRelu variant only (BENCH.md, round 4).
	TwoRows bool
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
		Dispatch: `switch {
	case !f.clamp && f.leaky:
		dw3s1DirectPRelu(y, x, s, wt, b, f, slope, zr)
		return
	case !f.clamp:
		dw3s1DirectNoClamp(y, x, s, wt, b, f, slope, zr)
		return
	}`,
		Setup: `lo, hi := archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)`,
	},
	{
		Name: "dw3s1DirectNoClamp", Stride: 1, Ep: noClamp,
		Doc: `dw3s1DirectNoClamp is dw3s1Direct for a convolution with no fused Relu/Clip (BlazeFace's
depthwise layers have no activation, MiniFASNet's a PRelu): the same code without the max and min
of every output vector, two of its 27 instructions, which ran BlazeFace's 24-channel 64² and
128² planes 15–25% faster (CPU time under node).`,
	},
	{
		Name: "dw3s1DirectPRelu", Stride: 1, Ep: pRelu,
		Doc: `dw3s1DirectPRelu is dw3s1DirectNoClamp with the negative slope (MiniFASNet's PRelu) applied to
each output vector before it is stored, instead of in a second pass over the finished plane:
the same formula as leakySIMD, so the same results.`,
		Setup: `z, vs := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(slope)`,
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
that overlaps the one before. Without a fused Relu/Clip it clamps to ±Inf.`,
		Dispatch: `if f.leaky && !f.clamp {
		dw3s2DirectPRelu(y, x, s, wt, b, f, slope, zr)
		return
	}`,
		Setup: `lo, hi := archsimd.BroadcastFloat32x4(float32(math.Inf(-1))), archsimd.BroadcastFloat32x4(float32(math.Inf(1)))
	if f.clamp {
		lo, hi = archsimd.BroadcastFloat32x4(f.lo), archsimd.BroadcastFloat32x4(f.hi)
	}`,
	},
	{
		Name: "dw3s2DirectPRelu", Stride: 2, Ep: pRelu, TwoRows: true,
		Doc: `dw3s2DirectPRelu is dw3s2Direct for a convolution with a fused negative slope and no Relu/Clip
(MiniFASNet's strided depthwise layers and their PRelu): the slope is applied to each output
vector before it is stored (leakySIMD's formula, the same results), not clamped to ±Inf and then
rescaled in a second pass over the plane; with PL = 1 it computes two output rows per pass,
which share an input row and so split it once.`,
		Setup: `z, vs := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(slope)`,
	},
}

func main() {
	src, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(outFile, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generate returns the gofmt-ed source of outFile.
func generate() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`// Code generated by internal/kernel/internal/gendw; DO NOT EDIT.

//go:build goexperiment.simd && wasm

package kernel

import (
	"math"
	"simd/archsimd"
	"unsafe"
)
`)
	for _, v := range variants {
		t := template.Must(template.New(v.Name).Funcs(template.FuncMap{"ep": v.Ep.apply}).Parse(bodies[v.Stride]))
		b.WriteString("\n// " + strings.ReplaceAll(v.Doc, "\n", "\n// ") + "\n")
		fmt.Fprintf(&b, "func %s(y, x []float32, s *ConvShape, wt *[9]float32, b float32, f *fusedAct, slope float32, zr []float32) {\n", v.Name)
		if v.Dispatch != "" {
			b.WriteString(v.Dispatch + "\n")
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
		return nil, fmt.Errorf("%s: %v\n%s", outFile, err, b.Bytes())
	}
	return src, nil
}

// bodies are the function bodies per stride, after the dispatch: {{ep "v"}} finishes output vector
// v, {{.Setup}} declares what the epilogue reads.
var bodies = map[int]string{
	1: `
	h, w := s.H, s.W
	_ = y[:h*w]
	_ = x[:h*w]
	_ = zr[:w]
	w0, w1, w2 := archsimd.BroadcastFloat32x4(wt[0]), archsimd.BroadcastFloat32x4(wt[1]), archsimd.BroadcastFloat32x4(wt[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(wt[3]), archsimd.BroadcastFloat32x4(wt[4]), archsimd.BroadcastFloat32x4(wt[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(wt[6]), archsimd.BroadcastFloat32x4(wt[7]), archsimd.BroadcastFloat32x4(wt[8])
	vb := archsimd.BroadcastFloat32x4(b)
{{.Setup}}
	sr, sl := archsimd.LoadInt8x16Array(&shr1), archsimd.LoadInt8x16Array(&shl1)
	sx := uintptr(w) * 4
	last := uintptr(w-4) * 4 // the last vector's byte offset in a row
	px, py, pz := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0]), unsafe.Pointer(&zr[0])
	r := 0
	if w > 4 {
		// Two output rows per pass: four input rows, the middle two shared.
		for ; r+2 <= h; r += 2 {
			p1 := unsafe.Add(px, uintptr(r)*sx)
			p2 := unsafe.Add(p1, sx)
			p0, p3 := pz, pz
			if r > 0 {
				p0 = unsafe.Add(px, uintptr(r-1)*sx)
			}
			if r+2 < h {
				p3 = unsafe.Add(px, uintptr(r+2)*sx)
			}
			orow := uintptr(r) * sx
			a, c, e, g := ld4(p0, 0), ld4(p1, 0), ld4(p2, 0), ld4(p3, 0)
			al, cl, el, gl := asFloats(asBytes(a).LookupOrZero(sr)), asFloats(asBytes(c).LookupOrZero(sr)), asFloats(asBytes(e).LookupOrZero(sr)), asFloats(asBytes(g).LookupOrZero(sr))
			cr, er := ld4(p1, 4), ld4(p2, 4)
			top := vb.Add(w0.Mul(al)).Add(w1.Mul(a)).Add(w2.Mul(ld4(p0, 4)))
			top = top.Add(w3.Mul(cl).Add(w4.Mul(c)).Add(w5.Mul(cr)))
			top = top.Add(w6.Mul(el).Add(w7.Mul(e)).Add(w8.Mul(er)))
			st4(py, orow, {{ep "top"}})
			bot := vb.Add(w0.Mul(cl)).Add(w1.Mul(c)).Add(w2.Mul(cr))
			bot = bot.Add(w3.Mul(el).Add(w4.Mul(e)).Add(w5.Mul(er)))
			bot = bot.Add(w6.Mul(gl).Add(w7.Mul(g)).Add(w8.Mul(ld4(p3, 4))))
			st4(py, orow+sx, {{ep "bot"}})
			for o := uintptr(16); o < last; o += 16 {
				c, e = ld4(p1, o), ld4(p2, o)
				cl, el = ld4(p1, o-4), ld4(p2, o-4)
				cr, er = ld4(p1, o+4), ld4(p2, o+4)
				top := vb.Add(w0.Mul(ld4(p0, o-4))).Add(w1.Mul(ld4(p0, o))).Add(w2.Mul(ld4(p0, o+4)))
				top = top.Add(w3.Mul(cl).Add(w4.Mul(c)).Add(w5.Mul(cr)))
				top = top.Add(w6.Mul(el).Add(w7.Mul(e)).Add(w8.Mul(er)))
				st4(py, orow+o, {{ep "top"}})
				bot := vb.Add(w0.Mul(cl)).Add(w1.Mul(c)).Add(w2.Mul(cr))
				bot = bot.Add(w3.Mul(el).Add(w4.Mul(e)).Add(w5.Mul(er)))
				bot = bot.Add(w6.Mul(ld4(p3, o-4)).Add(w7.Mul(ld4(p3, o))).Add(w8.Mul(ld4(p3, o+4))))
				st4(py, orow+sx+o, {{ep "bot"}})
			}
			a, c, e, g = ld4(p0, last), ld4(p1, last), ld4(p2, last), ld4(p3, last)
			ar, cr, er, gr := asFloats(asBytes(a).LookupOrZero(sl)), asFloats(asBytes(c).LookupOrZero(sl)), asFloats(asBytes(e).LookupOrZero(sl)), asFloats(asBytes(g).LookupOrZero(sl))
			cl, el = ld4(p1, last-4), ld4(p2, last-4)
			top = vb.Add(w0.Mul(ld4(p0, last-4))).Add(w1.Mul(a)).Add(w2.Mul(ar))
			top = top.Add(w3.Mul(cl).Add(w4.Mul(c)).Add(w5.Mul(cr)))
			top = top.Add(w6.Mul(el).Add(w7.Mul(e)).Add(w8.Mul(er)))
			st4(py, orow+last, {{ep "top"}})
			bot = vb.Add(w0.Mul(cl)).Add(w1.Mul(c)).Add(w2.Mul(cr))
			bot = bot.Add(w3.Mul(el).Add(w4.Mul(e)).Add(w5.Mul(er)))
			bot = bot.Add(w6.Mul(ld4(p3, last-4)).Add(w7.Mul(g)).Add(w8.Mul(gr)))
			st4(py, orow+sx+last, {{ep "bot"}})
		}
	}
	for ; r < h; r++ {
		p1 := unsafe.Add(px, uintptr(r)*sx)
		p0, p2 := pz, pz
		if r > 0 {
			p0 = unsafe.Add(px, uintptr(r-1)*sx)
		}
		if r+1 < h {
			p2 = unsafe.Add(px, uintptr(r+1)*sx)
		}
		orow := uintptr(r) * sx
		if w == 4 {
			a, c, e := ld4(p0, 0), ld4(p1, 0), ld4(p2, 0)
			acc := vb.Add(w0.Mul(asFloats(asBytes(a).LookupOrZero(sr)))).Add(w1.Mul(a)).Add(w2.Mul(asFloats(asBytes(a).LookupOrZero(sl))))
			acc = acc.Add(w3.Mul(asFloats(asBytes(c).LookupOrZero(sr))).Add(w4.Mul(c)).Add(w5.Mul(asFloats(asBytes(c).LookupOrZero(sl)))))
			acc = acc.Add(w6.Mul(asFloats(asBytes(e).LookupOrZero(sr))).Add(w7.Mul(e)).Add(w8.Mul(asFloats(asBytes(e).LookupOrZero(sl)))))
			st4(py, orow, {{ep "acc"}})
			continue
		}
		// First vector: the left taps shift in the zero padding.
		a, c, e := ld4(p0, 0), ld4(p1, 0), ld4(p2, 0)
		acc := vb.Add(w0.Mul(asFloats(asBytes(a).LookupOrZero(sr)))).Add(w1.Mul(a)).Add(w2.Mul(ld4(p0, 4)))
		acc = acc.Add(w3.Mul(asFloats(asBytes(c).LookupOrZero(sr))).Add(w4.Mul(c)).Add(w5.Mul(ld4(p1, 4))))
		acc = acc.Add(w6.Mul(asFloats(asBytes(e).LookupOrZero(sr))).Add(w7.Mul(e)).Add(w8.Mul(ld4(p2, 4))))
		st4(py, orow, {{ep "acc"}})
		for o := uintptr(16); o < last; o += 16 {
			s0 := vb.Add(w0.Mul(ld4(p0, o-4))).Add(w1.Mul(ld4(p0, o))).Add(w2.Mul(ld4(p0, o+4)))
			s1 := w3.Mul(ld4(p1, o-4)).Add(w4.Mul(ld4(p1, o))).Add(w5.Mul(ld4(p1, o+4)))
			s2 := w6.Mul(ld4(p2, o-4)).Add(w7.Mul(ld4(p2, o))).Add(w8.Mul(ld4(p2, o+4)))
			st4(py, orow+o, {{ep "s0.Add(s1).Add(s2)"}})
		}
		// Last vector: the right taps shift in the zero padding.
		a, c, e = ld4(p0, last), ld4(p1, last), ld4(p2, last)
		acc = vb.Add(w0.Mul(ld4(p0, last-4))).Add(w1.Mul(a)).Add(w2.Mul(asFloats(asBytes(a).LookupOrZero(sl))))
		acc = acc.Add(w3.Mul(ld4(p1, last-4)).Add(w4.Mul(c)).Add(w5.Mul(asFloats(asBytes(c).LookupOrZero(sl)))))
		acc = acc.Add(w6.Mul(ld4(p2, last-4)).Add(w7.Mul(e)).Add(w8.Mul(asFloats(asBytes(e).LookupOrZero(sl)))))
		st4(py, orow+last, {{ep "acc"}})
	}
`,
	2: `
	h, w, oh, ow := s.H, s.W, s.OH, s.OW
	_ = y[:oh*ow]
	_ = x[:h*w]
	_ = zr[:w]
	w0, w1, w2 := archsimd.BroadcastFloat32x4(wt[0]), archsimd.BroadcastFloat32x4(wt[1]), archsimd.BroadcastFloat32x4(wt[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(wt[3]), archsimd.BroadcastFloat32x4(wt[4]), archsimd.BroadcastFloat32x4(wt[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(wt[6]), archsimd.BroadcastFloat32x4(wt[7]), archsimd.BroadcastFloat32x4(wt[8])
	vb := archsimd.BroadcastFloat32x4(b)
{{.Setup}}
	sw := s2Swizzles{
		elo: archsimd.LoadInt8x16Array(&evenLo), ehi: archsimd.LoadInt8x16Array(&evenHi),
		olo: archsimd.LoadInt8x16Array(&oddLo), ohi: archsimd.LoadInt8x16Array(&oddHi),
	}
	sr, sl := archsimd.LoadInt8x16Array(&shr1), archsimd.LoadInt8x16Array(&shl1)
	k0, k3 := archsimd.LoadInt8x16Array(&keep0), archsimd.LoadInt8x16Array(&keep3)
	sx := uintptr(w) * 4
	px, py, pz := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0]), unsafe.Pointer(&zr[0])
	row := func(i int) unsafe.Pointer {
		if i < 0 || i >= h {
			return pz
		}
		return unsafe.Add(px, uintptr(i)*sx)
	}
	lastT := uintptr(ow-4) * 4 // byte offset of the last output vector
	r := 0
{{- if .TwoRows}}
	if s.PL == 1 {
		// Two output rows per pass: five input rows, the middle one (rows 2r−PT+2) split once for
		// both. Otherwise as in the single-row loop below.
		for ; r+2 <= oh; r += 2 {
			p0, p1, p2, p3, p4 := row(2*r-s.PT), row(2*r-s.PT+1), row(2*r-s.PT+2), row(2*r-s.PT+3), row(2*r-s.PT+4)
			orow := uintptr(r*ow) * 4
			orow2 := orow + uintptr(ow)*4
			e0, o0 := sw.split(p0, 0)
			e1, o1 := sw.split(p1, 0)
			e2, o2 := sw.split(p2, 0)
			e3, o3 := sw.split(p3, 0)
			e4, o4 := sw.split(p4, 0)
			l0, l1, l2, l3, l4 := o0.LookupOrZero(sr), o1.LookupOrZero(sr), o2.LookupOrZero(sr), o3.LookupOrZero(sr), o4.LookupOrZero(sr)
			acc := vb.Add(w0.Mul(asFloats(l0))).Add(w1.Mul(asFloats(e0))).Add(w2.Mul(asFloats(o0)))
			acc = acc.Add(w3.Mul(asFloats(l1)).Add(w4.Mul(asFloats(e1))).Add(w5.Mul(asFloats(o1))))
			acc = acc.Add(w6.Mul(asFloats(l2)).Add(w7.Mul(asFloats(e2))).Add(w8.Mul(asFloats(o2))))
			st4(py, orow, {{ep "acc"}})
			acc = vb.Add(w0.Mul(asFloats(l2))).Add(w1.Mul(asFloats(e2))).Add(w2.Mul(asFloats(o2)))
			acc = acc.Add(w3.Mul(asFloats(l3)).Add(w4.Mul(asFloats(e3))).Add(w5.Mul(asFloats(o3))))
			acc = acc.Add(w6.Mul(asFloats(l4)).Add(w7.Mul(asFloats(e4))).Add(w8.Mul(asFloats(o4))))
			st4(py, orow2, {{ep "acc"}})
			for t := uintptr(16); lastT > 0; t += 16 {
				t = min(t, lastT)
				e0, o0 := sw.split(p0, 2*t)
				e1, o1 := sw.split(p1, 2*t)
				e2, o2 := sw.split(p2, 2*t)
				e3, o3 := sw.split(p3, 2*t)
				e4, o4 := sw.split(p4, 2*t)
				l0 := o0.LookupOrZero(sr).Or(asBytes(ld4(p0, 2*t-4)).LookupOrZero(k0))
				l1 := o1.LookupOrZero(sr).Or(asBytes(ld4(p1, 2*t-4)).LookupOrZero(k0))
				l2 := o2.LookupOrZero(sr).Or(asBytes(ld4(p2, 2*t-4)).LookupOrZero(k0))
				l3 := o3.LookupOrZero(sr).Or(asBytes(ld4(p3, 2*t-4)).LookupOrZero(k0))
				l4 := o4.LookupOrZero(sr).Or(asBytes(ld4(p4, 2*t-4)).LookupOrZero(k0))
				acc := vb.Add(w0.Mul(asFloats(l0))).Add(w1.Mul(asFloats(e0))).Add(w2.Mul(asFloats(o0)))
				acc = acc.Add(w3.Mul(asFloats(l1)).Add(w4.Mul(asFloats(e1))).Add(w5.Mul(asFloats(o1))))
				acc = acc.Add(w6.Mul(asFloats(l2)).Add(w7.Mul(asFloats(e2))).Add(w8.Mul(asFloats(o2))))
				st4(py, orow+t, {{ep "acc"}})
				acc = vb.Add(w0.Mul(asFloats(l2))).Add(w1.Mul(asFloats(e2))).Add(w2.Mul(asFloats(o2)))
				acc = acc.Add(w3.Mul(asFloats(l3)).Add(w4.Mul(asFloats(e3))).Add(w5.Mul(asFloats(o3))))
				acc = acc.Add(w6.Mul(asFloats(l4)).Add(w7.Mul(asFloats(e4))).Add(w8.Mul(asFloats(o4))))
				st4(py, orow2+t, {{ep "acc"}})
				if t == lastT {
					break
				}
			}
		}
	}
{{- end}}
	for ; r < oh; r++ {
		p0, p1, p2 := row(2*r-s.PT), row(2*r-s.PT+1), row(2*r-s.PT+2)
		orow := uintptr(r*ow) * 4
		if s.PL == 1 {
			// First vector: column −1 is padding.
			e0, o0 := sw.split(p0, 0)
			e1, o1 := sw.split(p1, 0)
			e2, o2 := sw.split(p2, 0)
			l0, l1, l2 := o0.LookupOrZero(sr), o1.LookupOrZero(sr), o2.LookupOrZero(sr)
			acc := vb.Add(w0.Mul(asFloats(l0))).Add(w1.Mul(asFloats(e0))).Add(w2.Mul(asFloats(o0)))
			acc = acc.Add(w3.Mul(asFloats(l1)).Add(w4.Mul(asFloats(e1))).Add(w5.Mul(asFloats(o1))))
			acc = acc.Add(w6.Mul(asFloats(l2)).Add(w7.Mul(asFloats(e2))).Add(w8.Mul(asFloats(o2))))
			st4(py, orow, {{ep "acc"}})
			for t := uintptr(16); lastT > 0; t += 16 {
				t = min(t, lastT)
				// Column 2t−1 is lane 0 of the four floats loaded from it.
				e0, o0 := sw.split(p0, 2*t)
				e1, o1 := sw.split(p1, 2*t)
				e2, o2 := sw.split(p2, 2*t)
				l0 := o0.LookupOrZero(sr).Or(asBytes(ld4(p0, 2*t-4)).LookupOrZero(k0))
				l1 := o1.LookupOrZero(sr).Or(asBytes(ld4(p1, 2*t-4)).LookupOrZero(k0))
				l2 := o2.LookupOrZero(sr).Or(asBytes(ld4(p2, 2*t-4)).LookupOrZero(k0))
				acc := vb.Add(w0.Mul(asFloats(l0))).Add(w1.Mul(asFloats(e0))).Add(w2.Mul(asFloats(o0)))
				acc = acc.Add(w3.Mul(asFloats(l1)).Add(w4.Mul(asFloats(e1))).Add(w5.Mul(asFloats(o1))))
				acc = acc.Add(w6.Mul(asFloats(l2)).Add(w7.Mul(asFloats(e2))).Add(w8.Mul(asFloats(o2))))
				st4(py, orow+t, {{ep "acc"}})
				if t == lastT {
					break
				}
			}
			continue
		}
		// PL = 0: every vector but the last takes column 2t+8 from the four floats loaded at 2t+5.
		t := uintptr(0)
		for ; t < lastT; t += 16 {
			e0, o0 := sw.split(p0, 2*t)
			e1, o1 := sw.split(p1, 2*t)
			e2, o2 := sw.split(p2, 2*t)
			r0 := e0.LookupOrZero(sl).Or(asBytes(ld4(p0, 2*t+20)).LookupOrZero(k3))
			r1 := e1.LookupOrZero(sl).Or(asBytes(ld4(p1, 2*t+20)).LookupOrZero(k3))
			r2 := e2.LookupOrZero(sl).Or(asBytes(ld4(p2, 2*t+20)).LookupOrZero(k3))
			acc := vb.Add(w0.Mul(asFloats(e0))).Add(w1.Mul(asFloats(o0))).Add(w2.Mul(asFloats(r0)))
			acc = acc.Add(w3.Mul(asFloats(e1)).Add(w4.Mul(asFloats(o1))).Add(w5.Mul(asFloats(r1))))
			acc = acc.Add(w6.Mul(asFloats(e2)).Add(w7.Mul(asFloats(o2))).Add(w8.Mul(asFloats(r2))))
			st4(py, orow+t, {{ep "acc"}})
		}
		// Last vector: column W is padding.
		t = lastT
		e0, o0 := sw.split(p0, 2*t)
		e1, o1 := sw.split(p1, 2*t)
		e2, o2 := sw.split(p2, 2*t)
		r0, r1, r2 := e0.LookupOrZero(sl), e1.LookupOrZero(sl), e2.LookupOrZero(sl)
		acc := vb.Add(w0.Mul(asFloats(e0))).Add(w1.Mul(asFloats(o0))).Add(w2.Mul(asFloats(r0)))
		acc = acc.Add(w3.Mul(asFloats(e1)).Add(w4.Mul(asFloats(o1))).Add(w5.Mul(asFloats(r1))))
		acc = acc.Add(w6.Mul(asFloats(e2)).Add(w7.Mul(asFloats(o2))).Add(w8.Mul(asFloats(r2))))
		st4(py, orow+t, {{ep "acc"}})
	}
`,
}
