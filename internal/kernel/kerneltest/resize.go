package kerneltest

import (
	"fmt"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/kernel"
	"github.com/bonafide-pad/bonafide/internal/kernel/kernelref"
)

// TestResize2D checks Resize2D for every interpolation, coordinate and rounding mode, upsampling and
// downsampling by integer and fractional factors.
func TestResize2D(t *testing.T) {
	sizes := []struct {
		ih, iw, oh, ow int
		sh, sw         float32 // 0: oh/ih (ONNX "sizes")
	}{
		{4, 5, 8, 10, 2, 2},
		{8, 8, 4, 4, 0.5, 0.5},
		{5, 7, 9, 12, 0, 0},
		{10, 6, 6, 10, 0.6, 1.7},
		{3, 3, 7, 7, 2.5, 2.5},
		{1, 4, 3, 8, 3, 2},
		{6, 6, 1, 1, 0, 0},
		{16, 16, 32, 32, 2, 2},
	}
	coords := []kernel.CoordMode{kernel.CoordHalfPixel, kernel.CoordPytorchHalfPixel, kernel.CoordAlignCorners,
		kernel.CoordAsymmetric, kernel.CoordTFHalfPixelForNN}
	nearest := []kernel.NearestMode{kernel.NearestRoundPreferFloor, kernel.NearestRoundPreferCeil,
		kernel.NearestFloor, kernel.NearestCeil}
	for i, sz := range sizes {
		sh, sw := sz.sh, sz.sw
		if sh == 0 {
			sh, sw = float32(sz.oh)/float32(sz.ih), float32(sz.ow)/float32(sz.iw)
		}
		const planes = 3
		x := uniform(newRand(uint64(i)+800), planes*sz.ih*sz.iw, -1, 1)
		for _, cm := range coords {
			for _, mode := range []kernel.ResizeMode{kernel.ResizeNearest, kernel.ResizeLinear} {
				nms := nearest
				if mode == kernel.ResizeLinear {
					if cm == kernel.CoordTFHalfPixelForNN {
						continue // only defined for nearest
					}
					nms = nearest[:1]
				}
				for _, nm := range nms {
					name := fmt.Sprintf("%dx%d-%dx%d/mode%d/coord%d/nearest%d", sz.ih, sz.iw, sz.oh, sz.ow, mode, cm, nm)
					t.Run(name, func(t *testing.T) {
						r, err := kernel.NewResize2D(planes, sz.ih, sz.iw, sz.oh, sz.ow, sh, sw, mode, cm, nm)
						if err != nil {
							t.Fatal(err)
						}
						n := planes * sz.oh * sz.ow
						want, y := make([]float32, n), nans(n)
						kernelref.Resize2D(want, x, planes, sz.ih, sz.iw, sz.oh, sz.ow, sh, sw, mode, cm, nm)
						r.Run(y, x)
						compare(t, y, want)
					})
				}
			}
		}
	}
}
