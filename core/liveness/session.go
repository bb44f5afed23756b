package liveness

import (
	"fmt"
	"math"
	"sort"

	"github.com/bonafide-pad/bonafide/core/face"
)

// Decisions a Session reaches.
const (
	DecisionPending = "pending" // not enough usable frames yet
	DecisionLive    = "live"
	DecisionSpoof   = "spoof"
	DecisionRetake  = "retake" // MaxFrames reached without MinFrames usable ones; see Reasons
)

// SessionOptions bound a multi-frame check.
type SessionOptions struct {
	// MinFrames usable frames are needed for a verdict (default 5).
	MinFrames int
	// MaxFrames frames are looked at before giving up with "retake" (default 30).
	MaxFrames int
	// Threshold on the median score (default: the Checker's).
	Threshold float64
}

// Session aggregates per-frame results into one verdict: the median score of the usable frames
// (face found, quality gate passed) against the threshold. A median is robust to a few frames
// caught mid-blink or mid-motion, in either direction.
type Session struct {
	opts    SessionOptions
	frames  int
	scores  []float64
	index   []int // frame number of each usable score
	reasons map[string]int
	best    int
}

// NewSession starts a session.
func NewSession(opts SessionOptions) (*Session, error) {
	if opts.MinFrames == 0 {
		opts.MinFrames = 5
	}
	if opts.MaxFrames == 0 {
		opts.MaxFrames = 30
	}
	if opts.MinFrames < 1 || opts.MaxFrames < opts.MinFrames {
		return nil, &ConfigError{Field: "session", Msg: fmt.Sprintf("MinFrames %d and MaxFrames %d: want 1 ≤ min ≤ max", opts.MinFrames, opts.MaxFrames)}
	}
	if !(opts.Threshold >= 0 && opts.Threshold <= 1) {
		return nil, &ConfigError{Field: "session", Msg: fmt.Sprintf("threshold %v is outside [0,1]", opts.Threshold)}
	}
	return &Session{opts: opts, reasons: map[string]int{}, best: -1}, nil
}

// Add records one frame's result and returns the verdict so far.
func (s *Session) Add(r *Result, threshold float64) Verdict {
	s.frames++
	if r.Scored && r.Quality.OK {
		s.scores = append(s.scores, r.Score)
		s.index = append(s.index, s.frames-1)
	} else {
		for _, reason := range r.Quality.Reasons {
			s.reasons[reason.Code]++
		}
		if !r.Scored && len(r.Quality.Reasons) == 0 {
			s.reasons[face.NoFace]++
		}
	}
	return s.Verdict(threshold)
}

// Verdict is a session's decision.
type Verdict struct {
	Decision string
	// Score is the median score of the usable frames (NaN when none).
	Score     float64
	Threshold float64
	Frames    int // frames seen
	Usable    int // frames that counted
	// Scores are the usable frames' scores in arrival order.
	Scores []float64
	// Best is the frame number (0-based, counting every frame added) of the best evidence for the
	// decision: the highest score for live, the lowest for spoof; -1 when none.
	Best int
	// Reasons are the quality codes that made frames unusable, most frequent first.
	Reasons []string
}

// Verdict computes the decision from the frames so far. threshold applies when the session's
// options set none.
func (s *Session) Verdict(threshold float64) Verdict {
	if s.opts.Threshold > 0 {
		threshold = s.opts.Threshold
	}
	v := Verdict{Decision: DecisionPending, Score: math.NaN(), Threshold: threshold, Frames: s.frames,
		Usable: len(s.scores), Scores: append([]float64(nil), s.scores...), Best: -1, Reasons: s.topReasons()}
	if len(s.scores) > 0 {
		v.Score = median(s.scores)
	}
	switch {
	case len(s.scores) >= s.opts.MinFrames:
		best := 0
		if v.Score >= threshold {
			v.Decision = DecisionLive
			for i, sc := range s.scores {
				if sc > s.scores[best] {
					best = i
				}
			}
		} else {
			v.Decision = DecisionSpoof
			for i, sc := range s.scores {
				if sc < s.scores[best] {
					best = i
				}
			}
		}
		v.Best = s.index[best]
	case s.frames >= s.opts.MaxFrames:
		v.Decision = DecisionRetake
	}
	return v
}

// Done reports whether the session has decided (anything but pending).
func (s *Session) Done(threshold float64) bool {
	return s.Verdict(threshold).Decision != DecisionPending
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
