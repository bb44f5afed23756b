// Package facetest draws synthetic frames for tests of core/face and its users: a cartoon face
// that pico's cascade finds, so that tests need no photos of people.
package facetest

import (
	"image"
	"math"
)

// Face draws a frame of w×h with a cartoon face of the given side centred at (cx, cy), turned
// rollDeg degrees counter-clockwise on the screen: a skin-toned oval with darker brows, eyes, nose
// and mouth on a textured background. It is crude, but pico's cascade (trained on real faces)
// finds it, with a box about 1.15 sides wide.
func Face(w, h int, cx, cy, side, rollDeg float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	th := rollDeg * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	for y := range h {
		for x := range w {
			// Face coordinates: rotate the pixel back by the roll (counter-clockwise on screen
			// for positive roll) and scale by the side.
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u := (c*dx - s*dy) / side
			v := (s*dx + c*dy) / side
			// Background: a soft diagonal gradient with some texture.
			bg := 90 + 40*math.Sin(float64(x)*0.05)*math.Cos(float64(y)*0.043) + float64((x*7+y*13)%17)
			r, g, b := bg*0.9, bg, bg*1.1
			if (u*u)/(0.5*0.5)+(v*v)/(0.62*0.62) <= 1 {
				// skin with shading towards the edge
				shade := 1 - 0.35*((u*u)/(0.25)+(v*v)/(0.3844))
				r, g, b = 225*shade, 180*shade, 150*shade
				dark := 0.0
				ellipse := func(eu, ev, ru, rv float64) float64 {
					q := ((u-eu)*(u-eu))/(ru*ru) + ((v-ev)*(v-ev))/(rv*rv)
					return math.Max(0, 1-q)
				}
				dark = math.Max(dark, 1.6*ellipse(-0.19, -0.1, 0.11, 0.05))   // left eye
				dark = math.Max(dark, 1.6*ellipse(0.19, -0.1, 0.11, 0.05))    // right eye
				dark = math.Max(dark, 1.2*ellipse(-0.19, -0.21, 0.13, 0.025)) // brows
				dark = math.Max(dark, 1.2*ellipse(0.19, -0.21, 0.13, 0.025))
				dark = math.Max(dark, 0.5*ellipse(0, 0.1, 0.06, 0.1))    // nose shadow
				dark = math.Max(dark, 1.0*ellipse(0, 0.29, 0.17, 0.045)) // mouth
				k := 1 - math.Min(0.85, dark)
				r, g, b = r*k, g*k, b*k
			}
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = clamp8(r), clamp8(g), clamp8(b), 255
		}
	}
	return img
}

func clamp8(v float64) uint8 { return uint8(min(255, max(0, math.Round(v)))) }

// NoFaceScenes names the face-free frames NoFace draws, in order.
var NoFaceScenes = []string{"black", "white", "grey", "gradient", "wall", "desk", "noise", "checkerboard",
	"stripes", "blobs"}

// NoFace draws the i-th face-free frame of NoFaceScenes at w×h: blank frames, a lit wall with
// plaster texture, a desk with wood grain and objects, sensor noise, and patterns with strong edges
// (checks, stripes, blobs) of the kind that fool weak detectors. A detector must find no face in
// any of them. Deterministic.
func NoFace(i, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rnd := uint32(2463534242 + i)
	next := func() float64 { // xorshift32: no dependency on math/rand's algorithm
		rnd ^= rnd << 13
		rnd ^= rnd >> 17
		rnd ^= rnd << 5
		return float64(rnd) / (1 << 32)
	}
	type blob struct{ x, y, rx, ry, r, g, b float64 }
	var blobs []blob
	if NoFaceScenes[i%len(NoFaceScenes)] == "blobs" || NoFaceScenes[i%len(NoFaceScenes)] == "desk" {
		for range 12 {
			blobs = append(blobs, blob{next() * float64(w), next() * float64(h), 10 + next()*float64(w)/6,
				10 + next()*float64(h)/6, 255 * next(), 255 * next(), 255 * next()})
		}
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			var r, g, b float64
			switch NoFaceScenes[i%len(NoFaceScenes)] {
			case "black":
			case "white":
				r, g, b = 255, 255, 255
			case "grey":
				r, g, b = 128, 128, 128
			case "gradient":
				r = 255 * fx / float64(w)
				g = 255 * fy / float64(h)
				b = 128
			case "wall":
				light := 200 - 80*math.Hypot(fx-0.3*float64(w), fy-0.2*float64(h))/float64(w)
				tex := 6*math.Sin(fx*0.9+3*math.Sin(fy*0.21)) + 8*(next()-0.5)
				r, g, b = light+tex, light*0.96+tex, light*0.9+tex
			case "desk":
				grain := 20 * math.Sin(fy*0.15+4*math.Sin(fx*0.01)+2*math.Sin(fy*0.05))
				r, g, b = 150+grain, 100+grain*0.8, 60+grain*0.5
				for _, o := range blobs[:4] {
					if math.Abs(fx-o.x) < o.rx && math.Abs(fy-o.y) < o.ry/2 {
						r, g, b = o.r, o.g, o.b
					}
				}
			case "noise":
				r, g, b = 255*next(), 255*next(), 255*next()
			case "checkerboard":
				if (x/32+y/32)%2 == 0 {
					r, g, b = 230, 230, 230
				} else {
					r, g, b = 30, 30, 30
				}
			case "stripes":
				v := 128 + 120*math.Sin(fx*0.2+fy*0.05)
				r, g, b = v, v*0.8, v*0.6
			case "blobs":
				r, g, b = 90, 110, 130
				for _, o := range blobs {
					if (fx-o.x)*(fx-o.x)/(o.rx*o.rx)+(fy-o.y)*(fy-o.y)/(o.ry*o.ry) <= 1 {
						r, g, b = o.r, o.g, o.b
					}
				}
			}
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = clamp8(r), clamp8(g), clamp8(b), 255
		}
	}
	return img
}

// FaceOnWall is Face on a plain lit wall instead of the textured background. At whole-frame scale
// Face's background of soft dark and light blobs can itself read as a face to a CNN detector
// (BlazeFace reports it with scores up to 0.74 when the drawn face is small), which no real wall
// does (see NoFace's "wall"); tests of small or off-centre faces use this one.
func FaceOnWall(w, h int, cx, cy, side, rollDeg float64) *image.RGBA {
	img := Face(w, h, cx, cy, side, rollDeg)
	th := rollDeg * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	for y := range h {
		for x := range w {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u := (c*dx - s*dy) / side
			v := (s*dx + c*dy) / side
			if (u*u)/(0.5*0.5)+(v*v)/(0.62*0.62) <= 1 {
				continue
			}
			light := 190 - 60*float64(y)/float64(h)
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2] = clamp8(light), clamp8(light*0.97), clamp8(light*0.92)
		}
	}
	return img
}
