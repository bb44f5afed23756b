// Command gentile writes the unrolled kernels of package kernel: depthwise_direct_wasmsimd.go (the
// 3×3 depthwise convolutions' epilogue variants, depthwise.go) and the GEMM micro-kernels,
// gemm_tiles_generic.go (scalar,
// in every build) and gemm_tiles_wasmsimd.go (wasm SIMD, Float32x4), each with variants for 1 to 4
// rows. Both compute gemmMR×gemmNR = 4×8 tiles over the same packed operands (tile.go), so that one
// binary can hold both implementations and kerneltest can compare them; the scalar kernel keeps
// only a 4×2 strip of the tile in registers at a time and runs the tile's four strips in turn. The
// kernels are fully unrolled straight-line code because Go's wasm backend keeps every value of a
// loop body in its 16 v128 "registers" (wasm locals) and pays a trip through the function's block
// dispatcher for every branch; see internal/kernel/BENCH.md for the measurements that chose the
// shapes.
//
// Run it with go generate in internal/kernel. The flags regenerate other unrolls or strips for
// measuring (BENCH.md lists the commands); TestUpToDate fails until the defaults are regenerated.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
)

// The tile shape both kernels compute; tile.go's gemmMR and gemmNR must agree (the generated files
// fail to compile otherwise).
const (
	tileMR = 4
	tileNR = 8
)

// kernel describes one implementation's micro-kernel family.
type kernel struct {
	file   string
	tag    string // build constraint, or "" for every build
	suffix string // of the generated functions' names: gemmTiles<suffix>1, ...
	strip  int    // tile columns held in registers at a time (tileNR for one strip)
	lanes  int    // floats per accumulator: 4 (Float32x4) or 1 (float32)
	unroll int    // k steps per loop iteration
	// asm: the tiles are written in WebAssembly (asm.go, gemm_tiles_wasm.s) and the Go functions
	// only prove the accesses in bounds and call them.
	asm bool
	why string
}

var kernels = []kernel{
	{
		file: "gemm_tiles_generic.go", suffix: "Generic", strip: 2, lanes: 1, unroll: 4,
		why: `// The scalar micro-kernels: each 4×8 tile runs as four 4×2 strips, a strip keeping its eight
// accumulators, four A values and two B values in registers on amd64 and in wasm locals, k
// unrolled by four. Natively 4×4 strips spill (5.6 against 10.9 GFLOP/s in a tile-only test); in
// Chromium the scalar shapes measured within noise of each other on the models, and the four-way
// unroll beat the two-way one in both runs (BENCH.md).`,
	},
	{
		file: "gemm_tiles_wasmsimd.go", tag: "goexperiment.simd && wasm", suffix: "SIMD", strip: tileNR, lanes: 4, unroll: 4,
		asm: true,
		why: `// The wasm SIMD micro-kernels: the tiles are written in WebAssembly (gemm_tiles_wasm.s, also
// generated), which ran pointwise convolutions 30-50% faster than the same tiles in Go with
// simd/archsimd in CPU-time A/Bs under node (BENCH.md, round 3); these functions prove every access
// in bounds and call them.
//
// The 4×8 shape: a tile of eight Float32x4 accumulators.
// In a tile-only test under node, 4×8 and 6×8 with the four-way unroll both reach 23–25 GFLOP/s,
// 2×12 22, 8×8 15 (Go's wasm backend has 16 v128 registers and spills the rest); in Chromium on the
// whole networks 4×8 beat 6×8, 4×12 and 8×8, whose larger tiles waste more on MiniFASNet's odd
// channel counts (BENCH.md).`,
	},
}

