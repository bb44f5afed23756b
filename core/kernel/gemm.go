package kernel

// Gemm computes C = A·B (or C += A·B when accumulate) for row-major A [m,k] with row stride lda,
// B [k,n] with row stride ldb and C [m,n] with row stride ldc.
func Gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	mustLen("Gemm", "A", a, (m-1)*lda+k)
	mustLen("Gemm", "B", b, (k-1)*ldb+n)
	mustLen("Gemm", "C", c, (m-1)*ldc+n)
	gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// gemmRef is the plain triple loop the fast paths are checked against.
func gemmRef(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if !accumulate {
			clear(ci)
		}
		for p := 0; p < k; p++ {
			av := a[i*lda+p]
			if av == 0 {
				continue
			}
			bp := b[p*ldb : p*ldb+n]
			for j, bv := range bp {
				ci[j] += av * bv
			}
		}
	}
}

// MatMul is C[m,n] = act(A[m,k]·B[k,n] + bias), with B either given at construction (weights) or at
// Run, and bias one value per column or none.
type MatMul struct {
	M, N, K int
	constB  []float32
	bias    []float32
	act     Activation
}

// NewMatMul prepares a matrix product. constB, when non-nil, is the [k,n] right-hand side for every
// Run; bias, when non-nil, has n elements.
func NewMatMul(m, n, k int, constB, bias []float32, act Activation) (*MatMul, error) {
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
	p := &MatMul{M: m, N: n, K: k, bias: bias, act: act}
	if constB != nil {
		p.constB = append([]float32(nil), constB...)
	}
	return p, nil
}

// WorkspaceLen is the scratch length Run needs.
func (p *MatMul) WorkspaceLen() int { return 0 }

// Run computes c = act(a·b + bias). b is ignored when the product was built with a constant B.
func (p *MatMul) Run(c, a, b, ws []float32) {
	if p.constB != nil {
		b = p.constB
	}
	Gemm(p.M, p.N, p.K, a, p.K, b, p.N, c, p.N, false)
	if p.bias == nil && p.act.IsNone() {
		return
	}
	for i := 0; i < p.M; i++ {
		row := c[i*p.N : (i+1)*p.N]
		if p.bias != nil {
			for j, v := range p.bias {
				row[j] += v
			}
		}
		if p.act.Kind == ActPRelu && len(p.act.Slope) > 1 {
			for j, v := range row {
				if v < 0 {
					row[j] = v * p.act.Slope[j]
				}
			}
		} else if !p.act.IsNone() {
			p.act.Apply(row, row, 1, len(row))
		}
	}
}
