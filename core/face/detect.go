package face

import (
	"cmp"
	"image"
	"math"
	"slices"

	pigo "github.com/esimov/pigo/core"
)

// Defaults for PigoOptions; see the package doc for how they were chosen.
const (
	DefaultMinSizeFrac = 0.15
	DefaultScaleFactor = 1.2
	DefaultShiftFactor = 0.1
	DefaultMaxAngle    = 20.0
	DefaultMinScore    = 6.0
	DefaultIoU         = 0.2

	// minCascadeSize is the smallest window, in work-image pixels, the cascade is run at. Frames
	// are shrunk by an integer factor so that Options.MinSize maps to at least this: the cost of a
	// search depends on frame size over face size, not on the frame size alone.
	minCascadeSize = 24
	// angleStep is pigo's rotation quantum: it reads its sin/cos tables at int(32·a), a in turns.
	angleStep = 360.0 / 32
)

// PigoOptions configure a Pigo detector. The zero value means the defaults.
type PigoOptions struct {
	// MinSize is the smallest face side searched, in frame pixels. 0 means MinSizeFrac of the
	// frame's shorter side, but at least 24 px.
	MinSize int
	// MinSizeFrac is used when MinSize is 0. Default 0.15.
	MinSizeFrac float64
	// MaxSize is the largest face side searched, in frame pixels. 0 means the shorter side.
	MaxSize int
	// ScaleFactor is the ratio between successive window sizes (>1). Default 1.2.
	ScaleFactor float64
	// ShiftFactor is the window step as a fraction of its size (0..1]. Default 0.1.
	ShiftFactor float64
	// MaxAngle is the largest in-plane rotation searched, in degrees (0..45). The search runs the
	// cascade at pigo's 11.25° steps up to the first step ≥ MaxAngle, both ways. Default 20
	// (steps 0, ±11.25°, ±22.5°).
	MaxAngle float64
	// Upright disables the rotation search (one pass at 0°, about 5× faster).
	Upright bool
	// MinScore is the least Face.Score reported. Default 6.
	MinScore float64
	// IoU is the overlap above which windows merge into one face. Default 0.2.
	IoU float64
	// Cascade is a pico cascade file (the format of pigo's cascade/facefinder). nil means the
	// facefinder embedded in the package, except in builds with the tag bonafide_lean (the
	// browser's wasm), which leave it out to save 233 KB gzip and need it here.
	Cascade []byte
}

// Validate reports the first invalid option as an *OptionError.
func (o PigoOptions) Validate() error {
	_, err := o.withDefaults()
	return err
}

func (o PigoOptions) withDefaults() (PigoOptions, error) {
	if o.MinSize < 0 {
		return o, &OptionError{Field: "MinSize", Value: o.MinSize, Reason: "must be ≥ 0"}
	}
	if o.MaxSize < 0 {
		return o, &OptionError{Field: "MaxSize", Value: o.MaxSize, Reason: "must be ≥ 0"}
	}
	if o.MaxSize > 0 && o.MaxSize < o.MinSize {
		return o, &OptionError{Field: "MaxSize", Value: o.MaxSize, Reason: "must be ≥ MinSize"}
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MinSizeFrac, DefaultMinSizeFrac)
	def(&o.ScaleFactor, DefaultScaleFactor)
	def(&o.ShiftFactor, DefaultShiftFactor)
	def(&o.MaxAngle, DefaultMaxAngle)
	def(&o.MinScore, DefaultMinScore)
	def(&o.IoU, DefaultIoU)
	checks := []struct {
		field  string
		v      float64
		ok     bool
		reason string
	}{
		{"MinSizeFrac", o.MinSizeFrac, o.MinSizeFrac > 0 && o.MinSizeFrac <= 1, "must be in (0, 1]"},
		{"ScaleFactor", o.ScaleFactor, o.ScaleFactor > 1 && o.ScaleFactor <= 4, "must be in (1, 4]"},
		{"ShiftFactor", o.ShiftFactor, o.ShiftFactor > 0 && o.ShiftFactor <= 1, "must be in (0, 1]"},
		{"MaxAngle", o.MaxAngle, o.MaxAngle > 0 && o.MaxAngle <= 45, "must be in (0, 45] degrees"},
		{"MinScore", o.MinScore, o.MinScore >= 0 && !math.IsInf(o.MinScore, 0), "must be ≥ 0"},
		{"IoU", o.IoU, o.IoU > 0 && o.IoU < 1, "must be in (0, 1)"},
	}
	for _, c := range checks {
		if !c.ok || math.IsNaN(c.v) {
			return o, &OptionError{Field: c.field, Value: c.v, Reason: c.reason}
		}
	}
	return o, nil
}

