//go:build !js

package limits

// DefaultMaxMemory natively: 1 GiB.
const DefaultMaxMemory = 1 << 30
