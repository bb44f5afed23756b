package face

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"sync"

	pigo "github.com/esimov/pigo/core"
)

// facefinder is pico's frontal-face cascade as github.com/esimov/pigo v1.4.6 ships it
// (cascade/facefinder, 239 632 bytes). See FACEFINDER.md for its origin and licence.
//
//go:embed facefinder
var facefinder []byte

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
// every Detector (pigo's RunCascade does not mutate the cascade).
func embeddedCascade() (*pigo.Pigo, error) {
	defaultCascadeOnce.Do(func() {
		defaultCascade, defaultCascadeErr = parseCascade(facefinder)
	})
	return defaultCascade, defaultCascadeErr
}
