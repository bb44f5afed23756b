package face

import (
	"image"
	"math"
	"sort"

	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// Image transforms for tests and tuning: degraded copies of real frames, so that each quality
// check can be shown to fire on what it is meant to catch.

// The image transforms live in facetest (shared with scripts/facetune).
var (
	darken    = facetest.Darken
	brighten  = facetest.Brighten
	flatten   = facetest.Flatten
	boxBlur   = facetest.BoxBlur
	rotate    = facetest.Rotate
	mapPixels = facetest.MapPixels
)

func clamp8(v float64) uint8 { return uint8(min(255, max(0, math.Round(v)))) }

// percentile returns the p-th percentile (0..100) of v by nearest rank; v is sorted in place.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	i := int(math.Ceil(p/100*float64(len(v)))) - 1
	return v[min(max(i, 0), len(v)-1)]
}

// mustFrame checks img as callers do; the tests that use it pass well-formed images.
func mustFrame(img *image.RGBA) *Frame {
	f, err := NewFrame(img)
	if err != nil {
		panic(err)
	}
	return f
}

// checkQuality is a one-shot gate, for tests that vary the options.
func checkQuality(f *Frame, faces []Face, opts QualityOptions) (Quality, error) {
	g, err := NewQualityGate(opts)
	if err != nil {
		return Quality{}, err
	}
	return g.Check(f, faces)
}

func measureFace(f *Frame, faces []Face, opts QualityOptions) (Measures, error) {
	g, err := NewQualityGate(opts)
	if err != nil {
		return Measures{}, err
	}
	return g.Measure(f, faces)
}
