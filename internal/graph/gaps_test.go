package graph

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// firstFitNaive is the planner's old allocator: sort the live buffers, take the first hole that
// fits. The gap tree must give the same offsets.
func firstFitNaive(live map[int]int, size int) int {
	offs := make([]int, 0, len(live))
	for off := range live {
		offs = append(offs, off)
	}
	sort.Ints(offs)
	at := 0
	for _, off := range offs {
		if off-at >= size {
			return at
		}
		at = max(at, off+live[off])
	}
	return at
}

func TestGapTreeIsFirstFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		var g gapTree
		g.init()
		live := map[int]int{} // offset → size
		for op := range 300 {
			if len(live) > 0 && rng.IntN(3) == 0 {
				// free a random live buffer
				offs := make([]int, 0, len(live))
				for off := range live {
					offs = append(offs, off)
				}
				sort.Ints(offs)
				off := offs[rng.IntN(len(offs))]
				g.give(off, live[off])
				delete(live, off)
				continue
			}
			size := 16 * (1 + rng.IntN(8))
			want := firstFitNaive(live, size)
			got := g.first(size)
			if got != want {
				t.Fatalf("trial %d op %d: size %d at %d, first fit says %d", trial, op, size, got, want)
			}
			g.take(got, size)
			live[got] = size
		}
	}
}
