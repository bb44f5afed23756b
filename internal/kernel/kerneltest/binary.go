package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

var broadcastCases = []struct {
	name   string
	as, bs []int
}{
	{"same", []int{2, 3, 5, 7}, []int{2, 3, 5, 7}},
	{"same/long", []int{1, 16, 33, 31}, []int{1, 16, 33, 31}},
	{"scalar-b", []int{3, 37}, []int{}},
	{"scalar-a", []int{1}, []int{4, 9}},
	{"per-channel", []int{1, 13, 5, 6}, []int{1, 13, 1, 1}},
	{"per-channel/rank3", []int{2, 7, 4, 5}, []int{7, 1, 1}},
	{"row", []int{3, 4, 11}, []int{11}},
	{"column", []int{6, 9}, []int{6, 1}},
	{"outer", []int{4, 1}, []int{1, 5}},
	{"both", []int{2, 1, 10}, []int{1, 3, 1}},
	{"a-broadcast", []int{1, 8, 1, 1}, []int{2, 8, 3, 3}},
	{"rank0", []int{}, []int{}},
	{"ones", []int{1, 1}, []int{1}},
	{"empty", []int{0, 3}, []int{3}},
	{"rank5", []int{2, 1, 3, 1, 4}, []int{1, 2, 1, 5, 4}},
	{"middle", []int{3, 5, 4}, []int{3, 1, 4}},
}

// TestBroadcast checks every binary op over broadcast patterns, and in place where the output has a's
// shape.
func TestBroadcast(t *testing.T, im *kernel.Impl) {
	ops := []kernel.BinaryOp{kernel.OpAdd, kernel.OpSub, kernel.OpMul, kernel.OpDiv, kernel.OpPow,
		kernel.OpMax, kernel.OpMin, kernel.OpPRelu}
	for i, bc := range broadcastCases {
		for _, op := range ops {
			t.Run(fmt.Sprintf("%s/%s", bc.name, op), func(t *testing.T) {
				p, out, err := im.NewBroadcast(bc.as, bc.bs)
				if err != nil {
					t.Fatal(err)
				}
				wantShape, _ := kernelref.BroadcastShape(bc.as, bc.bs)
				if fmt.Sprint(out) != fmt.Sprint(wantShape) {
					t.Fatalf("output shape %v, want %v", out, wantShape)
				}
				r := newRand(uint64(i) + 900)
				a := uniform(r, prod(bc.as), -2, 2)
				b := uniform(r, prod(bc.bs), -2, 2)
				if op == kernel.OpPow {
					for j := range a {
						a[j] = max(a[j], -a[j]) + 0.1
					}
				}
				n := prod(out)
				want, y := make([]float32, n), nans(n)
				kernelref.Broadcast(op, want, a, b, bc.as, bc.bs)
				p.Run(op, y, a, b)
				compare(t, y, want)
				if p.Len() != n {
					t.Errorf("Len() = %d, want %d", p.Len(), n)
				}
				if prod(bc.as) == n && n > 0 {
					in := append([]float32(nil), a...)
					p.Run(op, in, in, b)
					compare(t, in, want)
				}
			})
		}
	}
	if _, _, err := im.NewBroadcast([]int{2, 3}, []int{4, 3}); err == nil {
		t.Error("NewBroadcast([2 3], [4 3]) succeeded, want an error")
	}
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