// Pigo finds faces in RGBA frames with pico's cascade (github.com/esimov/pigo): the detector
// bonafide used before BlazeFace, kept selectable. Its boxes are square, brows to chin; it gives no
// keypoints, and its Angle comes from a search over rotated cascades.
//
// A Pigo reuses its buffers from frame to frame and is not safe for concurrent use; create
// one per goroutine (cheap: the cascade is parsed once per process and shared read-only).
type Pigo struct {
	opts    PigoOptions
	cascade *pigo.Pigo
	angles  []float64 // degrees, 0 first
	gray    workImage
	dets    []window
	used    []bool
	faces   []Face
}

// window is one cascade hit in work-image coordinates.
type window struct {
	r, c, s float64 // centre row, column and side
	q       float64
	angle   float64 // degrees, counter-clockwise on screen
}

// NewPigo validates opts and returns a Pigo detector using opts.Cascade, or the embedded
// facefinder cascade when that is nil. A cascade that cannot be used is an error of kind errs.Model.
func NewPigo(opts PigoOptions) (*Pigo, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c, err := cascadeFor(o)
	if err != nil {
		return nil, err
	}
	d := &Pigo{opts: o, cascade: c, angles: []float64{0}}
	if !o.Upright {
		for i := 1; float64(i-1)*angleStep < o.MaxAngle; i++ {
			d.angles = append(d.angles, float64(i)*angleStep, -float64(i)*angleStep)
		}
	}
	return d, nil
}

// Options returns the detector's options with defaults filled in.
func (d *Pigo) Options() PigoOptions { return d.opts }

// sizes returns the frame's face-size range and the work-image factor for it.
func (d *Pigo) sizes(w, h int) (minSize, maxSize, k int) {
	short := min(w, h)
	minSize = d.opts.MinSize
	if minSize == 0 {
		minSize = max(minCascadeSize, int(math.Round(d.opts.MinSizeFrac*float64(short))))
	}
	maxSize = d.opts.MaxSize
	if maxSize == 0 || maxSize > short {
		maxSize = short
	}
	k = max(1, minSize/minCascadeSize)
	return minSize, maxSize, k
}

