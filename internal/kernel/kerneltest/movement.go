package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestTranspose checks Transpose over ranks 0 to 5.
func TestTranspose(t *testing.T, im *kernel.Impl) {
	cases := []struct{ shape, perm []int }{
		{[]int{}, []int{}},
		{[]int{7}, []int{0}},
		{[]int{3, 5}, []int{1, 0}},
		{[]int{2, 3, 4}, []int{2, 0, 1}},
		{[]int{1, 8, 5, 6}, []int{0, 2, 3, 1}},
		{[]int{1, 5, 6, 8}, []int{0, 3, 1, 2}},
		{[]int{2, 1, 3, 1, 4}, []int{4, 3, 2, 1, 0}},
		{[]int{4, 0, 3}, []int{2, 1, 0}},
		// Batched 2D transposes (NHWC ↔ NCHW, size-1 axes between merged ones, odd sizes for the
		// four-row blocks' tails) and permutations that look like them but are not.
		{[]int{1, 9, 7, 3}, []int{0, 3, 1, 2}},
		{[]int{1, 3, 9, 7}, []int{0, 2, 3, 1}},
		{[]int{2, 5, 1, 6, 3}, []int{0, 4, 2, 1, 3}},
		{[]int{3, 1, 6}, []int{2, 1, 0}},
		{[]int{6, 1, 1, 3}, []int{2, 3, 0, 1}},
		{[]int{2, 3, 4}, []int{0, 2, 1}},
		{[]int{2, 3, 4, 5}, []int{0, 1, 3, 2}},
		{[]int{2, 3, 4, 5}, []int{1, 0, 3, 2}},
		{[]int{2, 3, 4, 5}, []int{2, 3, 0, 1}},
		{[]int{5, 1, 7}, []int{1, 2, 0}},
		{[]int{1, 16, 16, 32}, []int{0, 3, 1, 2}},
		// Three channels (an RGB NHWC input): whole vectors of four pixels, and 1 to 3 more.
		{[]int{1, 8, 8, 3}, []int{0, 3, 1, 2}},
		{[]int{2, 5, 1, 3}, []int{0, 3, 1, 2}},
		{[]int{1, 2, 7, 3}, []int{0, 3, 1, 2}},
		{[]int{1, 3, 3}, []int{0, 2, 1}},
		{[]int{1, 1, 2, 3}, []int{0, 3, 1, 2}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.shape, c.perm), func(t *testing.T) {
			p, out, err := im.NewTranspose(c.shape, c.perm)
			if err != nil {
				t.Fatal(err)
			}
			x := uniform(newRand(uint64(i)+1000), prod(c.shape), -1, 1)
			want, y := make([]float32, prod(out)), nans(prod(out))
			kernelref.Transpose(want, x, c.shape, c.perm)
			p.Run(y, x)
			compare(t, y, want)
		})
	}
	if _, _, err := im.NewTranspose([]int{2, 3}, []int{0, 0}); err == nil {
		t.Error("NewTranspose with a repeated axis succeeded, want an error")
	}
}

// TestSlice checks Slice with unit, strided and negative steps.
func TestSlice(t *testing.T) {
	cases := []struct{ shape, start, step, out []int }{
		{[]int{10}, []int{2}, []int{1}, []int{5}},
		{[]int{10}, []int{9}, []int{-2}, []int{5}},
		{[]int{4, 6}, []int{1, 0}, []int{2, 3}, []int{2, 2}},
		{[]int{1, 8, 6, 6}, []int{0, 2, 1, 0}, []int{1, 1, 2, 1}, []int{1, 4, 3, 6}},
		{[]int{3, 4, 5}, []int{2, 3, 4}, []int{-1, -1, -1}, []int{3, 4, 5}},
		{[]int{3, 4}, []int{0, 0}, []int{1, 1}, []int{0, 4}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.shape, c.start, c.step), func(t *testing.T) {
			p, err := kernel.NewSlice(c.shape, c.start, c.step, c.out)
			if err != nil {
				t.Fatal(err)
			}
			x := uniform(newRand(uint64(i)+1100), prod(c.shape), -1, 1)
			want, y := make([]float32, prod(c.out)), nans(prod(c.out))
			kernelref.Slice(want, x, c.shape, c.start, c.step, c.out)
			p.Run(y, x)
			compare(t, y, want)
		})
	}
	if _, err := kernel.NewSlice([]int{4}, []int{2}, []int{1}, []int{3}); err == nil {
		t.Error("NewSlice past the end succeeded, want an error")
	}
}

