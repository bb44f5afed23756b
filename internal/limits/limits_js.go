//go:build js

package limits

// DefaultMaxMemory in the browser (GOOS=js): 512 MiB, of wasm32's 4 GiB address space.
const DefaultMaxMemory = 512 << 20
