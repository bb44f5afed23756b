// Package liveness is bonafide's public Go API: it turns camera frames into liveness decisions with
// spoof maps, using core/face to find, check and crop the face and core/model to run the model.
//
//	c, err := liveness.New(liveness.Config{Model: onnxBytes})
//	frame, err := face.FrameRGBA(pix, width, height) // checked once, here
//	res, err := c.Analyze(frame)
//	if res.Live { ... }
//
// A Checker is for one goroutine (one camera): it reuses its buffers, so Analyze allocates almost
// nothing per frame (pigo's cascade allocates its detections), and the Result's slices and Face
// stay valid until the next Analyze. Several goroutines
// share one model by creating one Checker each from a shared *model.Model (Config.Loaded).
//
// A frame is scored only when a face is found; Live is true only when the score reaches the
// threshold and the quality gate passed, so a dark or blurred live face reads as "retake", not
// "fake". A Session (Checker.NewSession) analyses a stream of frames into one verdict.
package liveness

import (
	"fmt"
	"math"
	"time"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/model"
)

// Config configures a Checker.
type Config struct {
	// Model is an ONNX file (float or int8 QDQ). Loaded, when set, is used instead.
	Model  []byte
	Loaded *model.Model
	// Profile overrides the model's bonafide.* metadata (required for models without it).
	Profile *Profile
	// Threshold overrides the profile's decision threshold; 0 means the profile's. Anything
	// outside [0,1], NaN included, is a *ConfigError.
	Threshold float64
	// Detector selects the face detector: DetectorBlazeFace (the default when empty) or DetectorPigo.
	Detector string
	// FaceModel is BlazeFace's ONNX file (the CLI passes models.BlazeFaceFront; the browser build
	// fetches its copy). FaceLoaded, when set, is used instead, so that several Checkers share one.
	// Neither is needed with DetectorPigo.
	FaceModel  []byte
	FaceLoaded *model.Model
	// BlazeFace and Pigo configure the detectors; Quality the gate. Zero values mean the defaults.
	BlazeFace face.BlazeFaceOptions
	Pigo      face.PigoOptions
	Quality   face.QualityOptions
	// Track follows the face across video frames (limits the search, smooths the box).
	Track   bool
	Tracker face.TrackerOptions
	// Session holds the defaults of NewSession's options; zero fields mean DefaultMinFrames,
	// DefaultMaxFrames and the Checker's threshold.
	Session SessionOptions
}

// Checker analyses frames with one model.
type Checker struct {
	m        *model.Model
	profile  Profile
	b        binding
	thresh   float64
	det      face.Detector
	tracker  *face.Tracker
	gate     *face.QualityGate
	sess     *model.Runner
	input    []float32
	res      Result
	mapBufs  [][]float32
	session  SessionOptions // defaults for NewSession, filled in
	enrolled [][]float32    // reference patch embeddings (PatchNet)
	face     face.Face      // what Result.Face points to, so that a frame allocates no Face
}

// Map is one spoof map: live probabilities on a W×H grid over the crop, row-major.
type Map struct {
	Label string
	W, H  int
	Data  []float32
}

// Timings are the per-stage durations of one Analyze.
type Timings struct {
	Detect, Crop, Infer, Total time.Duration
}

// Result is the analysis of one frame.
type Result struct {
	// Live is the decision: a face was scored, the quality gate passed and Score ≥ Threshold.
	Live bool
	// Scored is true when a face was found and the model ran; Score is NaN otherwise.
	Scored    bool
	Score     float64
	Threshold float64
	// Face is the face the model looked at (the largest), nil when none was found.
	Face *face.Face
	// Crop says which part of the frame the model saw (for drawing maps over the frame).
	Crop face.CropInfo
	// Faces are all faces found.
	Faces   []face.Face
	Quality face.Quality
	Maps    []Map
	// ReferenceScore is PatchNet's similarity to the enrolled live patches in [0,1], NaN when
	// nothing is enrolled or the model has no embeddings.
	ReferenceScore float64
	Timings        Timings
}