// TestPad checks Pad in every mode, including negative (cropping) amounts.
func TestPad(t *testing.T) {
	cases := []struct {
		shape, begin, end []int
		modes             []kernel.PadMode
	}{
		{[]int{5}, []int{2}, []int{3}, []kernel.PadMode{kernel.PadConstant, kernel.PadReflect, kernel.PadEdge}},
		{[]int{1, 3, 4, 5}, []int{0, 0, 1, 2}, []int{0, 0, 2, 1}, []kernel.PadMode{kernel.PadConstant, kernel.PadReflect, kernel.PadEdge}},
		{[]int{2, 3, 4}, []int{1, 0, 0}, []int{0, 2, 0}, []kernel.PadMode{kernel.PadConstant, kernel.PadEdge}},
		{[]int{4, 6}, []int{-1, 2}, []int{1, -3}, []kernel.PadMode{kernel.PadConstant, kernel.PadReflect, kernel.PadEdge}},
		{[]int{3, 1}, []int{0, 3}, []int{0, 2}, []kernel.PadMode{kernel.PadConstant, kernel.PadEdge}},
		{[]int{}, []int{}, []int{}, []kernel.PadMode{kernel.PadConstant}},
	}
	for i, c := range cases {
		for _, mode := range c.modes {
			t.Run(fmt.Sprint(c.shape, c.begin, c.end, mode), func(t *testing.T) {
				p, out, err := kernel.NewPad(c.shape, c.begin, c.end, mode, 0.5)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(out) != fmt.Sprint(kernelref.PadShape(c.shape, c.begin, c.end)) {
					t.Fatalf("output shape %v", out)
				}
				x := uniform(newRand(uint64(i)+1200), prod(c.shape), -1, 1)
				want, y := make([]float32, prod(out)), nans(prod(out))
				kernelref.Pad(want, x, c.shape, c.begin, c.end, mode, 0.5)
				p.Run(y, x)
				compare(t, y, want)
			})
		}
	}
	if _, _, err := kernel.NewPad([]int{3}, []int{3}, []int{0}, kernel.PadReflect, 0); err == nil {
		t.Error("reflect pad wider than the axis succeeded, want an error")
	}
}

// TestGather checks Gather along first, middle and last axes.
func TestGather(t *testing.T) {
	cases := []struct {
		outer, axis, inner int
		idx                []int
	}{
		{1, 5, 1, []int{4, 0, 2}},
		{3, 4, 6, []int{1}},
		{2, 7, 3, []int{6, 6, 0, 3}},
		{5, 3, 1, []int{}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.outer, c.axis, c.inner, c.idx), func(t *testing.T) {
			x := uniform(newRand(uint64(i)+1300), c.outer*c.axis*c.inner, -1, 1)
			n := c.outer * len(c.idx) * c.inner
			want, y := make([]float32, n), nans(n)
			kernelref.Gather(want, x, c.outer, c.axis, c.inner, c.idx)
			kernel.Gather(y, x, c.outer, c.axis, c.inner, c.idx)
			compare(t, y, want)
		})
	}
}

// TestConcat checks Concat of several inputs.
func TestConcat(t *testing.T) {
	cases := []struct {
		outer  int
		chunks []int
	}{
		{1, []int{3, 5}},
		{4, []int{2, 1, 7}},
		{2, []int{0, 6, 4}},
		{3, []int{64}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.outer, c.chunks), func(t *testing.T) {
			r := newRand(uint64(i) + 1400)
			xs := make([][]float32, len(c.chunks))
			total := 0
			for j, ch := range c.chunks {
				xs[j] = uniform(r, c.outer*ch, -1, 1)
				total += ch
			}
			want, y := make([]float32, c.outer*total), nans(c.outer*total)
			kernelref.Concat(want, xs, c.outer, c.chunks)
			kernel.Concat(y, xs, c.outer, c.chunks)
			compare(t, y, want)
		})
	}
}
