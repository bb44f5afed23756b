package graph

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
)

func f32(shape []int, vals ...float32) *Tensor {
	n := numElements(shape)
	data := make([]float32, n)
	for i := range data {
		if len(vals) > 0 {
			data[i] = vals[i%len(vals)]
		}
	}
	return &Tensor{DType: Float32, Shape: shape, F: data}
}

func input(name string, dims ...int) ValueInfo {
	ds := make([]Dim, len(dims))
	for i, d := range dims {
		ds[i] = Dim{Value: d}
	}
	return ValueInfo{Name: name, DType: Float32, Dims: ds}
}

// convBNReluAdd is x → Conv → BatchNorm → Relu → Conv → Add(x') → Relu, the shapes of a residual block.
func convBlock() *Graph {
	return &Graph{
		Opset: 13,
		Initializers: map[string]*Tensor{
			"w1": f32([]int{4, 4, 3, 3}, 0.1, -0.05, 0.02), "w2": f32([]int{4, 4, 1, 1}, 0.3, -0.2),
			"s": f32([]int{4}, 1.5), "b": f32([]int{4}, 0.1), "m": f32([]int{4}, 0.2), "v": f32([]int{4}, 2),
		},
		Inputs:  []ValueInfo{input("x", 1, 4, 8, 8)},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []*Node{
			{Op: "Conv", Name: "c1", Inputs: []string{"x", "w1"}, Outputs: []string{"c1"}, Attrs: map[string]Attr{"pads": {Kind: AttrInts, Ints: []int64{1, 1, 1, 1}}}},
			{Op: "BatchNormalization", Name: "bn", Inputs: []string{"c1", "s", "b", "m", "v"}, Outputs: []string{"bn"}},
			{Op: "Relu", Name: "r1", Inputs: []string{"bn"}, Outputs: []string{"r1"}},
			{Op: "Conv", Name: "c2", Inputs: []string{"r1", "w2"}, Outputs: []string{"c2"}},
			{Op: "Add", Name: "add", Inputs: []string{"c2", "x"}, Outputs: []string{"sum"}},
			{Op: "Relu", Name: "r2", Inputs: []string{"sum"}, Outputs: []string{"y"}},
		},
	}
}

