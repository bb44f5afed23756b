package face

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/model"
)

// Defaults for BlazeFaceOptions; see the package doc for how they were chosen.
const (
	// DefaultBlazeFaceMinScore is MediaPipe's min_score_thresh for the short-range face detector.
	DefaultBlazeFaceMinScore = 0.5
	// DefaultBlazeFaceIoU is MediaPipe's min_suppression_threshold.
	DefaultBlazeFaceIoU = 0.3
	// DefaultBlazeFaceMaxFaces bounds the faces reported for one frame.
	DefaultBlazeFaceMaxFaces = 16
)

// BlazeFaceOptions configure a BlazeFace detector. The zero value means the defaults.
type BlazeFaceOptions struct {
	// MinScore is the least face probability reported, in (0, 1). Default 0.5.
	MinScore float64
	// IoU is the overlap above which detections merge in the weighted non-maximum suppression,
	// in (0, 1). Default 0.3.
	IoU float64
	// MaxFaces bounds the faces reported. Default 16.
	MaxFaces int
}

// Validate reports the first invalid option as an *OptionError.
func (o BlazeFaceOptions) Validate() error {
	_, err := o.withDefaults()
	return err
}

func (o BlazeFaceOptions) withDefaults() (BlazeFaceOptions, error) {
	if o.MinScore == 0 {
		o.MinScore = DefaultBlazeFaceMinScore
	}
	if o.IoU == 0 {
		o.IoU = DefaultBlazeFaceIoU
	}
	if o.MaxFaces == 0 {
		o.MaxFaces = DefaultBlazeFaceMaxFaces
	}
	switch {
	case !(o.MinScore > 0 && o.MinScore < 1):
		return o, &OptionError{Field: "MinScore", Value: o.MinScore, Reason: "must be in (0, 1)"}
	case !(o.IoU > 0 && o.IoU < 1):
		return o, &OptionError{Field: "IoU", Value: o.IoU, Reason: "must be in (0, 1)"}
	case o.MaxFaces < 1 || o.MaxFaces > bfMaxCandidates:
		return o, &OptionError{Field: "MaxFaces", Value: o.MaxFaces, Reason: fmt.Sprintf("must be in [1, %d]", bfMaxCandidates)}
	}
	return o, nil
}

// ModelError reports a face detection model that cannot be used: it does not load, or its
// inputs and outputs are not BlazeFace's.
type ModelError struct {
	Reason string
	Err    error // the engine's error, if any
}

func (e *ModelError) Error() string {
	if e.Err != nil {
		return "face: BlazeFace model: " + e.Reason + ": " + e.Err.Error()
	}
	return "face: BlazeFace model: " + e.Reason
}

func (e *ModelError) Unwrap() error { return e.Err }

// Kind is errs.Model.
func (e *ModelError) Kind() errs.Kind { return errs.Model }

// BlazeFace finds faces and their six keypoints with MediaPipe's BlazeFace, run by bonafide's own
// engine (core/model). It takes the front-camera model (128×128 input, for faces at selfie
// distance) or the back-camera one (256×256, faces down to half the size, six times the work);
// see models/blazeface.
//
// A BlazeFace reuses its buffers from frame to frame (nothing is allocated per frame) and is not
// safe for concurrent use; create one per goroutine from a shared *model.Model (NewBlazeFaceModel).
type BlazeFace struct {
	opts  BlazeFaceOptions
	m     *model.Model
	sess  *model.Runner
	size  int // input side
	out   bfOutputIndex
	input []float32
	cands []bfCandidate
	dets  []bfCandidate
	faces []Face
}

// NewBlazeFace loads a BlazeFace ONNX file (models/blazeface) and returns a detector.
func NewBlazeFace(onnx []byte, opts BlazeFaceOptions) (*BlazeFace, error) {
	if _, err := opts.withDefaults(); err != nil {
		return nil, err
	}
	m, err := model.Load(onnx, model.Options{})
	if err != nil {
		return nil, &ModelError{Reason: "cannot load", Err: err}
	}
	return NewBlazeFaceModel(m, opts)
}

