package face

import (
	"encoding/binary"
	"fmt"
	"sync"

	pigo "github.com/esimov/pigo/core"
)

// Limits of the cascade format that pigo reads; pigo itself checks nothing.
const (
	maxCascadeDepth = 12      // 2^12 leaves per tree is far beyond any pico cascade (facefinder: 6)
	maxCascadeTrees = 1 << 16 // facefinder has 468
)

// parseCascade checks that a pigo (pico) face cascade is complete before handing it to
// pigo.Unpack, which indexes the input without bounds checks and panics on a short file.
// Layout: 8 bytes pico header, uint32 depth, uint32 trees, then per tree 4·2^depth−4 code bytes,
// 2^depth float32 leaf predictions and a float32 threshold.
func parseCascade(b []byte) (*pigo.Pigo, error) {
	if len(b) < 16 {
		return nil, &cascadeError{Reason: fmt.Sprintf("%d bytes, shorter than the 16-byte header", len(b))}
	}
	depth := binary.LittleEndian.Uint32(b[8:])
	trees := binary.LittleEndian.Uint32(b[12:])
	if depth < 1 || depth > maxCascadeDepth {
		return nil, &cascadeError{Reason: fmt.Sprintf("tree depth %d outside 1..%d", depth, maxCascadeDepth)}
	}
	if trees < 1 || trees > maxCascadeTrees {
		return nil, &cascadeError{Reason: fmt.Sprintf("%d trees outside 1..%d", trees, maxCascadeTrees)}
	}
	leaves := int64(1) << depth
	perTree := (4*leaves - 4) + 4*leaves + 4
	if want := 16 + int64(trees)*perTree; int64(len(b)) != want {
		return nil, &cascadeError{Reason: fmt.Sprintf("%d bytes, depth %d and %d trees need %d", len(b), depth, trees, want)}
	}
	p, err := pigo.NewPigo().Unpack(b)
	if err != nil {
		return nil, &cascadeError{Reason: err.Error()}
	}
	return p, nil
}

var (
	defaultCascadeOnce sync.Once
	defaultCascade     *pigo.Pigo
	defaultCascadeErr  error
)

// embeddedCascade parses the embedded facefinder once; the result is read-only and shared by
// every Detector (pigo's RunCascade does not mutate the cascade). A build with the tag
// bonafide_lean embeds none (cascade_lean.go) and says so.
func embeddedCascade() (*pigo.Pigo, error) {
	if facefinder == nil {
		return nil, &cascadeError{Reason: "this build (tag bonafide_lean, the browser's) embeds no cascade: " +
			"pass the facefinder file in PigoOptions.Cascade (the web module fetches models/facefinder)"}
	}
	defaultCascadeOnce.Do(func() {
		defaultCascade, defaultCascadeErr = parseCascade(facefinder)
	})
	return defaultCascade, defaultCascadeErr
}

// cascadeFor is the cascade a Pigo with options o runs: o.Cascade when given (parsed for each
// detector; pigo's Unpack copies it, so the caller may reuse the bytes), else the embedded one.
func cascadeFor(o PigoOptions) (*pigo.Pigo, error) {
	if o.Cascade != nil {
		return parseCascade(o.Cascade)
	}
	return embeddedCascade()
}
