package kernel

// The GEMM micro-kernel contract. Each build provides (gemm_generic.go, gemm_wasmsimd.go):
//
//	const gemmMR, gemmNR  // tile rows (A's packed interleave) and columns (B's vector width)
//	func gemmTiles(k int, a, b []float32, c []float32, ldc int, nt int, ep *tileEpilogue)
//
// gemmTiles computes nt full gemmMR×gemmNR tiles side by side, tile t being
//
//	c[i*ldc+t*gemmNR+j] = clamp(init[i][j] + Σ_p a[p*gemmMR+i]·b[t*k*gemmNR+p*gemmNR+j] + res[i*ldr+t*gemmNR+j])
//
// from A packed gemmMR-interleaved (packA) and B packed in gemmNR-column panels (packB). Both are
// packed so that the kernels' loads sit at constant offsets from two pointers: the same SIMD tile
// reading B rows a variable stride apart runs 28% slower under node (18.5 against 23.7 GFLOP/s,
// interleaved best-of-200 timings). The sum runs
// over p in order, in float32, starting from init: zero, C's old values, one bias per row, or one
// bias per column. The residual, the clamp (Relu, Clip) and per-row negative slopes (LeakyRelu,
// PRelu) are fused; other activations run on the finished rows while they are still in cache.

// The tile shape: A is packed gemmMR rows interleaved (packA), B in gemmNR-column panels (packB).
// Every implementation computes the same tiles over the same packing (the generic one a 4×2 strip
// at a time), so an operator's packed weights suit either.
const (
	gemmMR = 4
	gemmNR = 8
)

// initMode says what a tile's accumulators start from.
type initMode uint8

const (
	initZero    initMode = iota
	initC                // C's current values (Gemm's accumulate)
	initRowBias          // bias[i] for tile row i (Conv: one bias per output channel)
	initColBias          // bias[j] for tile column j (MatMul: one bias per output column)
)

// tileEpilogue is what a tile does besides the sum. bias holds at least gemmMR (row) or gemmNR
// (column) values starting at the tile's first row or column; res, when non-nil, starts at the
// tile's first element with rows ldr apart.
type tileEpilogue struct {
	init   initMode
	bias   []float32
	res    []float32
	ldr    int
	clamp  bool
	lo, hi float32
	slope  []float32 // LeakyRelu/PRelu: gemmMR negative slopes from the tile's first row, or nil
}

// at returns the epilogue for the tile starting j columns to the right.
func (ep *tileEpilogue) at(j int) tileEpilogue {
	e := *ep
	if e.res != nil {
		e.res = e.res[j:]
	}
	if e.init == initColBias {
		e.bias = e.bias[j:]
	}
	return e
}

// gemmEdge computes a tile that is cut short by the matrix edge (rows ≤ gemmMR, cols ≤ gemmNR):
// the micro-kernel fills a full tile on the stack from b's panel (zero-padded by packB) and the valid
// part is copied out.
func (im *Impl) gemmEdge(k int, a, b []float32, c []float32, ldc int, rows, cols int, ep *tileEpilogue) {
	var tmp [gemmMR * gemmNR]float32
	local := tileEpilogue{init: ep.init, bias: ep.bias}
	if ep.init == initC {
		for i := 0; i < rows; i++ {
			copy(tmp[i*gemmNR:i*gemmNR+cols], c[i*ldc:i*ldc+cols])
		}
	}
	im.tilesRows(gemmMR, k, a, b, tmp[:], gemmNR, 1, &local)
	for i := 0; i < rows; i++ {
		src := tmp[i*gemmNR : i*gemmNR+cols]
		dst := c[i*ldc : i*ldc+cols]
		if ep.res != nil {
			r := ep.res[i*ep.ldr : i*ep.ldr+cols]
			for j := range src {
				src[j] += r[j]
			}
		}
		if ep.clamp {
			for j, v := range src {
				src[j] = clamp32(v, ep.lo, ep.hi)
			}
		}
		if ep.slope != nil {
			for j, v := range src {
				src[j] = leaky32(v, ep.slope[i])
			}
		}
		copy(dst, src)
	}
}

// packA packs rows [0, m) of a row-major A (rows lda apart, k columns) into gemmMR-row panels: panel
// i holds a[(i·gemmMR+r)·lda + p] at [i·k·gemmMR + p·gemmMR + r], rows past m zero. dst has
// packedALen(m, k) elements.
func packA(dst, a []float32, m, k, lda int) {
	for i0 := 0; i0 < m; i0 += gemmMR {
		panel := dst[i0*k : (i0+gemmMR)*k]
		for r := 0; r < gemmMR; r++ {
			if i0+r >= m {
				for p := 0; p < k; p++ {
					panel[p*gemmMR+r] = 0
				}
				continue
			}
			row := a[(i0+r)*lda : (i0+r)*lda+k]
			for p, v := range row {
				panel[p*gemmMR+r] = v
			}
		}
	}
}

// packedALen is the length of m rows of A packed by packA.
func packedALen(m, k int) int { return roundUp(m, gemmMR) * k }

// packB packs columns [0, n) of a row-major B (rows ldb apart, k rows) into gemmNR-column panels:
// panel j holds b[p·ldb + j·gemmNR + c] at [j·k·gemmNR + p·gemmNR + c], columns past n zero.
func (im *Impl) packB(dst, b []float32, k, n, ldb int) {
	full := n / gemmNR
	im.packPanels(dst, b, k, ldb, full)
	if j0 := full * gemmNR; j0 < n {
		panel := dst[j0*k : (j0+gemmNR)*k]
		w := n - j0
		for p := 0; p < k; p++ {
			d := panel[p*gemmNR : (p+1)*gemmNR]
			copy(d, b[p*ldb+j0:p*ldb+j0+w])
			zero(d[w:])
		}
	}
}

// packedBLen is the length of n columns of B packed by packB.
func packedBLen(k, n int) int { return roundUp(n, gemmNR) * k }

func roundUp(x, m int) int { return (x + m - 1) / m * m }