// New loads the model and prepares the front end.
func New(cfg Config) (*Checker, error) {
	m := cfg.Loaded
	if m == nil {
		if len(cfg.Model) == 0 {
			return nil, &ConfigError{Field: "model", Msg: "no model given"}
		}
		var err error
		if m, err = model.Load(cfg.Model, model.Options{}); err != nil {
			return nil, err
		}
	}
	var p Profile
	if cfg.Profile != nil {
		p = *cfg.Profile
	} else {
		var err error
		if p, err = ProfileFromMetadata(m.Metadata()); err != nil {
			return nil, err
		}
	}
	b, err := bind(p, m)
	if err != nil {
		return nil, err
	}
	det, err := newDetector(cfg)
	if err != nil {
		return nil, err
	}
	gate, err := face.NewQualityGate(cfg.Quality)
	if err != nil {
		return nil, err
	}
	c := &Checker{m: m, profile: p, b: b, thresh: p.Threshold, det: det, gate: gate,
		sess: m.NewRunner(), input: make([]float32, p.Crop.Len())}
	if cfg.Threshold != 0 {
		if err := c.SetThreshold(cfg.Threshold); err != nil {
			return nil, err
		}
	}
	if err := c.SetSessionOptions(cfg.Session); err != nil {
		return nil, err
	}
	if cfg.Track {
		if c.tracker, err = face.NewTracker(det, cfg.Tracker); err != nil {
			return nil, err
		}
	}
	for _, mb := range b.maps {
		c.mapBufs = append(c.mapBufs, make([]float32, mb.w*mb.h))
		c.res.Maps = append(c.res.Maps, Map{Label: mb.label, W: mb.w, H: mb.h})
	}
	return c, nil
}

// Detectors Config.Detector names.
const (
	DetectorBlazeFace = "blazeface"
	DetectorPigo      = "pigo"
)

func newDetector(cfg Config) (face.Detector, error) {
	switch cfg.Detector {
	case "", DetectorBlazeFace:
		if cfg.FaceLoaded != nil {
			return face.NewBlazeFaceModel(cfg.FaceLoaded, cfg.BlazeFace)
		}
		if len(cfg.FaceModel) == 0 {
			return nil, &ConfigError{Field: "face model", Msg: "BlazeFace needs its ONNX file in Config.FaceModel (models.BlazeFaceFront), or Detector: \"pigo\""}
		}
		return face.NewBlazeFace(cfg.FaceModel, cfg.BlazeFace)
	case DetectorPigo:
		return face.NewPigo(cfg.Pigo)
	}
	return nil, &ConfigError{Field: "detector", Msg: fmt.Sprintf("unknown detector %q (known: blazeface, pigo)", cfg.Detector)}
}

// Profile returns the profile in use.
func (c *Checker) Profile() Profile { return c.profile }

// Model returns the loaded model.
func (c *Checker) Model() *model.Model { return c.m }

// Threshold returns the decision threshold in use.
func (c *Checker) Threshold() float64 { return c.thresh }

// SetThreshold changes the decision threshold.
func (c *Checker) SetThreshold(t float64) error {
	if !(t >= 0 && t <= 1) {
		return &ConfigError{Field: "threshold", Msg: fmt.Sprintf("%v is outside [0,1]", t)}
	}
	c.thresh = t
	return nil
}

// SetQuality replaces the quality gate's limits; invalid ones are an *face.OptionError and change
// nothing.
func (c *Checker) SetQuality(q face.QualityOptions) error {
	gate, err := face.NewQualityGate(q)
	if err != nil {
		return err
	}
	c.gate = gate
	return nil
}

// Quality returns the quality gate's limits, defaults filled in.
func (c *Checker) Quality() face.QualityOptions { return c.gate.Options() }

// SessionOptions returns the defaults of NewSession's options, filled in (Threshold 0: the
// Checker's threshold).
func (c *Checker) SessionOptions() SessionOptions { return c.session }

// SetSessionOptions replaces the defaults of NewSession's options (zero fields: the package's
// defaults); invalid ones are a *ConfigError and change nothing. Open sessions keep theirs.
func (c *Checker) SetSessionOptions(o SessionOptions) error {
	o, err := o.merged(SessionOptions{})
	if err != nil {
		return err
	}
	c.session = o
	return nil
}

// ResetTracking forgets the tracked face (call between sessions or when the camera changes).
func (c *Checker) ResetTracking() {
	if c.tracker != nil {
		c.tracker.Reset()
	}
}

// Analyze finds the face in a frame, checks its quality, runs the model on its crop and
// decides. The Result (its slices and Face included) is valid until the next call. With tracking
// (Config.Track), frames are taken as 1/FPS apart; AnalyzeAt takes their timestamps.
func (c *Checker) Analyze(img *face.Frame) (*Result, error) {
	return c.analyze(img, -1)
}

