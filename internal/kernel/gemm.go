package kernel

// gemmPacked computes C[m, n] = epilogue(A·B) for A packed by packA (m rows, k columns) and B
// packed by packB (n columns, k rows). ep is the template for every tile: its bias is the whole row
// bias (roundUp(m, gemmMR) values) or column bias (roundUp(n, gemmNR) values), its res the whole
// residual matrix (rows ldr apart).
func (im *Impl) gemmPacked(m, n, k int, ap, bp []float32, c []float32, ldc int, ep *tileEpilogue) {
	e := *ep
	full := n / gemmNR
	for i0 := 0; i0 < m; i0 += gemmMR {
		rows := min(gemmMR, m-i0)
		a := ap[i0*k : (i0+gemmMR)*k]
		if ep.init == initRowBias {
			e.bias = ep.bias[i0:]
		}
		if ep.slope != nil {
			e.slope = ep.slope[i0:]
		}
		e.res = nil
		if ep.res != nil {
			e.res = ep.res[i0*ep.ldr:]
		}
		ct := c[i0*ldc:]
		im.tilesRows(rows, k, a, bp, ct, ldc, full, &e)
		if j0 := full * gemmNR; j0 < n {
			ej := e.at(j0)
			im.gemmEdge(k, a, bp[j0*k:], ct[j0:], ldc, rows, n-j0, &ej)
		}
	}
}

// gemmKC bounds the slice of the k dimension Gemm packs at a time into its stack buffers.
const gemmKC = 256

// Gemm computes C = A·B (or C += A·B when accumulate) for row-major A [m,k] with row stride lda,
// B [k,n] with row stride ldb and C [m,n] with row stride ldc, with the Default implementation.
func Gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	Default.Gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// Gemm is the package function Gemm on im. It needs no workspace: A and B are packed gemmKC rows
// of k at a time, a tile's worth, into stack buffers.
func (im *Impl) Gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	mustLen("Gemm", "C", c, (m-1)*ldc+n)
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	mustLen("Gemm", "A", a, (m-1)*lda+k)
	mustLen("Gemm", "B", b, (k-1)*ldb+n)
	var ap [gemmMR*gemmKC + tileSlack]float32
	var bp [gemmNR*gemmKC + tileSlack]float32
	for p0 := 0; p0 < k; p0 += gemmKC {
		kc := min(gemmKC, k-p0)
		ep := tileEpilogue{init: initZero}
		if accumulate || p0 > 0 {
			ep.init = initC
		}
		for i0 := 0; i0 < m; i0 += gemmMR {
			rows := min(gemmMR, m-i0)
			packA(ap[:], a[i0*lda+p0:], rows, kc, lda)
			ci := c[i0*ldc:]
			for j0 := 0; j0 < n; j0 += gemmNR {
				cols := min(gemmNR, n-j0)
				im.packB(bp[:], b[p0*ldb+j0:], kc, cols, ldb)
				if cols == gemmNR {
					im.tilesRows(rows, kc, ap[:], bp[:], ci[j0:], ldc, 1, &ep)
				} else {
					im.gemmEdge(kc, ap[:], bp[:], ci[j0:], ldc, rows, cols, &ep)
				}
			}
		}
	}
}

// MatMul is C[m,n] = act(A[m,k]·B[k,n] + bias), with B either given at construction (weights) or at
// Run, and bias one value per column or none.
type MatMul struct {
	M, N, K int
	im      *Impl
	bp      []float32 // constant B packed by packB, or nil
	bias    []float32 // n values padded with zeros to a whole tile, or nil
	act     Activation
	fused   fusedAct
}

// NewMatMul prepares a matrix product with the Default implementation. constB, when non-nil, is the
// [k,n] right-hand side for every Run, packed here once; bias, when non-nil, has n elements.
func NewMatMul(m, n, k int, constB, bias []float32, act Activation) (*MatMul, error) {
	return Default.NewMatMul(m, n, k, constB, bias, act)
}

