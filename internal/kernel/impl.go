package kernel

// Impl is one implementation of the kernels' inner loops: the GEMM micro-kernel, the depthwise and
// padding loops, the elementwise and pooling loops. Every build has the generic Go loops; the wasm
// SIMD build (GOEXPERIMENT=simd) also has loops written with simd/archsimd, and uses them by
// default. Both share the packed layouts (4×8 tiles, tile.go), so one binary holds both and a test
// can run the same operator on each (package kerneltest does, like gonum's testblas taking an
// implementation).
//
// The package functions (NewConv2D, Gemm, MaxPool2D, ...) use Default; the methods of the same
// names on an *Impl pin that implementation. Operators keep the Impl they were made with.
//
// The loops are picked by a test of simd at each call, not through function values: a slice or
// pointer passed to a function value escapes to the heap (the compiler cannot see the callee), and
// Run must not allocate. In builds without SIMD the *SIMD names are stubs that are never called.
type Impl struct {
	name string
	simd bool // the loops are simd/archsimd vector code (the SIMD build's)
}

// String is the implementation's name: "generic" or "simd".
func (im *Impl) String() string { return im.name }

// Impls returns the implementations this build has, the default first.
func Impls() []*Impl { return append([]*Impl(nil), impls...) }

// Default is the implementation the package functions use: the SIMD loops where the build has
// them, else Generic.
var Default = defaultImpl

// Generic is the portable Go implementation, in every build.
var Generic = &Impl{name: "generic"}

// dwDirectKernel computes one channel of a 3×3 depthwise convolution of shape s straight from its
// input plane: y = act(b + taps), Relu/Clip and the negative slope fused; rows outside the plane
// read zr, W+dwSlack zeros.
type dwDirectKernel func(y, x []float32, s *ConvShape, wt *[9]float32, b float32, f *fusedAct, slope float32, zr []float32)

// dwDirect returns the implementation's kernel that computes a channel of s straight from its
// input plane, or nil; the generic loops have none.
func (im *Impl) dwDirect(s ConvShape) dwDirectKernel {
	if im.simd {
		return dwDirectSIMD(s)
	}
	return nil
}

// avgPoolTiles is the implementation's fast average pool over windows that tile the input; it
// returns false, doing nothing, where it has none.
func (im *Impl) avgPoolTiles(y, x []float32, s PoolShape) bool {
	return im.simd && avgPoolTilesSIMD(y, x, s)
}

// avgPoolS1 is the implementation's fast average pool over windows of column stride 1 inside the
// input; it returns false, doing nothing, where it has none.
func (im *Impl) avgPoolS1(y, x []float32, s PoolShape) bool {
	return im.simd && avgPoolS1SIMD(y, x, s)
}