func main() {
	shape := func(name string, k *kernel) {
		flag.Func(name, fmt.Sprintf("strip width and unroll STRIP/UNROLL (default %d/%d)", k.strip, k.unroll), func(v string) error {
			if _, err := fmt.Sscanf(v, "%d/%d", &k.strip, &k.unroll); err != nil {
				return fmt.Errorf("want STRIP/UNROLL: %v", err)
			}
			if k.strip%k.lanes != 0 || tileNR%k.strip != 0 || k.unroll < 1 {
				return fmt.Errorf("strip %d must be a multiple of %d lanes dividing %d, unroll ≥ 1", k.strip, k.lanes, tileNR)
			}
			return nil
		})
	}
	shape("generic", &kernels[0])
	shape("simd", &kernels[1])
	flag.Parse()
	for _, k := range kernels {
		src, err := k.generate()
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(k.file, src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	var b bytes.Buffer
	writeAsm(&b)
	if err := os.WriteFile(asmFile, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	dw, err := generateDepthwise()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(dwFile, dw, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generate returns the gofmt-ed source of k's file.
func (k kernel) generate() ([]byte, error) {
	var b bytes.Buffer
	k.write(&b)
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", k.file, err, b.Bytes())
	}
	return src, nil
}

func (k kernel) simd() bool { return k.lanes > 1 }

// vecs is the number of accumulators per tile row of a strip.
func (k kernel) vecs() int { return k.strip / k.lanes }

func (k kernel) write(b *bytes.Buffer) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	p("// Code generated by internal/gentile; DO NOT EDIT.")
	p("")
	if k.tag != "" {
		p("//go:build %s", k.tag)
		p("")
	}
	p("package kernel")
	p("")
	if k.simd() && !k.asm {
		p("import (\n\"simd/archsimd\"\n\"unsafe\"\n)")
	} else {
		p("import \"unsafe\"")
	}
	p("")
	p("%s", k.why)
	p("//")
	p("// The generator wrote these for %d×%d tiles: the array index fails to compile unless tile.go's", tileMR, tileNR)
	p("// gemmMR and gemmNR are the same.")
	p("var _ = [1]struct{}{}[gemmMR-%d+gemmNR-%d]", tileMR, tileNR)
	p("")
	p("// gemmTilesRows%s computes nt tiles of which only the first rows rows exist in c (and the residual).", k.suffix)
	p("func gemmTilesRows%s(rows, k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {", k.suffix)
	p("switch rows {")
	for r := 1; r <= tileMR; r++ {
		p("case %d:\ngemmTiles%s%d(k, a, b, c, ldc, nt, ep)", r, k.suffix, r)
	}
	p("}\n}")
	for r := 1; r <= tileMR; r++ {
		if k.asm {
			k.asmWrapper(p, r)
			continue
		}
		k.tiles(p, r)
	}
	k.packPanel(p)
}

// asmWrapper writes gemmTiles<suffix><rows>, which proves the accesses of nt tiles in bounds and
// runs gemmTileAsm<rows>.
func (k kernel) asmWrapper(p func(string, ...any), rows int) {
	p("")
	p("// gemmTileAsm%d is the WebAssembly tile for blocks of %d rows (gemm_tiles_wasm.s).", rows, rows)
	p("//")
	p("//go:noescape")
	p("func gemmTileAsm%d(k int, a, b, c unsafe.Pointer, ldc int, nt int, ep *tileEpilogue)", rows)
	p("")
	p("// gemmTiles%s%d computes nt full tiles side by side (see tile.go) of which only the first %d rows exist.", k.suffix, rows, rows)
	p("func gemmTiles%s%d(k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {", k.suffix, rows)
	p("if nt <= 0 {\nreturn\n}")
	p("checkTilesRows(%d, k, a, b, c, ldc, nt, ep)", rows)
	p("gemmTileAsm%d(k, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, nt, ep)", rows)
	p("}")
}

// packPanel writes packPanels<suffix>, the copy of np full panels of B, unrolled across a panel's
// gemmNR columns.
func (k kernel) packPanel(p func(string, ...any)) {
	p("")
	p("// packPanels%s copies np full gemmNR-column panels: panel j takes columns [j·gemmNR, (j+1)·gemmNR)", k.suffix)
	p("// of k rows of src, ld apart, to dst[j·k·gemmNR:].")
	p("func packPanels%s(dst, src []float32, k, ld, np int) {", k.suffix)
	p("if k == 0 || np == 0 {\nreturn\n}")
	p("_ = dst[:np*k*gemmNR]")
	p("_ = src[:(k-1)*ld+np*gemmNR]")
	p("sl := uintptr(ld) * 4")
	p("for j := 0; j < np; j++ {")
	p("pd, ps := unsafe.Pointer(&dst[j*k*gemmNR]), unsafe.Pointer(&src[j*gemmNR])")
	p("for p := 0; ; {")
	for j := 0; j < tileNR; j += k.lanes {
		if k.simd() {
			p("st4(pd, %d, ld4(ps, %d))", 4*j, 4*j)
		} else {
			p("setF32(pd, %d, f32(ps, %d))", 4*j, 4*j)
		}
	}
	p("if p++; p == k {\nbreak\n}")
	p("pd, ps = unsafe.Add(pd, %d), unsafe.Add(ps, sl)", 4*tileNR)
	p("}\n}\n}")
}

// tiles writes gemmTiles<suffix><rows>: the tile loop for a block of rows ≤ gemmMR rows of packed A.
func (k kernel) tiles(p func(string, ...any), rows int) {
	V, L := k.vecs(), k.lanes
	typ := "float32"
	ld := func(ptr string, off string) string { return fmt.Sprintf("f32(%s, %s)", ptr, off) }
	st := func(ptr, off, v string) string { return fmt.Sprintf("setF32(%s, %s, %s)", ptr, off, v) }
	splat := func(ptr, off string) string { return fmt.Sprintf("f32(%s, %s)", ptr, off) }
	add := func(x, y string) string { return fmt.Sprintf("%s + %s", x, y) }
	fma := func(acc, a, b string) string { return fmt.Sprintf("%s += %s * %s", acc, a, b) }
	if k.simd() {
		typ = "archsimd.Float32x4"
		ld = func(ptr, off string) string { return fmt.Sprintf("ld4(%s, %s)", ptr, off) }
		st = func(ptr, off, v string) string { return fmt.Sprintf("st4(%s, %s, %s)", ptr, off, v) }
		splat = func(ptr, off string) string { return fmt.Sprintf("splat(%s, %s)", ptr, off) }
		add = func(x, y string) string { return fmt.Sprintf("%s.Add(%s)", x, y) }
		fma = func(acc, a, b string) string { return fmt.Sprintf("%s = %s.Add(%s.Mul(%s))", acc, acc, a, b) }
	}
	acc := func(i, j int) string { return fmt.Sprintf("c%d%d", i, j) }
	rowOff := func(stride string, i, j int) string {
		o := fmt.Sprintf("%d", 4*L*j)
		switch i {
		case 0:
			return o
		case 1:
			return fmt.Sprintf("%s+%s", stride, o)
		}
		return fmt.Sprintf("%d*%s+%s", i, stride, o)
	}
	strips := k.strip < tileNR

	p("")
	p("// gemmTiles%s%d computes nt full tiles side by side (see tile.go) of which only the first %d rows exist.", k.suffix, rows, rows)
	p("func gemmTiles%s%d(k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {", k.suffix, rows)
	p("if nt <= 0 {\nreturn\n}")
	p("checkTilesRows(%d, k, a, b, c, ldc, nt, ep)", rows)
	p("sc := uintptr(ldc) * 4")
	p("_ = sc // one-row kernels never step to a second row")
	p("var sr uintptr")
	p("if ep.res != nil {\nsr = uintptr(ep.ldr) * 4\n}")
	p("_ = sr")
	p("var pslope unsafe.Pointer")
	p("if ep.slope != nil {\npslope = unsafe.Pointer(&ep.slope[0])\n}")
	p("for t := 0; t < nt; t++ {")
	// col is the first column of the registers' strip, bcol the strip's first float in B's panel.
	col, bcol := "t*gemmNR", "t*k*gemmNR"
	if strips {
		p("for s := 0; s < gemmNR; s += %d {", k.strip)
		col, bcol = "t*gemmNR+s", "t*k*gemmNR+s"
	}
	var names []string
	for i := 0; i < rows; i++ {
		for j := 0; j < V; j++ {
			names = append(names, acc(i, j))
		}
	}
	p("var %s %s", join(names), typ)
	// c and the residual are addressed from an element of the tile (&s[i]), never by stepping a
	// pointer past the end of the caller's buffer, which checkptr (-race) rejects.
	p("qc := unsafe.Pointer(&c[%s])", col)
	p("switch ep.init {")
	p("case initC:")
	for i := 0; i < rows; i++ {
		for j := 0; j < V; j++ {
			p("%s = %s", acc(i, j), ld("qc", rowOff("sc", i, j)))
		}
	}
	p("case initRowBias:")
	p("pbias := unsafe.Pointer(&ep.bias[0])")
	for i := 0; i < rows; i++ {
		p("r%d := %s", i, splat("pbias", fmt.Sprint(4*i)))
		for j := 0; j < V; j++ {
			p("%s = r%d", acc(i, j), i)
		}
	}
	p("case initColBias:")
	p("pbias := unsafe.Pointer(&ep.bias[%s])", col)
	for j := 0; j < V; j++ {
		p("q%d := %s", j, ld("pbias", fmt.Sprint(4*L*j)))
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < V; j++ {
			p("%s = q%d", acc(i, j), j)
		}
	}
	p("}")
	step := func(u int, decl bool) {
		op := "="
		if decl {
			op = ":="
		}
		for j := 0; j < V; j++ {
			p("b%d %s %s", j, op, ld("qb", fmt.Sprint(4*(u*tileNR+j*L))))
		}
		for i := 0; i < rows; i++ {
			p("a%d %s %s", i, op, splat("qa", fmt.Sprint(4*(u*tileMR+i))))
			for j := 0; j < V; j++ {
				p("%s", fma(acc(i, j), fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", j)))
			}
		}
	}
	// qa and qb step past the last element read; checkTilesRows made sure the slices' capacity covers
	// that spot (tileSlack), so even checkptr (-race) sees them inside their allocations. A guarded
	// step (advance only while another step follows) or integer offsets cost 5-10% in Chromium.
	p("if k > 0 {")
	p("qa, qb := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[%s])", bcol)
	p("p := 0")
	p("for ; p+%d <= k; p += %d {", k.unroll, k.unroll)
	for u := 0; u < k.unroll; u++ {
		step(u, u == 0)
	}
	p("qa, qb = unsafe.Add(qa, %d), unsafe.Add(qb, %d)", 4*tileMR*k.unroll, 4*tileNR*k.unroll)
	p("}")
	p("for ; p < k; p++ {")
	step(0, true)
	p("qa, qb = unsafe.Add(qa, %d), unsafe.Add(qb, %d)", 4*tileMR, 4*tileNR)
	p("}")
	p("}")
	p("if ep.res != nil {")
	p("qr := unsafe.Pointer(&ep.res[%s])", col)
	for i := 0; i < rows; i++ {
		for j := 0; j < V; j++ {
			if k.simd() {
				p("%s = %s", acc(i, j), add(acc(i, j), ld("qr", rowOff("sr", i, j))))
			} else {
				p("%s += %s", acc(i, j), ld("qr", rowOff("sr", i, j)))
			}
		}
	}
	p("}")
	p("if ep.clamp {")
	if k.simd() {
		// Broadcast here, not before the tile loop: a vector live across the k loop takes one of the
		// 16 registers the accumulators need.
		p("lo, hi := archsimd.BroadcastFloat32x4(ep.lo), archsimd.BroadcastFloat32x4(ep.hi)")
	}
	for _, n := range names {
		if k.simd() {
			p("%s = %s.Max(lo).Min(hi)", n, n)
		} else {
			p("%s = clamp32(%s, ep.lo, ep.hi)", n, n)
		}
	}
	p("}")
	p("if pslope != nil {")
	if k.simd() {
		p("zero := archsimd.BroadcastFloat32x4(0)")
	}
	for i := 0; i < rows; i++ {
		p("s%d := %s", i, splat("pslope", fmt.Sprint(4*i)))
		for j := 0; j < V; j++ {
			if k.simd() {
				p("%s = %s.Max(zero).Add(s%d.Mul(%s.Min(zero)))", acc(i, j), acc(i, j), i, acc(i, j))
			} else {
				p("%s = leaky32(%s, s%d)", acc(i, j), acc(i, j), i)
			}
		}
	}
	p("}")
	for i := 0; i < rows; i++ {
		for j := 0; j < V; j++ {
			p("%s", st("qc", rowOff("sc", i, j), acc(i, j)))
		}
	}
	if strips {
		p("}")
	}
	p("}")
	p("}")
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}