// AnalyzeAt is Analyze for a video frame with its timestamp (e.g. the browser's
// requestVideoFrameCallback mediaTime or performance.now()), which the tracker's smoothing uses;
// a timestamp that does not increase restarts the smoothing. Without tracking it is Analyze.
func (c *Checker) AnalyzeAt(img *face.Frame, ts time.Duration) (*Result, error) {
	if ts < 0 {
		return nil, &ConfigError{Field: "timestamp", Msg: fmt.Sprintf("%v is negative", ts)}
	}
	return c.analyze(img, ts)
}

func (c *Checker) analyze(img *face.Frame, ts time.Duration) (*Result, error) {
	t0 := time.Now()
	r := &c.res
	r.Live, r.Scored, r.Score, r.Threshold, r.Face, r.ReferenceScore = false, false, math.NaN(), c.thresh, nil, math.NaN()
	r.Crop = face.CropInfo{}
	var faces []face.Face
	var err error
	switch {
	case c.tracker != nil && ts >= 0:
		faces, err = c.tracker.TrackAt(img, ts)
	case c.tracker != nil:
		faces, err = c.tracker.Track(img)
	default:
		faces, err = c.det.Detect(img)
	}
	if err != nil {
		return nil, err
	}
	r.Faces = faces
	r.Quality, err = c.gate.Check(img, faces)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	r.Timings = Timings{Detect: t1.Sub(t0)}
	for i := range r.Maps {
		r.Maps[i].Data = nil
	}
	if len(faces) == 0 {
		r.Timings.Total = time.Since(t0)
		return r, nil
	}
	c.face = faces[0]
	r.Face = &c.face
	if r.Crop, err = face.CropFace(c.input, img, &c.face, c.profile.Crop); err != nil {
		return nil, err
	}
	return c.infer(t0, t1)
}

// AnalyzeCropped scores an image that is already a face crop, as face-crop datasets come: the
// model's window is the whole image (resampled to the model's input size, in its channel order and
// normalisation), no face is searched for and no quality gate runs (Quality.OK is true, Face nil).
// Use it only for crops cut the way the model's crop spec cuts them; a whole frame scored this way
// is scored on the wrong geometry.
func (c *Checker) AnalyzeCropped(img *face.Frame) (*Result, error) {
	t0 := time.Now()
	r := &c.res
	r.Live, r.Scored, r.Score, r.Threshold, r.Face, r.ReferenceScore = false, false, math.NaN(), c.thresh, nil, math.NaN()
	r.Faces, r.Quality = nil, face.Quality{OK: true}
	for i := range r.Maps {
		r.Maps[i].Data = nil
	}
	r.Timings = Timings{}
	// BorderFill at scale 1 around a box that is the image itself: the window is exactly the image.
	whole := c.profile.Crop
	whole.Scale, whole.Square, whole.Border = 1, false, face.BorderFill
	b := img.Bounds()
	var err error
	if r.Crop, err = face.Crop(c.input, img, face.Box{X: float64(b.Min.X), Y: float64(b.Min.Y), W: float64(b.Dx()), H: float64(b.Dy())}, whole); err != nil {
		return nil, err
	}
	return c.infer(t0, t0)
}

// infer runs the model on c.input (the crop is in place) and fills the scores, maps and decision.
func (c *Checker) infer(t0, t1 time.Time) (*Result, error) {
	r := &c.res
	t2 := time.Now()
	r.Timings.Crop = t2.Sub(t1)
	outs, err := c.sess.RunFloat32(c.input)
	if err != nil {
		return nil, err
	}
	r.Score = c.score(outs)
	r.Scored = !math.IsNaN(r.Score)
	for i, mb := range c.b.maps {
		copy(c.mapBufs[i], outs[mb.out])
		r.Maps[i].Data = c.mapBufs[i]
	}
	if c.b.embedding >= 0 && len(c.enrolled) > 0 {
		r.ReferenceScore = referenceScore(outs[c.b.embedding], c.b.embedDim, c.enrolled)
	}
	r.Live = r.Scored && r.Quality.OK && r.Score >= c.thresh
	t3 := time.Now()
	r.Timings.Infer = t3.Sub(t2)
	r.Timings.Total = t3.Sub(t0)
	return r, nil
}

func (c *Checker) score(outs [][]float32) float64 {
	o := outs[c.b.score]
	if !c.b.softmax {
		return clamp01(float64(o[0]))
	}
	// Softmax over the logits, in float64.
	m := math.Inf(-1)
	for _, v := range o {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for _, v := range o {
		sum += math.Exp(float64(v) - m)
	}
	return math.Exp(float64(o[c.b.liveIndex])-m) / sum
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return v
	}
	return math.Min(1, math.Max(0, v))
}
