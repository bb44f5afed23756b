package face

import "image"

// Luma weights (ITU-R BT.601, as pigo and OpenCV use) in 16-bit fixed point; they sum to 65536.
const (
	lumaR = 19595
	lumaG = 38470
	lumaB = 7471
)

// workImage is the grey image the cascade runs on: the frame shrunk by an integer factor k with
// k×k box averaging, stored at (pad, pad) in a square buffer of side n = max(w, h) + 2·pad whose
// border repeats the frame's edge pixels.
//
// The border lets the cascade find a face partly outside the frame (pigo only scans windows that
// lie wholly inside what it is given), so that the quality gate can say face_partly_outside rather
// than no_face. The square is there because pigo's rotated classifier clamps both coordinates to
// Rows−1 (a pigo bug): on a square that clamp is right and every sample stays inside the buffer.
type workImage struct {
	pix  []uint8
	w, h int // image part
	pad  int // offset of the image part on both axes
	n    int // side and stride of the square buffer
	k    int // frame pixels per work pixel
	acc  []uint32
}

// padFrac is the border, as a fraction of the frame's shorter side: it lets a face whose centre
// is inside the frame be found when it is up to padFrac×2 of the shorter side large.
const padFrac = 0.25

// at returns the buffer index of image pixel (x, y).
func (g *workImage) at(x, y int) int { return (y+g.pad)*g.n + x + g.pad }

// load converts img into the work image at factor k, reusing the buffer when it is big enough.
func (g *workImage) load(img *image.RGBA, k int) {
	r := img.Rect
	w, h := r.Dx()/k, r.Dy()/k
	pad := int(padFrac * float64(min(w, h)))
	n := max(w, h) + 2*pad
	if w != g.w || h != g.h || k != g.k || n != g.n {
		if cap(g.pix) >= n*n {
			g.pix = g.pix[:n*n]
		} else {
			g.pix = make([]uint8, n*n)
		}
		g.w, g.h, g.n, g.k, g.pad = w, h, n, k, pad
	}
	if w > 0 && h > 0 {
		g.shrink(img)
		g.extend()
	}
}

// extend fills the border by repeating the image's edge pixels.
func (g *workImage) extend() {
	n, p := g.n, g.pad
	for y := p; y < p+g.h; y++ {
		row := g.pix[y*n : (y+1)*n]
		left, right := row[p], row[p+g.w-1]
		for x := range p {
			row[x] = left
		}
		for x := p + g.w; x < n; x++ {
			row[x] = right
		}
	}
	first := g.pix[p*n : (p+1)*n]
	for y := range p {
		copy(g.pix[y*n:(y+1)*n], first)
	}
	last := g.pix[(p+g.h-1)*n : (p+g.h)*n]
	for y := p + g.h; y < n; y++ {
		copy(g.pix[y*n:(y+1)*n], last)
	}
}

// shrink writes the grey, k-times smaller image into the image part of the buffer.
func (g *workImage) shrink(img *image.RGBA) {
	w, h, k := g.w, g.h, g.k
	if k == 1 {
		for y := range h {
			src := img.Pix[y*img.Stride : y*img.Stride+4*w]
			dst := g.pix[g.at(0, y) : g.at(0, y)+w]
			for x := range dst {
				p := src[4*x : 4*x+3 : 4*x+3]
				dst[x] = uint8((lumaR*uint32(p[0]) + lumaG*uint32(p[1]) + lumaB*uint32(p[2]) + 1<<15) >> 16)
			}
		}
		return
	}
	if k <= 4 {
		g.shrinkSmall(img)
		return
	}
	g.shrinkBlocks(img)
}

