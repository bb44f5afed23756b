package face

import "image"

// Luma weights (ITU-R BT.601, as pigo and OpenCV use) in 16-bit fixed point; they sum to 65536.
const (
	lumaR = 19595
	lumaG = 38470
	lumaB = 7471
)

// workImage is the grey image the cascade runs on: the frame shrunk by an integer factor k with
// k×k box averaging, stored top-left in a zero-padded square buffer of side n ≥ max(w, h).
// The square is there because pigo's rotated classifier clamps both coordinates to Rows−1 (a pigo
// bug): on a square, that clamp is right and every sample stays inside the buffer.
type workImage struct {
	pix  []uint8
	w, h int // image part
	n    int // side and stride of the square buffer
	k    int // frame pixels per work pixel
	acc  []uint32
}

// load converts img into the work image at factor k, reusing the buffer when it is big enough.
// The padding is zeroed only when the geometry changes, since frames never write there.
func (g *workImage) load(img *image.RGBA, k int) {
	r := img.Rect
	w, h := r.Dx()/k, r.Dy()/k
	n := max(w, h)
	if w != g.w || h != g.h || k != g.k || n != g.n {
		if cap(g.pix) >= n*n {
			g.pix = g.pix[:n*n]
			clear(g.pix)
		} else {
			g.pix = make([]uint8, n*n)
		}
		g.w, g.h, g.n, g.k = w, h, n, k
	}
	if k == 1 {
		for y := range h {
			src := img.Pix[y*img.Stride : y*img.Stride+4*w]
			dst := g.pix[y*n : y*n+w]
			for x := range dst {
				p := src[4*x : 4*x+3 : 4*x+3]
				dst[x] = uint8((lumaR*uint32(p[0]) + lumaG*uint32(p[1]) + lumaB*uint32(p[2]) + 1<<15) >> 16)
			}
		}
		return
	}
	// Sum R, G and B over each k×k block row by row, then weigh once per block.
	if cap(g.acc) < 3*w {
		g.acc = make([]uint32, 3*w)
	}
	acc := g.acc[:3*w]
	area := uint64(k * k)
	half := area << 15
	for y := range h {
		clear(acc)
		for dy := range k {
			off := (y*k + dy) * img.Stride
			src := img.Pix[off : off+4*w*k]
			for x := range w {
				blk := src[4*k*x : 4*k*(x+1)]
				var r, gr, b uint32
				for i := 0; i+3 < len(blk); i += 4 {
					r += uint32(blk[i])
					gr += uint32(blk[i+1])
					b += uint32(blk[i+2])
				}
				a := acc[3*x : 3*x+3 : 3*x+3]
				a[0] += r
				a[1] += gr
				a[2] += b
			}
		}
		dst := g.pix[y*n : y*n+w]
		for x := range dst {
			a := acc[3*x : 3*x+3 : 3*x+3]
			sum := lumaR*uint64(a[0]) + lumaG*uint64(a[1]) + lumaB*uint64(a[2])
			dst[x] = uint8((sum + half) / (area << 16))
		}
	}
}
