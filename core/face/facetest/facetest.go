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