// shrinkSmall is shrink for k = 2, 3 or 4 (the factors of 320 to 1280-pixel frames): each work pixel
// reads its k×k block straight from the k source rows, with the block's taps written out, and the
// luma divides in 32 bits by a constant. In Go-wasm a loop iteration costs more than the adds it
// holds: this runs about three times faster than shrinkBlocks, with the same result to the bit.
func (g *workImage) shrinkSmall(img *image.RGBA) {
	w, h, k, st := g.w, g.h, g.k, img.Stride
	n := 4 * k * w
	// With k ≤ 4 the weighed sum is below 65536·16·255 + 16·2^15 < 2^32.
	luma := func(r, gr, b uint32) uint32 { return lumaR*r + lumaG*gr + lumaB*b }
	for y := range h {
		dst := g.pix[g.at(0, y) : g.at(0, y)+w]
		base := y * k * st
		switch k {
		case 2:
			r0, r1 := img.Pix[base:base+n], img.Pix[base+st:base+st+n]
			for x := range dst {
				i := 8 * x
				a, b := r0[i:i+8:i+8], r1[i:i+8:i+8]
				sr := uint32(a[0]) + uint32(a[4]) + uint32(b[0]) + uint32(b[4])
				sg := uint32(a[1]) + uint32(a[5]) + uint32(b[1]) + uint32(b[5])
				sb := uint32(a[2]) + uint32(a[6]) + uint32(b[2]) + uint32(b[6])
				dst[x] = uint8((luma(sr, sg, sb) + 4<<15) / (4 << 16))
			}
		case 3:
			r0, r1, r2 := img.Pix[base:base+n], img.Pix[base+st:base+st+n], img.Pix[base+2*st:base+2*st+n]
			for x := range dst {
				i := 12 * x
				a, b, c := r0[i:i+12:i+12], r1[i:i+12:i+12], r2[i:i+12:i+12]
				sr := uint32(a[0]) + uint32(a[4]) + uint32(a[8]) + uint32(b[0]) + uint32(b[4]) + uint32(b[8]) + uint32(c[0]) + uint32(c[4]) + uint32(c[8])
				sg := uint32(a[1]) + uint32(a[5]) + uint32(a[9]) + uint32(b[1]) + uint32(b[5]) + uint32(b[9]) + uint32(c[1]) + uint32(c[5]) + uint32(c[9])
				sb := uint32(a[2]) + uint32(a[6]) + uint32(a[10]) + uint32(b[2]) + uint32(b[6]) + uint32(b[10]) + uint32(c[2]) + uint32(c[6]) + uint32(c[10])
				dst[x] = uint8((luma(sr, sg, sb) + 9<<15) / (9 << 16))
			}
		case 4:
			r0, r1 := img.Pix[base:base+n], img.Pix[base+st:base+st+n]
			r2, r3 := img.Pix[base+2*st:base+2*st+n], img.Pix[base+3*st:base+3*st+n]
			for x := range dst {
				i := 16 * x
				a, b, c, d := r0[i:i+16:i+16], r1[i:i+16:i+16], r2[i:i+16:i+16], r3[i:i+16:i+16]
				var sr, sg, sb uint32
				for _, q := range [4][]uint8{a, b, c, d} {
					sr += uint32(q[0]) + uint32(q[4]) + uint32(q[8]) + uint32(q[12])
					sg += uint32(q[1]) + uint32(q[5]) + uint32(q[9]) + uint32(q[13])
					sb += uint32(q[2]) + uint32(q[6]) + uint32(q[10]) + uint32(q[14])
				}
				dst[x] = uint8((luma(sr, sg, sb) + 16<<15) / (16 << 16))
			}
		}
	}
}

// shrinkBlocks is shrink for any k > 1: R, G and B are summed over each k×k block row by row, then
// weighed once per block.
func (g *workImage) shrinkBlocks(img *image.RGBA) {
	w, h, k := g.w, g.h, g.k
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
		dst := g.pix[g.at(0, y) : g.at(0, y)+w]
		for x := range dst {
			a := acc[3*x : 3*x+3 : 3*x+3]
			sum := lumaR*uint64(a[0]) + lumaG*uint64(a[1]) + lumaB*uint64(a[2])
			dst[x] = uint8((sum + half) / (area << 16))
		}
	}
}