func (im *Impl) tilesRows(rows, k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {
	if im.simd {
		gemmTilesRowsSIMD(rows, k, a, b, c, ldc, nt, ep)
		return
	}
	gemmTilesRowsGeneric(rows, k, a, b, c, ldc, nt, ep)
}

func (im *Impl) transpose2D(y, x []float32, rows, cols int) {
	if im.simd && cols == 3 {
		transposeC3SIMD(y, x, rows)
		return
	}
	transpose2D(y, x, rows, cols)
}

func (im *Impl) packPanels(dst, src []float32, k, ld, np int) {
	if im.simd {
		packPanelsSIMD(dst, src, k, ld, np)
		return
	}
	packPanelsGeneric(dst, src, k, ld, np)
}

func (im *Impl) dw3Plane(y, xp []float32, ldx, oh, ow, sh, sw int, w *[9]float32, b float32, res []float32, f *fusedAct, slope float32) {
	if im.simd {
		dw3PlaneSIMD(y, xp, ldx, oh, ow, sh, sw, w, b, res, f, slope)
		return
	}
	dw3PlaneGeneric(y, xp, ldx, oh, ow, sh, sw, w, b, res, f, slope)
}

func (im *Impl) dwKPlane(y, xp []float32, ldx, ne, oh, ow, sh, sw, kh, kw int, w []float32, b float32, res []float32, f *fusedAct, slope float32) {
	if im.simd {
		dwKPlaneSIMD(y, xp, ldx, ne, oh, ow, sh, sw, kh, kw, w, b, res, f, slope)
		return
	}
	dwKPlaneGeneric(y, xp, ldx, ne, oh, ow, sh, sw, kh, kw, w, b, res, f, slope)
}

// maxPool2x2 takes the maxima of the 2×2 windows of rows pairs of rows of w floats (w even) into
// rows rows of w/2.
func (im *Impl) maxPool2x2(y, x []float32, rows, w int) {
	if im.simd && w%8 == 0 {
		maxPool2x2SIMD(y, x, rows, w)
		return
	}
	maxPool2x2Generic(y, x, rows, w)
}

// sum is Σ a[i].
func (im *Impl) sum(a []float32) float32 {
	if im.simd {
		return sumSIMD(a)
	}
	return sumGeneric(a)
}

// scaleAdd computes y = x·s + r.
func (im *Impl) scaleAdd(y, x []float32, s float32, r []float32) {
	if im.simd {
		scaleAddSIMD(y, x, s, r)
		return
	}
	scaleAddGeneric(y, x, s, r)
}

// dot is Σ a[i]·b[i] over len(a) elements.
func (im *Impl) dot(a, b []float32) float32 {
	if im.simd {
		return dotSIMD(a, b)
	}
	return dotGeneric(a, b)
}

func (im *Impl) padS1(xp, xc []float32, rows, ldx, h, w, pt, pl int) {
	if im.simd {
		padS1SIMD(xp, xc, rows, ldx, h, w, pt, pl)
		return
	}
	padS1Generic(xp, xc, rows, ldx, h, w, pt, pl)
}

func (im *Impl) padS2(xp, xc []float32, rows, ldx, h, w, pt, pl, ne int) {
	if im.simd {
		padS2SIMD(xp, xc, rows, ldx, h, w, pt, pl, ne)
		return
	}
	padS2Generic(xp, xc, rows, ldx, h, w, pt, pl, ne)
}

func (im *Impl) deinterleave(dst []float32, lo, hi int, src []float32, i0 int) {
	if im.simd {
		deinterleaveSIMD(dst, lo, hi, src, i0)
		return
	}
	deinterleaveGeneric(dst, lo, hi, src, i0)
}

func (im *Impl) tapRun(panel []float32, c0, run int, pl []float32, base int, offs []int, maxOff int) {
	if im.simd {
		tapRunSIMD(panel, c0, run, pl, base, offs, maxOff)
		return
	}
	tapRunGeneric(panel, c0, run, pl, base, offs, maxOff)
}

func (im *Impl) clamp(y, x []float32, lo, hi float32) {
	if im.simd {
		clampSIMD(y, x, lo, hi)
		return
	}
	clampGeneric(y, x, lo, hi)
}

func (im *Impl) leaky(y, x []float32, alpha float32) {
	if im.simd {
		leakySIMD(y, x, alpha)
		return
	}
	leakyGeneric(y, x, alpha)
}

func (im *Impl) hardSigmoid(y, x []float32, alpha, beta float32) {
	if im.simd {
		hardSigmoidSIMD(y, x, alpha, beta)
		return
	}
	hardSigmoidGeneric(y, x, alpha, beta)
}

func (im *Impl) hardSwish(y, x []float32) {
	if im.simd {
		hardSwishSIMD(y, x)
		return
	}
	hardSwishGeneric(y, x)
}

func (im *Impl) binVV(op BinaryOp, y, a, b []float32) {
	if im.simd {
		binaryVVSIMD(op, y, a, b)
		return
	}
	binaryVVGeneric(op, y, a, b)
}

func (im *Impl) binVS(op BinaryOp, y, a []float32, s float32) {
	if im.simd {
		binaryVSSIMD(op, y, a, s)
		return
	}
	binaryVSGeneric(op, y, a, s)
}

func (im *Impl) binSV(op BinaryOp, y []float32, s float32, b []float32) {
	if im.simd {
		binarySVSIMD(op, y, s, b)
		return
	}
	binarySVGeneric(op, y, s, b)
}

func (im *Impl) scaleShift(y, x []float32, s, t float32) {
	if im.simd {
		scaleShiftRowSIMD(y, x, s, t)
		return
	}
	scaleShiftRowGeneric(y, x, s, t)
}
