//go:build !(goexperiment.simd && wasm)

package kernel

// Without the SIMD build the generic loops are all there is.
var (
	defaultImpl = Generic
	impls       = []*Impl{Generic}
)

// Stubs for the SIMD loops' names, which Impl's dispatch refers to; no Impl of this build has simd
// set, so none is ever called.

const noSIMD = "kernel: SIMD loop called in a build without them"

func dotSIMD(a, b []float32) float32                      { panic(noSIMD) }
func sumSIMD(a []float32) float32                         { panic(noSIMD) }
func scaleAddSIMD(y, x []float32, s float32, r []float32) { panic(noSIMD) }
func maxPool2x2SIMD(y, x []float32, rows, w int)          { panic(noSIMD) }
func maxRow3s2SIMD(y, v []float32, pl, w int) (int, int)  { panic(noSIMD) }
func dwKPlaneSIMD(y, xp []float32, ldx, ne, oh, ow, sh, sw, kh, kw int, w []float32, b float32, res []float32, f *fusedAct, slope float32) {
	panic(noSIMD)
}
func dwDirectSIMD(s ConvShape) dwDirectKernel           { panic(noSIMD) }
func avgPoolTilesSIMD(y, x []float32, s PoolShape) bool { panic(noSIMD) }
func avgPoolS1SIMD(y, x []float32, s PoolShape) bool    { panic(noSIMD) }
func gemmTilesRowsSIMD(rows, k int, a, b, c []float32, ldc int, nt int, ep *tileEpilogue) {
	panic(noSIMD)
}
func packPanelsSIMD(dst, src []float32, k, ld, np int) { panic(noSIMD) }
func transposeC3SIMD(y, x []float32, rows int)         { panic(noSIMD) }
func dw3PlaneSIMD(y, xp []float32, ldx, oh, ow, sh, sw int, w *[9]float32, b float32, res []float32, f *fusedAct, slope float32) {
	panic(noSIMD)
}
func padS1SIMD(xp, xc []float32, rows, ldx, h, w, pt, pl int)           { panic(noSIMD) }
func padS2SIMD(xp, xc []float32, rows, ldx, h, w, pt, pl, ne int)       { panic(noSIMD) }
func deinterleaveSIMD(dst []float32, lo, hi int, src []float32, i0 int) { panic(noSIMD) }
func tapRunSIMD(panel []float32, c0, run int, pl []float32, base int, offs []int, maxOff int) {
	panic(noSIMD)
}
func clampSIMD(y, x []float32, lo, hi float32)                      { panic(noSIMD) }
func leakySIMD(y, x []float32, alpha float32)                       { panic(noSIMD) }
func hardSigmoidSIMD(y, x []float32, alpha, beta float32)           { panic(noSIMD) }
func hardSwishSIMD(y, x []float32)                                  { panic(noSIMD) }
func binaryVVSIMD(op BinaryOp, y, a, b []float32)                   { panic(noSIMD) }
func binaryVSSIMD(op BinaryOp, y, a []float32, s float32)           { panic(noSIMD) }
func binarySVSIMD(op BinaryOp, y []float32, s float32, b []float32) { panic(noSIMD) }
func scaleShiftRowSIMD(y, x []float32, s, t float32)                { panic(noSIMD) }
