// Package graph compiles a decoded ONNX graph into an execution plan and runs it.
//
// Graph (ir.go) is the decoders' output (internal/onnx fills it): nodes with their attributes, the
// initializers, the declared inputs and outputs. Compile (compile.go) is where a model is judged:
// opset and domain, operators (the registry of ops_*.go, each with the opsets it covers), shapes
// (inferred node by node, checked against what the file declares) and limits. Integer shape
// arithmetic is folded to constants as the nodes are built (fold.go); then fuse.go merges steps
// (Conv with BatchNormalization, activations and a residual Add; the squeeze-and-excitation block),
// every step builds its kernels once (internal/kernel constructors pack the weights), and plan
// assigns each run-time value an offset in one arena, reusing storage once a value is dead.
//
// The Program is immutable and shared; a Runner (program.go) holds one goroutine's buffers, and
// its Run calls each step's kernels in order without allocating. StepTimes (steptimes.go) times
// the steps when asked to.
package graph
