package face

import (
	"image"
	"math"
	"time"
)

// Defaults for TrackerOptions; see the package doc for the jitter they were measured to give.
const (
	DefaultTrackRegion    = 2.0
	DefaultTrackSizeRange = 1.25
	DefaultRedetectEvery  = 15
	DefaultFPS            = 30.0
	DefaultMinCutoff      = 1.0
	DefaultBeta           = 2.0
	DefaultDCutoff        = 1.0
)

// TrackerOptions configure a Tracker. The zero value means the defaults.
type TrackerOptions struct {
	// Region is the side of the square searched around the last face, in face sides. Default 2.
	Region float64
	// SizeRange bounds the face sizes searched to the last size ×/÷ SizeRange. Default 1.25.
	SizeRange float64
	// RedetectEvery runs a full-frame detection every N frames so that a second face entering
	// the frame is reported (the quality gate needs it). Default 15; negative: never.
	RedetectEvery int
	// FPS is the frame rate Track assumes; TrackAt takes timestamps instead. Default 30.
	FPS float64
	// MinCutoff (Hz), Beta and DCutoff (Hz) tune the One Euro filter (Casiez et al., CHI 2012)
	// that smooths the box: MinCutoff sets the smoothing of a still face, Beta (per face side
	// per second of speed) how fast the smoothing lets go when the face moves.
	// Defaults 1, 2 and 1.
	MinCutoff, Beta, DCutoff float64
}

// Validate reports the first invalid option as an *OptionError.
func (o TrackerOptions) Validate() error {
	_, err := o.withDefaults()
	return err
}

func (o TrackerOptions) withDefaults() (TrackerOptions, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Region, DefaultTrackRegion)
	def(&o.SizeRange, DefaultTrackSizeRange)
	def(&o.FPS, DefaultFPS)
	def(&o.MinCutoff, DefaultMinCutoff)
	def(&o.Beta, DefaultBeta)
	def(&o.DCutoff, DefaultDCutoff)
	if o.RedetectEvery == 0 {
		o.RedetectEvery = DefaultRedetectEvery
	}
	checks := []struct {
		field string
		v     float64
		ok    bool
	}{
		{"Region", o.Region, o.Region >= 1 && o.Region <= 8},
		{"SizeRange", o.SizeRange, o.SizeRange > 1 && o.SizeRange <= 4},
		{"FPS", o.FPS, o.FPS > 0 && o.FPS <= 1000},
		{"MinCutoff", o.MinCutoff, o.MinCutoff > 0 && o.MinCutoff <= 1000},
		{"Beta", o.Beta, o.Beta >= 0 && o.Beta <= 1000},
		{"DCutoff", o.DCutoff, o.DCutoff > 0 && o.DCutoff <= 1000},
	}
	for _, c := range checks {
		if !c.ok || math.IsNaN(c.v) {
			return o, &OptionError{Field: c.field, Value: c.v, Reason: "out of range"}
		}
	}
	return o, nil
}

// Tracker follows the main face through video frames: it searches only around the last face
// (falling back to the whole frame when the face is lost) and smooths the box, so that the crop
// handed to a model does not jitter from frame to frame.
//
// A Tracker owns its Detector's buffers while it runs: do not use the Detector elsewhere at the
// same time. Like the Detector it is not safe for concurrent use.
type Tracker struct {
	d    Detector
	opts TrackerOptions

	tracking bool
	raw      Face // the last unsmoothed detection of the tracked face
	x, y     oneEuro
	size     oneEuro
	angle    oneEuro
	last     time.Duration
	frames   int // since the last full detection
	frameNo  int64
	w, h     int
}

