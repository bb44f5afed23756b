package kernel

import (
	"fmt"
	"testing"
)

// TestBatched2D checks which permutations run as batched 2D transposes, and their sizes
// (kerneltest.TestTranspose checks the values for the same shapes).
func TestBatched2D(t *testing.T) {
	cases := []struct {
		shape, perm       []int
		ok                bool
		batch, rows, cols int
	}{
		{[]int{1, 128, 128, 3}, []int{0, 3, 1, 2}, true, 1, 16384, 3}, // NHWC → NCHW
		{[]int{1, 32, 16, 16}, []int{0, 2, 3, 1}, true, 1, 32, 256},   // NCHW → NHWC
		{[]int{2, 3, 4}, []int{0, 2, 1}, true, 2, 3, 4},
		{[]int{3, 5}, []int{1, 0}, true, 1, 3, 5},
		{[]int{2, 5, 1, 6, 3}, []int{0, 4, 2, 1, 3}, true, 2, 30, 3},
		{[]int{6, 1, 1, 3}, []int{2, 3, 0, 1}, true, 1, 6, 3},
		{[]int{2, 3, 4, 5}, []int{2, 3, 0, 1}, true, 1, 6, 20},
		{[]int{2, 3, 4, 5}, []int{0, 1, 3, 2}, true, 6, 4, 5},
		{[]int{2, 3, 4, 5}, []int{1, 0, 3, 2}, false, 0, 0, 0},
		{[]int{2, 3, 4}, []int{2, 0, 1}, true, 1, 6, 4},
		{[]int{2, 3, 4}, []int{1, 0, 2}, false, 0, 0, 0},
		{[]int{2, 3, 4}, []int{0, 1, 2}, false, 0, 0, 0},
		{[]int{1, 1}, []int{1, 0}, false, 0, 0, 0},
		{[]int{}, []int{}, false, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.shape, c.perm), func(t *testing.T) {
			b, r, cl, ok := batched2D(c.shape, c.perm)
			if ok != c.ok || b != c.batch || r != c.rows || cl != c.cols {
				t.Errorf("batched2D = %d×[%d,%d] %v, want %d×[%d,%d] %v", b, r, cl, ok, c.batch, c.rows, c.cols, c.ok)
			}
		})
	}
}
