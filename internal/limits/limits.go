// Package limits names every limit the engine puts on a model, in one place: the decoders, the
// pre-pass and the compiler all read them from here, and core/model publishes them. Each refuses a
// hostile or broken file with an *errs.LimitError before anything proportional to what the file
// describes is allocated.
package limits

const (
	// MaxModelBytes bounds the size of a model file.
	MaxModelBytes = 512 << 20
	// MaxElements bounds the elements of any one tensor: an initializer, a declared input or
	// output, a constant folded at compile time or a run-time value (64 Mi float32 = 256 MiB, ten
	// 1080p RGB frames).
	MaxElements = 1 << 26
	// MaxNodes bounds the nodes of a graph: a graph of this many loads within 2 s in the browser
	// (decoding and compiling are linear in it), and no vision model comes near it.
	MaxNodes = 1 << 14
	// MaxOutputs bounds the outputs of a graph: each is a buffer that lives until the end of a
	// run, and a liveness model has a handful.
	MaxOutputs = 1024
	// MaxRank bounds the rank of every tensor.
	MaxRank = 8
)

// DefaultMaxMemory (limits_native.go, limits_js.go) is the memory a model may hold when its
// options set no budget: its weights (decoded, folded and packed for the kernels) plus one
// runner's buffers. A browser tab's wasm memory is the scarcer one, hence the smaller default
// there.
