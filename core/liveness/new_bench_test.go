package liveness_test

import (
	"testing"

	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/models"
)

// BenchmarkNewChecker loads the default model and BlazeFace, what Bonafide.create() asks of the
// engine once the files are in: most of a page's first wait (scripts/bench/startup's "models"
// step). Run it with -tags bonafide_lean for the browser's decoder, and under GOOS=js GOARCH=wasm,
// where every byte allocated also costs the single-threaded garbage collector.
func BenchmarkNewChecker(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := liveness.New(liveness.Config{Model: models.Default, FaceModel: models.BlazeFaceFront, Track: true}); err != nil {
			b.Fatal(err)
		}
	}
}