func run(t *testing.T, p *Program, in []float32) []float32 {
	t.Helper()
	out, err := p.NewRunner().Run([][]float32{in})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// TestFusionKeepsResults compiles a residual block with and without fusion: the fused program has
// two steps (Conv+BatchNormalization+Relu, Conv+Add+Relu) and computes the same thing.
func TestFusionKeepsResults(t *testing.T) {
	fused, err := Compile(convBlock(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Compile(convBlock(), Options{NoFusion: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fused.StepOps(), " "); got != "Conv+BatchNormalization+Relu Conv+Add+Relu" {
		t.Errorf("fused steps: %s", got)
	}
	if len(plain.StepOps()) != 6 {
		t.Errorf("unfused steps: %v", plain.StepOps())
	}
	in := make([]float32, 4*8*8)
	for i := range in {
		in[i] = float32(math.Sin(float64(i)))
	}
	a, b := run(t, fused, in), run(t, plain, in)
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			t.Fatalf("element %d: fused %v, unfused %v", i, a[i], b[i])
		}
	}
}

// TestArenaReuse checks that a chain of elementwise steps runs in place: ten Relus need no more
// arena than one.
func TestArenaReuse(t *testing.T) {
	g := &Graph{Opset: 13, Inputs: []ValueInfo{input("x", 1, 1024)}, Outputs: []ValueInfo{{Name: "y9"}}}
	prev := "x"
	for i := 0; i < 10; i++ {
		out := "y" + string(rune('0'+i))
		g.Nodes = append(g.Nodes, &Node{Op: "Sigmoid", Inputs: []string{prev}, Outputs: []string{out}})
		prev = out
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.ArenaBytes() > 2*4*1024 {
		t.Errorf("arena %d bytes for a chain over 1024 floats, want ≤ %d (in-place reuse)", p.ArenaBytes(), 2*4*1024)
	}
}

// TestConstantFolding checks that a shape computation (Shape → Gather → Unsqueeze → Concat →
// Reshape) folds away, leaving a zero-copy reshape and no run-time steps.
func TestConstantFolding(t *testing.T) {
	g := &Graph{
		Opset: 13,
		Initializers: map[string]*Tensor{
			"zero": {DType: Int64, Shape: []int{}, I: []int64{0}},
			"axes": {DType: Int64, Shape: []int{1}, I: []int64{0}},
			"m1":   {DType: Int64, Shape: []int{1}, I: []int64{-1}},
		},
		Inputs:  []ValueInfo{input("x", 2, 3, 4)},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []*Node{
			{Op: "Shape", Inputs: []string{"x"}, Outputs: []string{"s"}},
			{Op: "Gather", Inputs: []string{"s", "zero"}, Outputs: []string{"n"}},
			{Op: "Unsqueeze", Inputs: []string{"n", "axes"}, Outputs: []string{"n1"}},
			{Op: "Concat", Inputs: []string{"n1", "m1"}, Outputs: []string{"shape"}, Attrs: map[string]Attr{"axis": {Kind: AttrInt, I: 0}}},
			{Op: "Reshape", Inputs: []string{"x", "shape"}, Outputs: []string{"r"}},
			{Op: "Relu", Inputs: []string{"r"}, Outputs: []string{"y"}},
		},
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Outputs()[0].Shape; len(got) != 2 || got[0] != 2 || got[1] != 12 {
		t.Errorf("output shape %v, want [2 12]", got)
	}
	if ops := p.StepOps(); len(ops) != 1 || ops[0] != "Relu" {
		t.Errorf("steps %v, want only Relu", ops)
	}
}

func TestCompileErrors(t *testing.T) {
	base := func() *Graph {
		return &Graph{Opset: 13, Inputs: []ValueInfo{input("x", 1, 4)}, Outputs: []ValueInfo{{Name: "y"}},
			Nodes: []*Node{{Op: "Relu", Name: "n", Inputs: []string{"x"}, Outputs: []string{"y"}}}}
	}
	tests := []struct {
		name  string
		edit  func(*Graph)
		check func(error) bool
		want  string
	}{
		{"unknown op", func(g *Graph) { g.Nodes[0].Op = "Frobnicate" }, isType[*errs.UnsupportedError], `Frobnicate (opset 13) in node "n"`},
		{"old opset", func(g *Graph) { g.Opset = 6 }, isType[*errs.UnsupportedError], "opset 6"},
		{"HardSwish before 14", func(g *Graph) { g.Nodes[0].Op = "HardSwish" }, isType[*errs.UnsupportedError], "HardSwish"},
		{"unsorted", func(g *Graph) { g.Nodes[0].Inputs[0] = "later" }, isType[*GraphError], `"later"`},
		{"missing output", func(g *Graph) { g.Outputs[0].Name = "z" }, isType[*GraphError], `"z"`},
		{"produced twice", func(g *Graph) { g.Nodes = append(g.Nodes, g.Nodes[0]) }, isType[*GraphError], "produced twice"},
		{"bad broadcast", func(g *Graph) {
			g.Initializers = map[string]*Tensor{"b": f32([]int{3})}
			g.Nodes[0] = &Node{Op: "Add", Name: "n", Inputs: []string{"x", "b"}, Outputs: []string{"y"}}
		}, isType[*ShapeError], "do not broadcast"},
		{"huge reshape", func(g *Graph) {
			g.Initializers = map[string]*Tensor{"s": {DType: Int64, Shape: []int{2}, I: []int64{1 << 20, 1 << 20}}}
			g.Nodes = []*Node{{Op: "ConstantOfShape", Name: "n", Inputs: []string{"s"}, Outputs: []string{"c"}},
				{Op: "Add", Inputs: []string{"x", "c"}, Outputs: []string{"y"}}}
		}, isType[*errs.LimitError], "over the limit"},
		{"dynamic inner dim", func(g *Graph) { g.Inputs[0].Dims[1] = Dim{Param: "w"} }, isType[*GraphError], "dynamic"},
		{"runtime conv weights", func(g *Graph) {
			g.Inputs = append(g.Inputs, input("w", 1, 1, 1, 1))
			g.Inputs[0] = input("x", 1, 1, 2, 2)
			g.Nodes[0] = &Node{Op: "Conv", Name: "n", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}
		}, isType[*errs.UnsupportedError], "must be a constant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := base()
			tt.edit(g)
			_, err := Compile(g, Options{})
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (%T), want one containing %q", err, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "graph: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestDynamicBatch compiles the same graph at two batch sizes.
func TestDynamicBatch(t *testing.T) {
	g := &Graph{Opset: 13, Inputs: []ValueInfo{{Name: "x", DType: Float32, Dims: []Dim{{Param: "N"}, {Value: 3}}}},
		Outputs: []ValueInfo{{Name: "y"}}, Nodes: []*Node{{Op: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}}}
	for _, n := range []int{1, 5} {
		p, err := Compile(g, Options{Batch: n})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Inputs()[0].Shape; got[0] != n {
			t.Errorf("batch %d: input shape %v", n, got)
		}
	}
	p, err := Compile(g, Options{Dims: map[string]int{"N": 7}})
	if err != nil || p.Inputs()[0].Shape[0] != 7 {
		t.Fatalf("named dim: %v %v", p, err)
	}
}

func TestSupported(t *testing.T) {
	ops := Supported()
	for _, want := range []string{"Conv", "ConvTranspose", "Resize", "Gemm", "Softmax", "HardSwish", "Slice"} {
		found := false
		for _, op := range ops {
			found = found || op == want
		}
		if !found {
			t.Errorf("%s missing from Supported()", want)
		}
	}
	if IsSupported("HardSwish", 13) || !IsSupported("HardSwish", 14) {
		t.Error("HardSwish exists from opset 14")
	}
}

// TestZeroPadIsAView: a Pad whose pads are all zero (PS-B's head has three) costs no step, and the
// pool after it reads the Pad's input.
func TestZeroPadIsAView(t *testing.T) {
	g := &Graph{
		Opset:        13,
		Initializers: map[string]*Tensor{"pads": {DType: Int64, Shape: []int{8}, I: make([]int64, 8)}},
		Inputs:       []ValueInfo{input("x", 1, 2, 4, 4)},
		Outputs:      []ValueInfo{{Name: "y"}},
		Nodes: []*Node{
			{Op: "Pad", Name: "pad", Inputs: []string{"x", "pads"}, Outputs: []string{"p"}},
			{Op: "AveragePool", Name: "pool", Inputs: []string{"p"}, Outputs: []string{"y"},
				Attrs: map[string]Attr{"kernel_shape": {Kind: AttrInts, Ints: []int64{2, 2}}, "strides": {Kind: AttrInts, Ints: []int64{2, 2}}}},
		},
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.StepOps(), " "); got != "AveragePool" {
		t.Errorf("steps: %s, want AveragePool alone", got)
	}
	in := make([]float32, 32)
	for i := range in {
		in[i] = float32(i)
	}
	got := run(t, p, in)
	want := []float32{2.5, 4.5, 10.5, 12.5, 18.5, 20.5, 26.5, 28.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("y = %v, want %v", got, want)
		}
	}
}

// TestStepTimes: an attached profile gets one entry per step and the runs counted; detached, Run
// allocates nothing.
func TestStepTimes(t *testing.T) {
	p, err := Compile(convBlock(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := p.NewRunner()
	in := [][]float32{make([]float32, 4*8*8)}
	var prof StepTimes
	s.SetStepTimes(&prof)
	for i := 0; i < 3; i++ {
		if _, err := s.Run(in); err != nil {
			t.Fatal(err)
		}
	}
	if prof.Runs != 3 || len(prof.Steps) != p.StepCount() {
		t.Fatalf("profile: %d runs, %d steps; want 3 and %d", prof.Runs, len(prof.Steps), p.StepCount())
	}
	if prof.Steps[0].Op != "Conv+BatchNormalization+Relu" || prof.Steps[0].MACs == 0 || !strings.Contains(prof.Steps[0].Shape, "k3x3") {
		t.Errorf("first step: %+v", prof.Steps[0])
	}
	var sb strings.Builder
	if err := prof.WriteTable(&sb); err != nil || !strings.Contains(sb.String(), "Conv+Add+Relu") {
		t.Errorf("table: %v\n%s", err, sb.String())
	}
	s.SetStepTimes(nil)
	if n := testing.AllocsPerRun(5, func() { s.Run(in) }); n != 0 {
		t.Errorf("Run without a profile allocates %v times", n)
	}
}

// seBlock is an SE block as PyTorch exports it, inside a residual: x → Conv → ReduceMean →
// Conv → Relu → Conv → Sigmoid → Mul(x') → Add(x). With useGAP, GlobalAveragePool pools instead.
func seBlock(useGAP bool) *Graph {
	pool := &Node{Op: "ReduceMean", Name: "pool", Inputs: []string{"c0"}, Outputs: []string{"p"},
		Attrs: map[string]Attr{"axes": {Kind: AttrInts, Ints: []int64{2, 3}}}}
	if useGAP {
		pool = &Node{Op: "GlobalAveragePool", Name: "pool", Inputs: []string{"c0"}, Outputs: []string{"p"}}
	}
	return &Graph{
		Opset: 13,
		Initializers: map[string]*Tensor{
			"w0": f32([]int{8, 8, 1, 1}, 0.2, -0.1, 0.05), "w1": f32([]int{2, 8, 1, 1}, 0.3, -0.2, 0.1),
			"b1": f32([]int{2}, 0.1, -0.3), "w2": f32([]int{8, 2, 1, 1}, 0.5, -0.4), "b2": f32([]int{8}, 0.2, -0.1),
		},
		Inputs:  []ValueInfo{input("x", 1, 8, 5, 5)},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []*Node{
			{Op: "Conv", Name: "c0", Inputs: []string{"x", "w0"}, Outputs: []string{"c0"}},
			pool,
			{Op: "Conv", Name: "fc1", Inputs: []string{"p", "w1", "b1"}, Outputs: []string{"f1"}},
			{Op: "Relu", Name: "relu", Inputs: []string{"f1"}, Outputs: []string{"r"}},
			{Op: "Conv", Name: "fc2", Inputs: []string{"r", "w2", "b2"}, Outputs: []string{"f2"}},
			{Op: "Sigmoid", Name: "gate", Inputs: []string{"f2"}, Outputs: []string{"g"}},
			{Op: "Mul", Name: "scale", Inputs: []string{"c0", "g"}, Outputs: []string{"m"}},
			{Op: "Add", Name: "add", Inputs: []string{"x", "m"}, Outputs: []string{"y"}},
		},
	}
}

// TestSEFusion checks that an SE block and the residual Add after it become one SE+Add step that
// computes what the unfused steps do, for both spellings of the pool.
func TestSEFusion(t *testing.T) {
	for _, gap := range []bool{false, true} {
		fused, err := Compile(seBlock(gap), Options{})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := Compile(seBlock(gap), Options{NoFusion: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fused.StepOps(), " "); got != "Conv SE+Add" {
			t.Errorf("GlobalAveragePool=%v: fused steps: %s", gap, got)
		}
		in := make([]float32, 8*5*5)
		for i := range in {
			in[i] = float32(math.Sin(float64(i) * 0.7))
		}
		a, b := run(t, fused, in), run(t, plain, in)
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > 1e-5 {
				t.Fatalf("GlobalAveragePool=%v: element %d: fused %v, unfused %v", gap, i, a[i], b[i])
			}
		}
		ss := fused.NewRunner()
		if n := testing.AllocsPerRun(5, func() { ss.Run([][]float32{in}) }); n != 0 {
			t.Errorf("GlobalAveragePool=%v: %v allocations per Run, want 0", gap, n)
		}
	}
}

// TestAxisOnScalar gives every op that takes an axis a rank-0 input and axis 0, which no ONNX op
// accepts: each must say so with a ShapeError, not index an empty shape (FuzzLoad found Concat doing
// that when the axis check let axis 0 through for rank 0).
func TestAxisOnScalar(t *testing.T) {
	i64 := func(v ...int64) *Tensor { return &Tensor{DType: Int64, Shape: []int{len(v)}, I: v} }
	axis0 := map[string]Attr{"axis": {Kind: AttrInt, I: 0}}
	tests := []struct {
		name string
		node *Node
	}{
		{"Concat", &Node{Op: "Concat", Inputs: []string{"x", "x"}, Attrs: axis0}},
		{"Softmax", &Node{Op: "Softmax", Inputs: []string{"x"}, Attrs: axis0}},
		{"ReduceSum", &Node{Op: "ReduceSum", Inputs: []string{"x", "ax"}}},
		{"Squeeze", &Node{Op: "Squeeze", Inputs: []string{"x", "ax"}}},
		{"Slice", &Node{Op: "Slice", Inputs: []string{"x", "one", "one", "ax"}}},
		{"Pad", &Node{Op: "Pad", Inputs: []string{"x", "pads", "", "ax"}}},
		{"Gather", &Node{Op: "Gather", Inputs: []string{"x", "zero"}, Attrs: axis0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.node.Name, tt.node.Outputs = "n", []string{"y"}
			g := &Graph{Opset: 18, Inputs: []ValueInfo{input("x")}, Outputs: []ValueInfo{{Name: "y"}},
				Initializers: map[string]*Tensor{"ax": i64(0), "one": i64(1), "pads": i64(0, 0),
					"zero": {DType: Int64, I: []int64{0}}},
				Nodes: []*Node{tt.node}}
			_, err := Compile(g, Options{})
			if !isType[*ShapeError](err) {
				t.Fatalf("err = %v (%T), want a *ShapeError", err, err)
			}
		})
	}
}

// TestBuildPanicIsAnError checks the safety net under every builder: a panic comes back as a
// *BuildPanicError naming the node, with no kind, so fuzz targets still flag it as a bug.
func TestBuildPanicIsAnError(t *testing.T) {
	boom := func(*nodeCtx) error { var s []int; _ = s[3]; return nil }
	err := buildSafely(boom, &nodeCtx{}, &Node{Op: "Concat", Name: "cat"})
	var bp *BuildPanicError
	if !errors.As(err, &bp) || !strings.Contains(err.Error(), `Concat "cat"`) || !strings.Contains(bp.Stack, "TestBuildPanicIsAnError") {
		t.Fatalf("err = %v (%T), want a *BuildPanicError naming Concat \"cat\" with a stack", err, err)
	}
	if k := errs.KindOf(err); k != errs.Unknown {
		t.Errorf("kind = %v, want unknown", k)
	}
	if err := buildSafely(func(*nodeCtx) error { return nil }, &nodeCtx{}, &Node{Op: "Relu"}); err != nil {
		t.Errorf("a builder that returns nil gave %v", err)
	}
}

// TestCheckShape holds the element-count check to every shape a model can declare: a zero
// dimension before a large one divided by zero (FuzzLoad), and a product past the limit must not
// wrap around.
func TestCheckShape(t *testing.T) {
	tests := []struct {
		shape []int
		check func(error) bool
	}{
		{[]int{1, 3, 80, 80}, func(err error) bool { return err == nil }},
		{[]int{0, 13, 13}, func(err error) bool { return err == nil }},
		{[]int{13, 0, 1 << 40}, func(err error) bool { return err == nil }},
		{[]int{1 << 20, 1 << 50}, isType[*errs.LimitError]},
		{[]int{2, -1}, isType[*GraphError]},
		{make([]int, 64), isType[*errs.LimitError]},
	}
	for _, tt := range tests {
		if err := checkShape("v", tt.shape); !tt.check(err) {
			t.Errorf("checkShape(%v) = %v (%T)", tt.shape, err, err)
		}
	}
}
