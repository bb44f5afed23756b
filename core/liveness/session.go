package liveness

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"sort"
	"time"

	"github.com/bonafide-pad/bonafide/core/face"
)

// Decisions a Session reaches.
const (
	DecisionPending = "pending" // not enough usable frames yet
	DecisionLive    = "live"
	DecisionSpoof   = "spoof"
	DecisionRetake  = "retake" // MaxFrames reached without MinFrames usable ones; see Reasons
)

// Defaults of SessionOptions.
const (
	DefaultMinFrames = 5
	DefaultMaxFrames = 30
	// MaxSessionFrames bounds MaxFrames: a session keeps every frame's score.
	MaxSessionFrames = 100_000
)

// SessionOptions bound a multi-frame check. Zero fields take the Checker's (Config.Session), and
// the Checker's zero fields take the defaults above.
type SessionOptions struct {
	// MinFrames usable frames are needed for a verdict (default 5).
	MinFrames int
	// MaxFrames frames are looked at before giving up with "retake" (default 30, at most
	// MaxSessionFrames).
	MaxFrames int
	// Threshold on the median score; 0 means the Checker's threshold at the time of each verdict.
	Threshold float64
}

// merged fills o's zero fields from base and checks the result.
func (o SessionOptions) merged(base SessionOptions) (SessionOptions, error) {
	if o.MinFrames == 0 {
		o.MinFrames = cmp.Or(base.MinFrames, DefaultMinFrames)
	}
	if o.MaxFrames == 0 {
		// A session that asks for more usable frames than the default maximum looks at that many.
		o.MaxFrames = max(cmp.Or(base.MaxFrames, DefaultMaxFrames), o.MinFrames)
	}
	if o.Threshold == 0 {
		o.Threshold = base.Threshold
	}
	if o.MinFrames < 1 || o.MaxFrames < o.MinFrames || o.MaxFrames > MaxSessionFrames {
		return o, &ConfigError{Field: "session", Msg: fmt.Sprintf("MinFrames %d and MaxFrames %d: want 1 ≤ min ≤ max ≤ %d", o.MinFrames, o.MaxFrames, MaxSessionFrames)}
	}
	if !(o.Threshold >= 0 && o.Threshold <= 1) {
		return o, &ConfigError{Field: "session", Msg: fmt.Sprintf("threshold %v is outside [0,1]", o.Threshold)}
	}
	return o, nil
}

// Session is one multi-frame check of a person in front of the camera: it analyses frames with its
// Checker and aggregates them into one verdict, the median score of the usable frames (face found,
// quality gate passed) against the threshold. A median is robust to a few frames caught mid-blink
// or mid-motion, in either direction.
//
// A Session keeps everything the verdict needs, including a copy of the pixels of the frames that
// may become its evidence (the highest- and the lowest-scoring usable frame), so that a caller
// carries nothing from frame to frame. Like its Checker it is for one goroutine; several sessions
// of one Checker share its face tracker, so run them one after the other.
type Session struct {
	c       *Checker
	opts    SessionOptions
	frames  int
	scores  []float64 // usable frames' scores, in arrival order
	index   []int     // frame number of each usable score
	all     []float64 // every frame's score, NaN where none
	reasons map[string]int
	hi, lo  evidence // the highest- and lowest-scoring usable frames so far
}

// evidence is a candidate for Verdict.Best, with its own copy of the pixels the model looked at.
type evidence struct {
	Evidence
	pix *image.RGBA // reused buffer
}

// Evidence is the frame a verdict rests on: the highest-scoring usable frame for live, the
// lowest-scoring one for spoof.
type Evidence struct {
	// Frame is the frame's number in the session (0-based, counting every frame analysed).
	Frame int
	Score float64
	// Face and Crop are that frame's Result.Face and Result.Crop.
	Face face.Face
	Crop face.CropInfo
	// Image is the part of the frame the model saw (Crop.Window, clipped to the frame), in frame
	// pixels; it belongs to the Session and is overwritten by later frames.
	Image *image.RGBA
}

// NewSession starts a multi-frame check. Zero options take the Checker's session options
// (Config.Session). It resets the face tracker: a session is a new look at the camera.
func (c *Checker) NewSession(opts SessionOptions) (*Session, error) {
	o, err := opts.merged(c.session)
	if err != nil {
		return nil, err
	}
	c.ResetTracking()
	return &Session{c: c, opts: o, reasons: map[string]int{}, hi: evidence{Evidence: Evidence{Frame: -1}}, lo: evidence{Evidence: Evidence{Frame: -1}}}, nil
}

// Options returns the session's options, defaults filled in (Threshold 0: the Checker's).
func (s *Session) Options() SessionOptions { return s.opts }

// Analyze analyses one frame with the session's Checker (Checker.Analyze), adds it to the session
// and returns the frame's Result and the verdict so far. Once the session has decided (MinFrames
// usable frames, or MaxFrames frames for a retake), later frames are analysed and returned but not
// added: the frames a verdict rests on stay the ones it was reached with (a retake does not turn into
// a decision), and a session never holds more than MaxFrames frames.
func (s *Session) Analyze(img *face.Frame) (*Result, Verdict, error) {
	return s.analyze(img, -1)
}

