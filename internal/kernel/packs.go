package kernel

import "fmt"

// Packs shares the packed copies of constant weights between the kernels of one model: a weight
// tensor that several nodes read is packed once (a file of 100,000 convolutions sharing one 64×64
// weight once held 100,000 packed copies, 2 GB). It also bounds what packing allocates: with a
// Limit set, a kernel whose weights would take the total past it is refused with a *BudgetError
// before the copy is made. A Packs is for one compilation at a time; the slices it hands out are
// read-only and may be shared by any number of kernels and goroutines.
type Packs struct {
	// Limit bounds Bytes; 0 means no bound.
	Limit int64
	// Bytes is what the packed copies made so far take.
	Bytes int64
	m     map[packKey][]float32
}

// packKey identifies a packed copy by the weights it was made from (their first element and
// length: constant tensors are never written, so identity is equality) and the layout.
type packKey struct {
	im      *Impl
	src     *float32
	n       int
	layout  byte // 'A' (packA, per group), 'T' (transposed, then packA), 'B' (packB), 'W' (as is)
	g, m, k int
}

// BudgetError reports packed weights that would take a Packs past its Limit.
type BudgetError struct {
	Need, Used, Limit int64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("kernel: packed weights of %d bytes over the budget (%d of %d used)", e.Need, e.Used, e.Limit)
}

// get returns the copy for key, making it with fill into a buffer of n floats if there is none.
// A nil Packs makes a fresh copy every time.
func (p *Packs) get(key packKey, n int, fill func(dst []float32)) ([]float32, error) {
	if p != nil {
		if b, ok := p.m[key]; ok {
			return b, nil
		}
		need := 4 * int64(n)
		if p.Limit > 0 && p.Bytes+need > p.Limit {
			return nil, &BudgetError{Need: need, Used: p.Bytes, Limit: p.Limit}
		}
		p.Bytes += need
	}
	b := make([]float32, n)
	fill(b)
	if p != nil {
		if p.m == nil {
			p.m = map[packKey][]float32{}
		}
		p.m[key] = b
	}
	return b, nil
}

func keyOf(im *Impl, w []float32, layout byte, g, m, k int) packKey {
	var src *float32
	if len(w) > 0 {
		src = &w[0]
	}
	return packKey{im: im, src: src, n: len(w), layout: layout, g: g, m: m, k: k}
}
