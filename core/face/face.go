package face

import (
	"image"
	"math"
)

// Box is an axis-aligned rectangle in frame pixels, top-left origin, x to the right, y down.
type Box struct{ X, Y, W, H float64 }

// Center returns the centre of b.
func (b Box) Center() (x, y float64) { return b.X + b.W/2, b.Y + b.H/2 }

// clip returns b cut to the rectangle r; an empty intersection gives an empty box at the nearest
// point of r.
func (b Box) clip(r image.Rectangle) Box {
	if b.X >= float64(r.Min.X) && b.Y >= float64(r.Min.Y) && b.X+b.W <= float64(r.Max.X) && b.Y+b.H <= float64(r.Max.Y) {
		return b // inside: exactly as it was (W and H of a square stay equal)
	}
	x0 := min(max(b.X, float64(r.Min.X)), float64(r.Max.X))
	y0 := min(max(b.Y, float64(r.Min.Y)), float64(r.Max.Y))
	x1 := min(max(b.X+b.W, float64(r.Min.X)), float64(r.Max.X))
	y1 := min(max(b.Y+b.H, float64(r.Min.Y)), float64(r.Max.Y))
	return Box{X: x0, Y: y0, W: span(x0, x1), H: span(y0, y1)}
}

// span returns the largest w with lo+w <= hi. hi-lo alone can round up by an ulp, and then a box
// cut to the frame would end a hair past its edge (found by FuzzDetect: -18.907… + 45.907… = 27.000…06).
func span(lo, hi float64) float64 {
	w := hi - lo
	for w > 0 && lo+w > hi {
		w = math.Nextafter(w, 0)
	}
	return w
}

// Face is one detected face.
//
// Both detectors give the same box: a square that covers the face from the brows to the chin (the
// box of pico's cascade, which every model's crop spec was defined on; BlazeFace's own box is mapped
// onto it, see the package doc). Box is cut to the frame, so that it is never outside it; Full is the
// whole square, which may extend past the frame edge for a face the frame cuts. The quality gate and
// the crop use Full (see Extent).
type Face struct {
	Box
	// Full is the whole face box before it was cut to the frame. A zero Full means Box (a Face
	// built by hand).
	Full Box
	// Score is the detector's confidence. BlazeFace: the probability in [0, 1]. Pigo: the sum of
	// the classifier outputs of the windows merged into this face (pigo's Q), a relative
	// confidence that grows with the number of windows that fired.
	Score float64
	// Angle is the face's in-plane rotation (roll) in degrees, positive when the face is turned
	// counter-clockwise as seen on the screen (the top of the head towards the viewer's left).
	// BlazeFace: the slope of the line from the right to the left eye. Pigo: a score-weighted mean
	// of the searched angles (pigo's 11.25° steps), so it is coarse.
	Angle float64
	// Keypoints are BlazeFace's six landmarks (eyes, nose tip, mouth, ear tragions) in frame
	// pixels, each held inside the frame; valid when HasKeypoints is true (pigo gives none).
	Keypoints    Keypoints
	HasKeypoints bool
}

// Extent returns the whole face box: Full, or Box when Full is not set.
func (f *Face) Extent() Box {
	if f.Full.W > 0 && f.Full.H > 0 {
		return f.Full
	}
	return f.Box
}

// setFull sets the face's whole box and cuts Box and the keypoints to the frame r.
func (f *Face) setFull(full Box, r image.Rectangle) {
	f.Full = full
	f.Box = full.clip(r)
	if f.HasKeypoints {
		for i := range f.Keypoints {
			p := &f.Keypoints[i]
			p.X = min(max(p.X, float64(r.Min.X)), float64(r.Max.X))
			p.Y = min(max(p.Y, float64(r.Min.Y)), float64(r.Max.Y))
		}
	}
}

// finite reports whether every number of f is finite.
func (f *Face) finite() bool {
	vals := [...]float64{f.X, f.Y, f.W, f.H, f.Full.X, f.Full.Y, f.Full.W, f.Full.H, f.Score, f.Angle}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	for _, p := range f.Keypoints {
		if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			return false
		}
	}
	return true
}

// Detector finds faces in frames: BlazeFace (the default, NewBlazeFace) or pico's cascade (NewPigo).
// A Detector reuses its buffers and is not safe for concurrent use.
type Detector interface {
	// Detect returns the faces in f, largest first. The slice may be reused by the next call.
	Detect(f *Frame) ([]Face, error)
	// DetectNear looks for faces around last, a face box from the previous video frame: in a
	// square of region × its side around its centre, for faces within ×/÷ sizeRange of its size
	// (where the detector can restrict sizes). The Tracker calls it.
	DetectNear(f *Frame, last Box, region, sizeRange float64) ([]Face, error)
}