// AnalyzeAt is Analyze for a video frame with its timestamp, which the face tracker's smoothing
// uses (Checker.AnalyzeAt).
func (s *Session) AnalyzeAt(img *face.Frame, ts time.Duration) (*Result, Verdict, error) {
	if ts < 0 {
		return nil, Verdict{}, &ConfigError{Field: "timestamp", Msg: fmt.Sprintf("%v is negative", ts)}
	}
	return s.analyze(img, ts)
}

func (s *Session) analyze(img *face.Frame, ts time.Duration) (*Result, Verdict, error) {
	r, err := s.c.analyze(img, ts)
	if err != nil {
		return nil, Verdict{}, err
	}
	s.add(r, img)
	return r, s.Verdict(), nil
}

// add records one frame's result; img (nil in tests) is the frame it came from. A decided session
// records nothing more (Analyze).
func (s *Session) add(r *Result, img *face.Frame) {
	if s.decided() {
		return
	}
	n := s.frames
	s.frames++
	s.all = append(s.all, r.Score)
	if r.Scored && r.Quality.OK {
		s.scores = append(s.scores, r.Score)
		s.index = append(s.index, n)
		if s.hi.Frame < 0 || r.Score > s.hi.Score {
			s.hi.keep(n, r, img)
		}
		if s.lo.Frame < 0 || r.Score < s.lo.Score {
			s.lo.keep(n, r, img)
		}
		return
	}
	for _, reason := range r.Quality.Reasons {
		s.reasons[reason.Code]++
	}
	if !r.Scored && len(r.Quality.Reasons) == 0 {
		s.reasons[face.NoFace]++
	}
}

// keep makes frame n (result r, pixels img) this candidate, copying the window the model saw.
func (e *evidence) keep(n int, r *Result, img *face.Frame) {
	e.Frame, e.Score, e.Crop = n, r.Score, r.Crop
	e.Face = face.Face{}
	if r.Face != nil {
		e.Face = *r.Face
	}
	e.Image = nil
	if img == nil {
		return
	}
	src := img.RGBA()
	win := r.Crop.Window.Intersect(src.Rect)
	if win.Empty() {
		return
	}
	if e.pix == nil || cap(e.pix.Pix) < 4*win.Dx()*win.Dy() {
		e.pix = &image.RGBA{Pix: make([]byte, 4*win.Dx()*win.Dy())}
	}
	e.pix.Pix, e.pix.Stride, e.pix.Rect = e.pix.Pix[:4*win.Dx()*win.Dy()], 4*win.Dx(), image.Rect(0, 0, win.Dx(), win.Dy())
	for y := 0; y < win.Dy(); y++ {
		i := src.PixOffset(win.Min.X, win.Min.Y+y)
		copy(e.pix.Pix[y*e.pix.Stride:(y+1)*e.pix.Stride], src.Pix[i:i+4*win.Dx()])
	}
	e.Image = e.pix
}

// Verdict is a session's decision.
type Verdict struct {
	Decision string
	// Score is the median score of the usable frames (NaN when none).
	Score     float64
	Threshold float64
	Frames    int // frames seen
	Usable    int // frames that counted
	// Scores are the usable frames' scores in arrival order; FrameScores every frame's (NaN where
	// no face was scored).
	Scores      []float64
	FrameScores []float64
	// Best is the evidence for a live or spoof decision: the highest-scoring usable frame for live,
	// the lowest-scoring for spoof; nil while pending and for retake.
	Best *Evidence
	// Reasons are the quality codes that made frames unusable, most frequent first.
	Reasons []string
}

// Verdict computes the decision from the frames so far, against the session's threshold or, when
// its options set none, the Checker's.
func (s *Session) Verdict() Verdict {
	threshold := s.opts.Threshold
	if threshold == 0 {
		threshold = s.c.Threshold()
	}
	v := Verdict{Decision: DecisionPending, Score: math.NaN(), Threshold: threshold, Frames: s.frames,
		Usable: len(s.scores), Scores: append([]float64(nil), s.scores...),
		FrameScores: append([]float64(nil), s.all...), Reasons: s.topReasons()}
	if len(s.scores) > 0 {
		v.Score = median(s.scores)
	}
	switch {
	case len(s.scores) >= s.opts.MinFrames:
		best := s.lo.Evidence
		v.Decision = DecisionSpoof
		if v.Score >= threshold {
			best = s.hi.Evidence
			v.Decision = DecisionLive
		}
		v.Best = &best
	case s.frames >= s.opts.MaxFrames:
		v.Decision = DecisionRetake
	}
	return v
}

// Done reports whether the session has decided (anything but pending).
func (s *Session) Done() bool {
	return s.decided()
}

// decided is Verdict's test for anything but pending, without building the verdict.
func (s *Session) decided() bool {
	return len(s.scores) >= s.opts.MinFrames || s.frames >= s.opts.MaxFrames
}

func (s *Session) topReasons() []string {
	codes := make([]string, 0, len(s.reasons))
	for c := range s.reasons {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if s.reasons[codes[i]] != s.reasons[codes[j]] {
			return s.reasons[codes[i]] > s.reasons[codes[j]]
		}
		return codes[i] < codes[j]
	})
	return codes
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