// NewBlazeFaceModel returns a detector on a loaded model, which several detectors (one per
// goroutine) may share. The model must have BlazeFace's input ([1, S, S, 3], RGB in [−1, 1], S a
// multiple of 16) and outputs (scores [1, 512, 1] and [1, 384, 1], boxes [1, 512, 16] and
// [1, 384, 16], in any order), as the files in models/blazeface do.
func NewBlazeFaceModel(m *model.Model, opts BlazeFaceOptions) (*BlazeFace, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, &OptionError{Field: "model", Value: nil, Reason: "must not be nil"}
	}
	ins := m.Inputs()
	if len(ins) != 1 {
		return nil, &ModelError{Reason: fmt.Sprintf("%d inputs, want one image input", len(ins))}
	}
	s := ins[0].Shape
	if len(s) != 4 || s[0] != 1 || s[1] != s[2] || s[3] != 3 || s[1] < 16 || s[1] > 1024 || s[1]%16 != 0 {
		return nil, &ModelError{Reason: fmt.Sprintf("input %q has shape %v, want [1, S, S, 3] (NHWC, S a multiple of 16)", ins[0].Name, s)}
	}
	idx, err := bfOutputs(m.Outputs())
	if err != nil {
		return nil, err
	}
	return &BlazeFace{opts: o, m: m, sess: m.NewRunner(), size: s[1], out: idx, input: make([]float32, s[1]*s[1]*3)}, nil
}

// bfOutputIndex says which model output holds what.
type bfOutputIndex struct{ score1, score2, box1, box2 int }

// bfOutputs identifies BlazeFace's four outputs by their shapes.
func bfOutputs(outs []model.TensorInfo) (bfOutputIndex, error) {
	idx := bfOutputIndex{-1, -1, -1, -1}
	for i, o := range outs {
		s := o.Shape
		if len(s) != 3 || s[0] != 1 {
			continue
		}
		switch {
		case s[1] == bfAnchors1 && s[2] == 1:
			idx.score1 = i
		case s[1] == bfAnchors2 && s[2] == 1:
			idx.score2 = i
		case s[1] == bfAnchors1 && s[2] == bfCoords:
			idx.box1 = i
		case s[1] == bfAnchors2 && s[2] == bfCoords:
			idx.box2 = i
		}
	}
	if len(outs) != 4 || idx.score1 < 0 || idx.score2 < 0 || idx.box1 < 0 || idx.box2 < 0 {
		shapes := make([][]int, len(outs))
		for i, o := range outs {
			shapes[i] = o.Shape
		}
		return idx, &ModelError{Reason: fmt.Sprintf("outputs have shapes %v, want [1 512 1], [1 384 1], [1 512 16] and [1 384 16]", shapes)}
	}
	return idx, nil
}

// Options returns the detector's options with defaults filled in.
func (d *BlazeFace) Options() BlazeFaceOptions { return d.opts }

// InputSize is the side of the model's square input (128 or 256 for the files in models/blazeface).
func (d *BlazeFace) InputSize() int { return d.size }

// Detect finds the faces in img, largest first. The frame is letterboxed: scaled, keeping its
// aspect ratio, so that its longer side fills the model's input, and padded with black. The slice
// and its faces are reused by the next call.
func (d *BlazeFace) Detect(f *Frame) ([]Face, error) {
	img, err := f.pixels("detect")
	if err != nil {
		return nil, err
	}
	r := img.Rect
	side := max(r.Dx(), r.Dy())
	x0 := r.Min.X + (r.Dx()-side)/2
	y0 := r.Min.Y + (r.Dy()-side)/2
	return d.detectIn(img, image.Rect(x0, y0, x0+side, y0+side))
}