// Detect returns the faces in f, largest first. A frame too small for the smallest face gives
// no faces and no error.
func (d *Pigo) Detect(f *Frame) ([]Face, error) {
	img, err := f.pixels("detect")
	if err != nil {
		return nil, err
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	minSize, maxSize, k := d.sizes(w, h)
	if minSize > maxSize {
		return nil, nil
	}
	d.gray.load(img, k)
	d.dets = d.dets[:0]
	d.search(d.gray.image(), minSize, maxSize, d.angles[:1])
	found := d.cluster(image.Point{}, false)
	if len(found) == 0 {
		// The slow path, for frames without an upright face in full view: upright over the frame
		// and its border, which finds faces partly outside the frame, and the other angles over
		// the smallest square that holds the frame. The border pass covers the frame again, so
		// the first pass's windows go, lest they count twice.
		g := &d.gray
		d.dets = d.dets[:0]
		d.search(g.whole(), minSize, maxSize, d.angles[:1])
		d.search(region{g.pad, g.pad, max(g.w, g.h), max(g.w, g.h)}, minSize, maxSize, d.angles[1:])
	} else if len(d.angles) > 1 {
		// The rotated passes cost about 4× an upright one each over a whole frame. Around the
		// faces found upright they are cheap, and give the roll and the tilted windows.
		for i, f := range found {
			if i == maxRefine {
				break
			}
			d.searchRegion(f.Box, refineRegion, refineSizeRange, minSize, maxSize, d.angles[1:])
		}
	}
	return d.final(img.Rect), nil
}

// final clusters the windows into faces in frame pixels, largest first, boxes cut to the frame r.
func (d *Pigo) final(r image.Rectangle) []Face {
	faces := d.cluster(r.Min, true)
	for i := range faces {
		faces[i].setFull(faces[i].Box, r)
	}
	return faces
}

// DetectNear searches a square of region × last's side around it, at every angle, for faces
// within ×/÷ sizeRange of its size: the Tracker's search around the last face.
func (d *Pigo) DetectNear(f *Frame, last Box, region, sizeRange float64) ([]Face, error) {
	img, err := f.pixels("track")
	if err != nil {
		return nil, err
	}
	if !(region >= 1 && region <= 8) || !(sizeRange > 1 && sizeRange <= 4) || !(last.W > 0 && last.H > 0) ||
		math.IsInf(last.W, 0) || math.IsInf(last.H, 0) || math.IsNaN(last.X) || math.IsNaN(last.Y) {
		return d.Detect(f)
	}
	minSize, maxSize, k := d.sizes(img.Rect.Dx(), img.Rect.Dy())
	if minSize > maxSize {
		return nil, nil
	}
	d.gray.load(img, k)
	d.dets = d.dets[:0]
	last.X -= float64(img.Rect.Min.X)
	last.Y -= float64(img.Rect.Min.Y)
	d.searchRegion(last, region, sizeRange, minSize, maxSize, d.angles)
	return d.final(img.Rect), nil
}

// maxRefine bounds how many faces of one frame get the rotated search around them.
const maxRefine = 4

// The rotated search around an upright face: refineRegion × its side, sizes within ×/÷
// refineSizeRange.
const (
	refineRegion    = 1.3
	refineSizeRange = 1.15
)

// region is a rectangle of the work buffer to scan, in buffer coordinates.
type region struct{ x0, y0, rows, cols int }

// image is the frame's part of the buffer; whole is the square buffer with its border.
func (g *workImage) image() region { return region{g.pad, g.pad, g.h, g.w} }
func (g *workImage) whole() region { return region{0, 0, g.n, g.n} }

// searchRegion searches a square of span × the box's side around it (border included) for
// faces within ×/÷ sizeRange of its size, at the given angles. The box is in frame pixels
// relative to the frame's top-left corner.
func (d *Pigo) searchRegion(b Box, span, sizeRange float64, minSize, maxSize int, angles []float64) {
	g := &d.gray
	k := float64(g.k)
	n := min(g.n, int(math.Ceil(b.W*span/k)))
	cx := (b.X+b.W/2)/k + float64(g.pad)
	cy := (b.Y+b.H/2)/k + float64(g.pad)
	x0 := min(max(0, int(math.Round(cx-float64(n)/2))), g.n-n)
	y0 := min(max(0, int(math.Round(cy-float64(n)/2))), g.n-n)
	lo := max(minSize, int(b.W/sizeRange))
	hi := min(maxSize, int(math.Ceil(b.W*sizeRange)))
	d.search(region{x0, y0, n, n}, lo, hi, angles)
}

// search runs the cascade over a region of the work buffer for face sizes [minSize, maxSize] in
// frame pixels, at each angle (degrees), and appends the hits whose centre lies in the frame to
// d.dets, in work-image coordinates. Rotated passes need a square region: pigo's rotated
// classifier clamps columns to Rows−1.
func (d *Pigo) search(reg region, minSize, maxSize int, angles []float64) {
	g := &d.gray
	k := float64(g.k)
	minW := max(1, int(math.Round(float64(minSize)/k)))
	maxW := int(float64(maxSize) / k)
	if maxW < minW || reg.rows <= 0 || reg.cols <= 0 {
		return
	}
	p := pigo.CascadeParams{
		MinSize:     minW,
		MaxSize:     maxW,
		ShiftFactor: d.opts.ShiftFactor,
		ScaleFactor: d.opts.ScaleFactor,
		ImageParams: pigo.ImageParams{Pixels: g.pix[reg.y0*g.n+reg.x0:], Rows: reg.rows, Cols: reg.cols, Dim: g.n},
	}
	for _, a := range angles {
		if a != 0 && reg.rows != reg.cols {
			panic("face: rotated search on a non-square region") // a bug in this package
		}
		turn := a / 360
		if turn < 0 {
			turn += 1
		}
		for _, det := range d.cascade.RunCascade(p, turn) {
			r, c := det.Row+reg.y0-g.pad, det.Col+reg.x0-g.pad
			if r < 0 || c < 0 || r >= g.h || c >= g.w {
				continue // centre outside the frame
			}
			d.dets = append(d.dets, window{r: float64(r), c: float64(c), s: float64(det.Scale), q: float64(det.Q), angle: a})
		}
	}
}

func iou(a, b *window) float64 {
	ox := max(0, min(a.c+a.s/2, b.c+b.s/2)-max(a.c-a.s/2, b.c-b.s/2))
	oy := max(0, min(a.r+a.s/2, b.r+b.s/2)-max(a.r-a.s/2, b.r-b.s/2))
	inter := ox * oy
	return inter / (a.s*a.s + b.s*b.s - inter)
}

// cluster merges overlapping windows into faces (score-weighted means of position, size and
// angle; the score is the sum, as in pigo's ClusterDetections), drops faces under MinScore and
// faces mostly inside a stronger one, and maps them to frame pixels, largest first.
func (d *Pigo) cluster(origin image.Point, final bool) []Face {
	dets := d.dets
	slices.SortFunc(dets, func(a, b window) int { return cmp.Compare(b.q, a.q) })
	d.used = slices.Grow(d.used[:0], len(dets))[:len(dets)]
	clear(d.used)
	d.faces = d.faces[:0]
	k := float64(d.gray.k)
	for i := range dets {
		if d.used[i] {
			continue
		}
		var sq, sr, sc, ss, sa float64
		for j := i; j < len(dets); j++ {
			if d.used[j] || iou(&dets[i], &dets[j]) <= d.opts.IoU {
				continue
			}
			d.used[j] = true
			q := dets[j].q
			sq += q
			sr += q * dets[j].r
			sc += q * dets[j].c
			ss += q * dets[j].s
			sa += q * dets[j].angle
		}
		if sq < d.opts.MinScore {
			continue
		}
		// Work pixel (r, c) covers frame pixels [c·k, c·k+k): its centre is at (c+0.5)·k.
		side := ss / sq * k
		cx, cy := (sc/sq+0.5)*k, (sr/sq+0.5)*k
		f := Face{
			Box:   Box{X: cx - side/2 + float64(origin.X), Y: cy - side/2 + float64(origin.Y), W: side, H: side},
			Score: sq,
			Angle: sa / sq,
		}
		if !d.suppressed(f) {
			d.faces = append(d.faces, f)
		}
	}
	if !final {
		return d.faces
	}
	out := slices.Clone(d.faces)
	slices.SortStableFunc(out, func(a, b Face) int { return cmp.Compare(b.W, a.W) })
	return out
}

// suppressed reports whether f lies mostly (over half its area) inside a face already kept: pigo's
// clustering can leave a second cluster on the same face at another scale.
func (d *Pigo) suppressed(f Face) bool {
	for _, g := range d.faces {
		ox := max(0, min(f.X+f.W, g.X+g.W)-max(f.X, g.X))
		oy := max(0, min(f.Y+f.H, g.Y+g.H)-max(f.Y, g.Y))
		if ox*oy > 0.5*min(f.W*f.H, g.W*g.H) {
			return true
		}
	}
	return false
}