// NewMatMul is the package function NewMatMul on im.
func (im *Impl) NewMatMul(m, n, k int, constB, bias []float32, act Activation) (*MatMul, error) {
	return im.newMatMul(m, n, k, constB, bias, act, nil)
}

// MatMul is NewMatMul (Default implementation) with the packed B shared through ps.
func (ps *Packs) MatMul(m, n, k int, constB, bias []float32, act Activation) (*MatMul, error) {
	return Default.newMatMul(m, n, k, constB, bias, act, ps)
}

func (im *Impl) newMatMul(m, n, k int, constB, bias []float32, act Activation, ps *Packs) (*MatMul, error) {
	if m < 0 || n < 0 || k < 0 {
		return nil, shapeErrorf("MatMul", "negative size m=%d n=%d k=%d", m, n, k)
	}
	if constB != nil && len(constB) != k*n {
		return nil, shapeErrorf("MatMul", "B has %d elements, want k·n = %d·%d", len(constB), k, n)
	}
	if bias != nil && len(bias) != n {
		return nil, shapeErrorf("MatMul", "bias has %d elements, want n = %d", len(bias), n)
	}
	if act.Kind == ActPRelu && len(act.Slope) != 1 && len(act.Slope) != n {
		return nil, shapeErrorf("MatMul", "PRelu slope has %d elements, want 1 or n = %d", len(act.Slope), n)
	}
	p := &MatMul{M: m, N: n, K: k, im: im, act: act, fused: fuseAct(act)}
	if p.fused.leaky {
		// MatMul's slopes run along the columns; applyColumns handles them after the tiles.
		p.fused = fusedAct{post: true}
	}
	if constB != nil {
		var err error
		if p.bp, err = ps.get(keyOf(im, constB, 'B', 0, k, n), packedBLen(k, n)+tileSlack, func(dst []float32) { im.packB(dst, constB, k, n, n) }); err != nil {
			return nil, err
		}
	}
	if bias != nil {
		p.bias = make([]float32, roundUp(n, gemmNR))
		copy(p.bias, bias)
	}
	return p, nil
}

// WorkspaceLen is the scratch length Run needs: A packed into row panels, and B packed into column
// panels when it comes with each Run.
func (p *MatMul) WorkspaceLen() int {
	n := packedALen(p.M, p.K) + tileSlack
	if p.bp == nil {
		n += packedBLen(p.K, p.N)
	}
	return n
}

// Run computes c = act(a·b + bias). b is ignored when the product was built with a constant B.
func (p *MatMul) Run(c, a, b, ws []float32) {
	m, n, k := p.M, p.N, p.K
	mustLen("MatMul", "A", a, m*k)
	mustLen("MatMul", "C", c, m*n)
	mustLen("MatMul", "workspace", ws, p.WorkspaceLen())
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// An empty reduction: every output is the bias (or zero) through the activation.
		for i := 0; i < m; i++ {
			row := c[i*n : (i+1)*n]
			if p.bias != nil {
				copy(row, p.bias)
			} else {
				clear(row)
			}
			p.act.applyColumns(p.im, row)
		}
		return
	}
	ap := ws[:packedALen(m, k)]
	bp := p.bp
	if bp == nil {
		mustLen("MatMul", "B", b, k*n)
		bp = ws[len(ap) : len(ap)+packedBLen(k, n)]
		p.im.packB(bp, b, k, n, n)
	}
	packA(ap, a, m, k, k)
	ep := tileEpilogue{init: initZero, clamp: p.fused.clamp, lo: p.fused.lo, hi: p.fused.hi}
	if p.bias != nil {
		ep.init, ep.bias = initColBias, p.bias
	}
	p.im.gemmPacked(m, n, k, ap, bp, c, n, &ep)
	if p.fused.post {
		for i := 0; i < m; i++ {
			p.act.applyColumns(p.im, c[i*n:(i+1)*n])
		}
	}
}