// DetectNear runs the model on a square of region × last's side around last's centre, resampled
// to the model's input (a face of last's size then fills 1/region of it), and returns the faces
// found there. Where it can, the square is snapped to a whole multiple of the input side and
// moved inside the frame (blockWindow). sizeRange is not used: the model finds every size in its
// input.
func (d *BlazeFace) DetectNear(f *Frame, last Box, region, sizeRange float64) ([]Face, error) {
	img, err := f.pixels("track")
	if err != nil {
		return nil, err
	}
	side := region * max(last.W, last.H)
	cx, cy := last.Center()
	if !(region >= 1 && region <= 8) || !(side >= 1) || side > 4*MaxImageSide ||
		!(math.Abs(cx) <= 4*MaxImageSide && math.Abs(cy) <= 4*MaxImageSide) {
		return d.Detect(f)
	}
	n := int(math.Round(side))
	x0 := int(math.Round(cx - float64(n)/2))
	y0 := int(math.Round(cy - float64(n)/2))
	win := image.Rect(x0, y0, x0+n, y0+n)
	if w, ok := blockWindow(img.Rect, last, cx, cy, n, d.size); ok {
		win = w
	}
	return d.detectIn(img, win)
}

// blockWindow moves the search window of side n around (cx, cy) to one that resample's block path
// takes: a whole multiple k ≥ 2 of the model's input side, its columns inside the frame, its rows
// inside it or past it by whole blocks. The general path weighs every source pixel in float32 and
// cost about as much as the model's first layers on a tracked 640×480 frame; the block path sums
// k×k blocks in integers. k is n/size rounded, so the face fills between 0.8 and 1.25 of the share
// of the input it was meant to, which BlazeFace's anchors cover. It only applies when the face's
// centre lies in the frame and the moved window still holds all of the face that is in the frame;
// otherwise (a face at the edge with a small region, a window far outside) ok is false and the
// window stays as it was.
func blockWindow(r image.Rectangle, last Box, cx, cy float64, n, size int) (image.Rectangle, bool) {
	k := int(math.Round(float64(n) / float64(size)))
	m := k * size
	if k < 2 || k > maxBlock || m > r.Dx() || size > maxStackTaps ||
		!(cx >= float64(r.Min.X) && cx < float64(r.Max.X) && cy >= float64(r.Min.Y) && cy < float64(r.Max.Y)) {
		return image.Rectangle{}, false
	}
	x0 := min(max(int(math.Round(cx-float64(m)/2)), r.Min.X), r.Max.X-m)
	var y0 int
	if m <= r.Dy() {
		y0 = min(max(int(math.Round(cy-float64(m)/2)), r.Min.Y), r.Max.Y-m)
	} else {
		// Taller than the frame: rows past its edges must start on block boundaries, so the
		// window's top sits a whole number of blocks above the frame's (the bottom follows when the
		// frame's height is a multiple of k; if not, the general path runs, as before).
		y0 = r.Min.Y + k*int(math.Round((cy-float64(m)/2-float64(r.Min.Y))/float64(k)))
	}
	win := image.Rect(x0, y0, x0+m, y0+m)
	// The part of the face inside the frame must stay inside the window.
	fx0, fy0 := max(last.X, float64(r.Min.X)), max(last.Y, float64(r.Min.Y))
	fx1, fy1 := min(last.X+last.W, float64(r.Max.X)), min(last.Y+last.H, float64(r.Max.Y))
	if fx0 < float64(win.Min.X) || fy0 < float64(win.Min.Y) || fx1 > float64(win.Max.X) || fy1 > float64(win.Max.Y) {
		return image.Rectangle{}, false
	}
	return win, true
}

