package facetest

import (
	"image"
	"math"
)

// Image transforms for tests and tuning (scripts/facetune): degraded copies of real frames, so that
// each quality check can be shown to fire on what it is meant to catch.

// MapPixels returns a copy of src with f applied to every pixel's R, G, B (results clamped to 0..255).
func MapPixels(src *image.RGBA, f func(r, g, b float64) (float64, float64, float64)) *image.RGBA {
	dst := image.NewRGBA(src.Rect)
	for i := 0; i+3 < len(src.Pix); i += 4 {
		r, g, b := f(float64(src.Pix[i]), float64(src.Pix[i+1]), float64(src.Pix[i+2]))
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = clamp8(r), clamp8(g), clamp8(b), 255
	}
	return dst
}

// Darken multiplies every channel by k (k > 1: overexposure that clips).
func Darken(src *image.RGBA, k float64) *image.RGBA {
	return MapPixels(src, func(r, g, b float64) (float64, float64, float64) { return r * k, g * k, b * k })
}

// Brighten moves every channel a fraction k of the way to white (overexposure).
func Brighten(src *image.RGBA, k float64) *image.RGBA {
	return MapPixels(src, func(r, g, b float64) (float64, float64, float64) {
		return r + (255-r)*k, g + (255-g)*k, b + (255-b)*k
	})
}

// Flatten pulls every channel towards mid-grey, keeping a fraction k of the contrast.
func Flatten(src *image.RGBA, k float64) *image.RGBA {
	return MapPixels(src, func(r, g, b float64) (float64, float64, float64) {
		return 128 + (r-128)*k, 128 + (g-128)*k, 128 + (b-128)*k
	})
}

// BoxBlur blurs with a (2r+1)² box, twice (close to a Gaussian of σ ≈ r·0.8).
func BoxBlur(src *image.RGBA, r int) *image.RGBA {
	out := src
	for range 2 {
		out = blurPass(blurPass(out, r, true), r, false)
	}
	return out
}

func blurPass(src *image.RGBA, r int, horizontal bool) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var s [3]int
			n := 0
			for d := -r; d <= r; d++ {
				xx, yy := x, y
				if horizontal {
					xx = min(max(x+d, 0), w-1)
				} else {
					yy = min(max(y+d, 0), h-1)
				}
				p := src.Pix[yy*src.Stride+4*xx:]
				s[0] += int(p[0])
				s[1] += int(p[1])
				s[2] += int(p[2])
				n++
			}
			q := dst.Pix[y*dst.Stride+4*x:]
			q[0], q[1], q[2], q[3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return dst
}

// Rotate turns the picture counter-clockwise on the screen by deg degrees about its centre
// (bilinear; corners that come from outside are grey).
func Rotate(src *image.RGBA, deg float64) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	th := deg * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	cx, cy := float64(w)/2, float64(h)/2
	for y := range h {
		for x := range w {
			// With y down, a counter-clockwise turn on screen by θ maps source (u, v) to
			// (cx + c·du + s·dv, cy − s·du + c·dv); invert it.
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u := cx + c*dx - s*dy - 0.5
			v := cy + s*dx + c*dy - 0.5
			q := dst.Pix[y*dst.Stride+4*x:]
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				q[0], q[1], q[2], q[3] = 128, 128, 128, 255
				continue
			}
			fx, fy := u-float64(x0), v-float64(y0)
			for ch := range 3 {
				p := func(xx, yy int) float64 { return float64(src.Pix[yy*src.Stride+4*xx+ch]) }
				top := p(x0, y0)*(1-fx) + p(x0+1, y0)*fx
				bot := p(x0, y0+1)*(1-fx) + p(x0+1, y0+1)*fx
				q[ch] = clamp8(top*(1-fy) + bot*fy)
			}
			q[3] = 255
		}
	}
	return dst
}

// Occlude paints a filled ellipse of radii (rx, ry) centred on each point over a copy of src: dark
// lenses over the eyes (sunglasses) or a skin-toned patch (a hand), for the eyes_not_visible check.
// The paint is colour c with a shading ramp of ±shade across the ellipse (lit from the top left, as
// a lens's reflection or a hand's curve is) and deterministic noise of about ±noise, so that it is
// not perfectly flat: a real occluder is not.
func Occlude(src *image.RGBA, c [3]uint8, shade, noise, rx, ry float64, centres ...[2]float64) *image.RGBA {
	dst := image.NewRGBA(src.Rect)
	copy(dst.Pix, src.Pix)
	b := src.Rect
	for _, p := range centres {
		for y := max(b.Min.Y, int(p[1]-ry)); y < min(b.Max.Y, int(p[1]+ry)+1); y++ {
			for x := max(b.Min.X, int(p[0]-rx)); x < min(b.Max.X, int(p[0]+rx)+1); x++ {
				dx, dy := (float64(x)+0.5-p[0])/rx, (float64(y)+0.5-p[1])/ry
				if dx*dx+dy*dy > 1 {
					continue
				}
				h := uint32(x)*2654435761 ^ uint32(y)*40503
				h ^= h >> 13
				h *= 1274126177
				n := (float64(h>>16&0xffff)/65535*2 - 1) * noise
				v := -shade*(dx+dy)/2 + n
				q := dst.Pix[(y-b.Min.Y)*dst.Stride+4*(x-b.Min.X):]
				q[0], q[1], q[2], q[3] = clamp8(float64(c[0])+v), clamp8(float64(c[1])+v), clamp8(float64(c[2])+v), 255
			}
		}
	}
	return dst
}
