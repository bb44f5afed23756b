package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestReduce checks every reduction over inner, outer, middle and all axes.
func TestReduce(t *testing.T) {
	cases := []struct{ shape, axes []int }{
		{[]int{7}, []int{0}},
		{[]int{3, 5}, []int{1}},
		{[]int{3, 5}, []int{0}},
		{[]int{2, 3, 4}, []int{1}},
		{[]int{2, 3, 4}, []int{0, 2}},
		{[]int{1, 16, 8, 8}, []int{2, 3}},
		{[]int{2, 3, 4, 5}, []int{0, 1, 2, 3}},
		{[]int{4, 1, 3}, []int{1}},
		{[]int{2, 6}, []int{}},
	}
	for i, c := range cases {
		for _, op := range []kernel.ReduceOp{kernel.ReduceMean, kernel.ReduceSum, kernel.ReduceMax, kernel.ReduceMin} {
			t.Run(fmt.Sprint(c.shape, c.axes, op), func(t *testing.T) {
				p, out, err := kernel.NewReduce(c.shape, c.axes, op)
				if err != nil {
					t.Fatal(err)
				}
				x := uniform(newRand(uint64(i)+1500), prod(c.shape), -1, 1)
				want, y := make([]float32, prod(out)), nans(prod(out))
				kernelref.Reduce(want, x, c.shape, c.axes, op)
				p.Run(y, x)
				compare(t, y, want)
			})
		}
	}
}

// TestSoftmax checks Softmax along inner, middle and outer axes, with large inputs that overflow a
// naive exp.
func TestSoftmax(t *testing.T) {
	for i, c := range [][3]int{{1, 1, 1}, {1, 10, 1}, {4, 3, 1}, {2, 5, 7}, {1, 2, 64}, {3, 1000, 1}} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			n := c[0] * c[1] * c[2]
			x := uniform(newRand(uint64(i)+1600), n, -5, 5)
			if n > 2 {
				x[0], x[1] = 95, 100
			}
			want, y := make([]float32, n), nans(n)
			kernelref.Softmax(want, x, c[0], c[1], c[2])
			kernel.Softmax(y, x, c[0], c[1], c[2])
			compare(t, y, want)
		})
	}
}

// TestScaleShift checks ScaleShift (an unfused BatchNormalization).
func TestScaleShift(t *testing.T, im *kernel.Impl) {
	for i, c := range [][3]int{{1, 1, 1}, {1, 3, 7}, {2, 16, 64}, {1, 5, 1}} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			r := newRand(uint64(i) + 1700)
			n := c[0] * c[1] * c[2]
			x := uniform(r, n, -1, 1)
			scale, shift := uniform(r, c[1], -2, 2), uniform(r, c[1], -1, 1)
			want, y := make([]float32, n), nans(n)
			kernelref.ScaleShift(want, x, c[0], c[1], c[2], scale, shift)
			im.ScaleShift(y, x, c[0], c[1], c[2], scale, shift)
			compare(t, y, want)
		})
	}
}