// detectIn runs the model on the square window win of img (which may extend past the frame: the
// outside reads as black) and maps the detections back to frame pixels.
func (d *BlazeFace) detectIn(img *image.RGBA, win image.Rectangle) ([]Face, error) {
	d.letterbox(img, win)
	outs, err := d.sess.RunFloat32(d.input)
	if err != nil {
		return nil, err
	}
	idx := d.out
	size := float32(d.size)
	minScore := float32(d.opts.MinScore)
	d.cands = bfDecode(d.cands[:0], outs[idx.score1], outs[idx.box1], bfGrid1, bfPerCell1, size, minScore)
	d.cands = bfDecode(d.cands, outs[idx.score2], outs[idx.box2], bfGrid2, bfPerCell2, size, minScore)
	d.dets = bfWeightedNMS(d.dets[:0], d.cands, float32(d.opts.IoU), d.opts.MaxFaces)
	d.faces = d.faces[:0]
	for i := range d.dets {
		if f, ok := bfFace(&d.dets[i], win, img.Rect); ok {
			d.faces = append(d.faces, f)
		}
	}
	slices.SortStableFunc(d.faces, func(a, b Face) int { return cmp.Compare(b.Full.W, a.Full.W) })
	return d.faces, nil
}

// letterbox writes the window win of img, resampled to the input size, into the model's input:
// NHWC, RGB, p/127.5 − 1. Outside the frame is black (−1), as MediaPipe pads.
func (d *BlazeFace) letterbox(img *image.RGBA, win image.Rectangle) {
	resample(img, win, d.size, d.size, [3]uint8{}, &sink{kind: sinkNHWC, f: d.input})
}

// BlazeFace's own box is square and tighter than pico's: its top edge lies at the brows (the eyes at
// 0.26 of its height), its bottom edge below the mouth (0.69) at the chin, its sides just inside the
// ear tragions (0.91 of its width apart). bfBoxScale and bfBoxShift map it onto pico's box, the
// face box that every model's crop spec was defined on: side × bfBoxScale, then the centre moved by
// bfBoxShift × the new side (up: pico's box reaches the forehead). They are the medians over the
// NUAA training frames where both detectors found the same face (every 3rd frame, 1160 faces:
// pico's side / BlazeFace's p5 1.11, p50 1.22, p95 1.34; centre offset −0.165 BlazeFace sides in y,
// −0.004 in x), measured by `go run ./scripts/facetune calibrate -every 3` with both set to 1 and 0.
const (
	bfBoxScale = 1.22
	bfBoxShift = -0.165 / bfBoxScale
)

// bfFace maps a detection from the input window win onto the frame r: the box onto pico's
// geometry (square), the keypoints as they are, the roll from the eye line. Detections whose
// centre lies outside the frame are dropped.
func bfFace(c *bfCandidate, win, r image.Rectangle) (Face, bool) {
	sx, sy := float64(win.Dx()), float64(win.Dy())
	ox, oy := float64(win.Min.X), float64(win.Min.Y)
	cx := ox + float64(c.xmin+c.xmax)/2*sx
	cy := oy + float64(c.ymin+c.ymax)/2*sy
	w := float64(c.xmax-c.xmin) * sx
	h := float64(c.ymax-c.ymin) * sy
	side := math.Sqrt(w*h) * bfBoxScale
	cy += bfBoxShift * side
	if !(side > 0) || cx < float64(r.Min.X) || cy < float64(r.Min.Y) || cx >= float64(r.Max.X) || cy >= float64(r.Max.Y) {
		return Face{}, false
	}
	f := Face{Score: float64(c.score), HasKeypoints: true}
	for k := range NumKeypoints {
		f.Keypoints[k] = Point{X: ox + float64(c.kp[2*k])*sx, Y: oy + float64(c.kp[2*k+1])*sy}
	}
	f.Angle = rollFromEyes(&f.Keypoints)
	f.setFull(Box{X: cx - side/2, Y: cy - side/2, W: side, H: side}, r)
	if !f.finite() || !(f.W > 0 && f.H > 0) {
		return Face{}, false
	}
	return f, true
}