// NewTracker returns a Tracker that detects with d (a *BlazeFace or a *Pigo).
func NewTracker(d Detector, opts TrackerOptions) (*Tracker, error) {
	if d == nil || isNilDetector(d) {
		return nil, &OptionError{Field: "Detector", Value: nil, Reason: "must not be nil"}
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Tracker{d: d, opts: o}, nil
}

// Reset forgets the tracked face; the next frame gets a full detection.
func (t *Tracker) Reset() {
	t.tracking = false
	t.frames = 0
}

// Track is TrackAt with timestamps spaced by 1/FPS.
func (t *Tracker) Track(f *Frame) ([]Face, error) {
	ts := time.Duration(float64(t.frameNo) * float64(time.Second) / t.opts.FPS)
	return t.TrackAt(f, ts)
}

// TrackAt returns the faces in img: the tracked face first, smoothed, then any others found by the
// periodic full detection. t is the frame's timestamp (as in MediaPipe's detectForVideo); a
// timestamp that does not increase restarts the smoothing.
func (t *Tracker) TrackAt(fr *Frame, ts time.Duration) ([]Face, error) {
	img, err := fr.pixels("track")
	if err != nil {
		return nil, err
	}
	t.frameNo++
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w != t.w || h != t.h || (t.tracking && ts <= t.last) {
		t.Reset()
		t.w, t.h = w, h
	}
	var faces []Face
	full := !t.tracking || (t.opts.RedetectEvery > 0 && t.frames >= t.opts.RedetectEvery)
	if !full {
		var err error
		if faces, err = t.d.DetectNear(fr, t.raw.Extent(), t.opts.Region, t.opts.SizeRange); err != nil {
			return nil, err
		}
		if len(faces) == 0 {
			full = true // lost it: look everywhere before giving up
		}
	}
	if full {
		var err error
		if faces, err = t.d.Detect(fr); err != nil {
			return nil, err
		}
		t.frames = 0
	}
	t.frames++
	if len(faces) == 0 {
		t.Reset()
		return nil, nil
	}
	// The tracked face is the one overlapping the last one most, else the largest.
	best := 0
	if t.tracking {
		bestIoU := 0.0
		for i, f := range faces {
			if v := boxIoU(f.Extent(), t.raw.Extent()); v > bestIoU {
				best, bestIoU = i, v
			}
		}
		if bestIoU == 0 {
			t.Reset() // someone else: start afresh rather than glide over from the last face
		}
	}
	f := faces[best]
	faces[0], faces[best] = faces[best], faces[0]
	faces[0] = t.smooth(f, ts, img.Rect)
	return faces, nil
}

// smooth filters the whole box (Extent) and the roll, then cuts the box to the frame r again. The
// keypoints stay as detected: they feed the quality gate, which judges each frame as it is.
func (t *Tracker) smooth(f Face, ts time.Duration, r image.Rectangle) Face {
	t.raw = f
	cx, cy := f.Extent().Center()
	side := math.Sqrt(f.Extent().W * f.Extent().H)
	if !t.tracking {
		t.x.reset(cx)
		t.y.reset(cy)
		t.size.reset(math.Log(side))
		t.angle.reset(f.Angle)
		t.tracking = true
		t.last = ts
		return f
	}
	dt := (ts - t.last).Seconds()
	t.last = ts
	o := t.opts
	// Speeds are measured in face sides per second so that Beta does not depend on resolution.
	sx := t.x.filter(cx, dt, o.MinCutoff, o.Beta/side, o.DCutoff)
	sy := t.y.filter(cy, dt, o.MinCutoff, o.Beta/side, o.DCutoff)
	ls := t.size.filter(math.Log(side), dt, o.MinCutoff, o.Beta, o.DCutoff)
	a := t.angle.filter(f.Angle, dt, o.MinCutoff, 0, o.DCutoff)
	s := math.Exp(ls)
	f.setFull(Box{X: sx - s/2, Y: sy - s/2, W: s, H: s}, r)
	f.Angle = a
	return f
}

// oneEuro is the One Euro filter: a low-pass filter whose cutoff rises with the signal's speed,
// so that a still face is held steady and a moving one is followed without lag.
type oneEuro struct {
	x, dx float64
}

func (e *oneEuro) reset(x float64) { e.x, e.dx = x, 0 }

func smoothingAlpha(cutoff, dt float64) float64 {
	tau := 1 / (2 * math.Pi * cutoff)
	return 1 / (1 + tau/dt)
}

func (e *oneEuro) filter(x, dt, minCutoff, beta, dCutoff float64) float64 {
	dx := (x - e.x) / dt
	e.dx += smoothingAlpha(dCutoff, dt) * (dx - e.dx)
	cutoff := minCutoff + beta*math.Abs(e.dx)
	e.x += smoothingAlpha(cutoff, dt) * (x - e.x)
	return e.x
}

func boxIoU(a, b Box) float64 {
	ox := max(0, min(a.X+a.W, b.X+b.W)-max(a.X, b.X))
	oy := max(0, min(a.Y+a.H, b.Y+b.H)-max(a.Y, b.Y))
	inter := ox * oy
	u := a.W*a.H + b.W*b.H - inter
	if u <= 0 {
		return 0
	}
	return inter / u
}

// isNilDetector reports whether d holds a nil pointer of one of this package's detectors.
func isNilDetector(d Detector) bool {
	switch v := d.(type) {
	case *Pigo:
		return v == nil
	case *BlazeFace:
		return v == nil
	}
	return false
}
