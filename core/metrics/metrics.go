// Package metrics computes presentation attack detection (PAD) error rates in the vocabulary of
// ISO/IEC 30107-3 from two sets of scores: bona fide ("live") presentations and attack ("spoof")
// presentations.
//
// # Conventions
//
// A higher score means more likely bona fide. At a threshold t a presentation is classified bona fide
// when score >= t, and as an attack otherwise. Then
//
//	APCER(t) = #{spoof >= t} / #spoof   attacks accepted as bona fide
//	BPCER(t) = #{live  <  t} / #live    bona fide presentations rejected
//	ACER(t)  = (APCER(t) + BPCER(t)) / 2
//
// All rates are fractions in [0, 1]. ISO/IEC 30107-3 defines APCER per attack instrument species and
// reports the worst species; this package sees one attack set, so for several species call
// [Scores.Rates] per species and take the maximum. ACER is not an ISO/IEC 30107-3 metric (the standard
// advises against averaging the two error types); it is here because PAD benchmarks report it.
//
// # Operating points
//
// APCER and BPCER change only where t crosses a score, so the distinct operating points are the
// thresholds t = v for every distinct score v (every presentation scoring v or more is accepted),
// plus one threshold above every score (all rejected: APCER 0, BPCER 1). Thresholds reported by this
// package are always one of these: an observed score, or for the last point the next float64 above
// the highest score, so that passing a reported threshold back to [Scores.Rates] reproduces the
// reported rates.
//
// # EER
//
// Along increasing thresholds APCER never increases and BPCER never decreases. The EER is where the
// ROC polyline through the operating points crosses APCER = BPCER: at the first operating point with
// APCER <= BPCER, if the two are equal there the EER is that common value; otherwise it is found by
// linear interpolation between that point and the one before it (the EER of a detector that picks one
// of the two thresholds at random in the right proportion). Because a score shared by live and
// spoof presentations moves both rates in one step, ties lie on one diagonal segment of the polyline,
// which is the same treatment of ties as the AUC's one half. EERThreshold is the threshold of whichever
// of the two points has the smaller |APCER − BPCER|, the higher (stricter) one on a tie.
//
// # AUC and BPCER at a fixed APCER
//
// AUC is the area under the ROC curve, computed as the Mann–Whitney statistic: the probability that a
// random live score exceeds a random spoof score, ties counting one half. BPCERAtAPCER(target) is
// the lowest BPCER over the operating points whose APCER <= target; since BPCER grows with the
// threshold, that is the lowest threshold meeting the target. No interpolation: it is an operating
// point that a deployed threshold actually achieves. ISO/IEC 30107-3 calls BPCER at APCER 5% "BPCER20"
// and at 1% "BPCER100".
package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// Report holds the metrics of one evaluation. Rates are fractions in [0, 1].
type Report struct {
	AUC           float64 `json:"auc"`
	EER           float64 `json:"eer"`
	EERThreshold  float64 `json:"eer_threshold"`
	APCER         float64 `json:"apcer"`
	BPCER         float64 `json:"bpcer"`
	ACER          float64 `json:"acer"`
	Threshold     float64 `json:"threshold"`
	BPCERAtAPCER1 float64 `json:"bpcer_at_apcer_1"`
	BPCERAtAPCER5 float64 `json:"bpcer_at_apcer_5"`
	Live          int     `json:"live"`
	Spoof         int     `json:"spoof"`
}

// EmptyError reports a score set with no scores: no rate over it is defined.
type EmptyError struct {
	Set string // "live" or "spoof"
}

func (e *EmptyError) Error() string { return "metrics: no " + e.Set + " scores" }

// Kind is errs.Input.
func (e *EmptyError) Kind() errs.Kind { return errs.Input }

// ScoreError reports a score that is NaN or infinite: NaN has no order, and an infinite score would
// make a reported threshold infinite, which JSON cannot carry.
type ScoreError struct {
	Set   string // "live" or "spoof"
	Index int
	Value float64
}

func (e *ScoreError) Error() string {
	return fmt.Sprintf("metrics: %s score %d is %v, not a finite number", e.Set, e.Index, e.Value)
}

// Kind is errs.Input.
func (e *ScoreError) Kind() errs.Kind { return errs.Input }

// ArgumentError reports a threshold or target outside its domain.
type ArgumentError struct {
	Name  string // "threshold" or "APCER target"
	Value float64
	Want  string
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("metrics: %s %v must be %s", e.Name, e.Value, e.Want)
}

// Kind is errs.Config.
func (e *ArgumentError) Kind() errs.Kind { return errs.Config }

// Scores holds sorted copies of the two score sets; its methods compute each metric without
// re-sorting. A Scores is immutable and safe for concurrent use.
type Scores struct {
	live, spoof []float64 // ascending
}

// NewScores validates and copies the two score sets; the caller's slices are not modified.
func NewScores(live, spoof []float64) (*Scores, error) {
	if err := check("live", live); err != nil {
		return nil, err
	}
	if err := check("spoof", spoof); err != nil {
		return nil, err
	}
	s := &Scores{live: slices.Clone(live), spoof: slices.Clone(spoof)}
	slices.Sort(s.live)
	slices.Sort(s.spoof)
	return s, nil
}

func check(set string, v []float64) error {
	if len(v) == 0 {
		return &EmptyError{Set: set}
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &ScoreError{Set: set, Index: i, Value: x}
		}
	}
	return nil
}

// Evaluate computes every metric, with APCER, BPCER and ACER at threshold.
func Evaluate(live, spoof []float64, threshold float64) (Report, error) {
	s, err := NewScores(live, spoof)
	if err != nil {
		return Report{}, err
	}
	return s.Report(threshold)
}

// Len returns the number of live and spoof scores.
func (s *Scores) Len() (live, spoof int) { return len(s.live), len(s.spoof) }

// Rates returns APCER and BPCER at threshold t. Infinite thresholds are allowed (everything accepted
// or everything rejected); NaN is an *ArgumentError.
func (s *Scores) Rates(t float64) (apcer, bpcer float64, err error) {
	if math.IsNaN(t) {
		return 0, 0, &ArgumentError{Name: "threshold", Value: t, Want: "a number"}
	}
	// SearchFloat64s returns the index of the first element >= t: the count of elements below t.
	rejectedLive := sort.SearchFloat64s(s.live, t)
	acceptedSpoof := len(s.spoof) - sort.SearchFloat64s(s.spoof, t)
	return frac(acceptedSpoof, len(s.spoof)), frac(rejectedLive, len(s.live)), nil
}

// Report computes every metric, with APCER, BPCER and ACER at threshold, which must be finite so that
// the report encodes as JSON.
func (s *Scores) Report(threshold float64) (Report, error) {
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return Report{}, &ArgumentError{Name: "threshold", Value: threshold, Want: "finite"}
	}
	apcer, bpcer, err := s.Rates(threshold)
	if err != nil {
		return Report{}, err
	}
	eer, eerT := s.EER()
	b1, _, err := s.BPCERAtAPCER(0.01)
	if err != nil {
		return Report{}, err
	}
	b5, _, err := s.BPCERAtAPCER(0.05)
	if err != nil {
		return Report{}, err
	}
	return Report{
		AUC:           s.AUC(),
		EER:           eer,
		EERThreshold:  eerT,
		APCER:         apcer,
		BPCER:         bpcer,
		ACER:          (apcer + bpcer) / 2,
		Threshold:     threshold,
		BPCERAtAPCER1: b1,
		BPCERAtAPCER5: b5,
		Live:          len(s.live),
		Spoof:         len(s.spoof),
	}, nil
}

// AUC returns the area under the ROC curve: P(live > spoof) + P(live == spoof)/2.
func (s *Scores) AUC() float64 {
	var sum float64 // sum over live scores of (#spoof below + #spoof equal / 2), doubled to stay integral
	j := 0
	for i := 0; i < len(s.live); {
		v := s.live[i]
		n := 1
		for i+n < len(s.live) && s.live[i+n] == v {
			n++
		}
		for j < len(s.spoof) && s.spoof[j] < v {
			j++
		}
		eq := 0
		for j+eq < len(s.spoof) && s.spoof[j+eq] == v {
			eq++
		}
		sum += float64(n) * float64(2*j+eq)
		i += n
	}
	return sum / (2 * float64(len(s.live)) * float64(len(s.spoof)))
}

// point is one operating point: at threshold t, acceptedSpoof attacks pass and rejectedLive bona fide
// presentations are turned away.
type point struct {
	t                           float64
	acceptedSpoof, rejectedLive int
}

// points calls yield for every operating point in order of increasing threshold, stopping when yield
// returns false. The first point accepts everything, the last rejects everything.
func (s *Scores) points(yield func(point) bool) {
	i, j := 0, 0
	for i < len(s.live) || j < len(s.spoof) {
		var v float64
		switch {
		case i == len(s.live):
			v = s.spoof[j]
		case j == len(s.spoof):
			v = s.live[i]
		default:
			v = min(s.live[i], s.spoof[j])
		}
		if !yield(point{t: v, acceptedSpoof: len(s.spoof) - j, rejectedLive: i}) {
			return
		}
		for i < len(s.live) && s.live[i] == v {
			i++
		}
		for j < len(s.spoof) && s.spoof[j] == v {
			j++
		}
	}
	top := max(s.live[len(s.live)-1], s.spoof[len(s.spoof)-1])
	yield(point{t: math.Nextafter(top, math.Inf(1)), acceptedSpoof: 0, rejectedLive: len(s.live)})
}

// EER returns the equal error rate and the threshold nearest to it (see the package documentation
// for the interpolation and the choice of threshold).
func (s *Scores) EER() (eer, threshold float64) {
	nl, ns := int64(len(s.live)), int64(len(s.spoof))
	// diff is (APCER − BPCER)·#live·#spoof, exact in integers.
	diff := func(p point) int64 { return int64(p.acceptedSpoof)*nl - int64(p.rejectedLive)*ns }
	var prev point
	first := true
	s.points(func(p point) bool {
		d := diff(p)
		if d > 0 {
			prev, first = p, false
			return true
		}
		apcer := frac(p.acceptedSpoof, len(s.spoof))
		if d == 0 || first {
			// first cannot happen with d < 0 (the first point has APCER 1, BPCER 0), but stay total.
			eer, threshold = apcer, p.t
			return false
		}
		dp := diff(prev)
		prevA := frac(prev.acceptedSpoof, len(s.spoof))
		alpha := float64(dp) / float64(dp-d)
		eer = prevA + alpha*(apcer-prevA)
		threshold = p.t
		if dp < -d {
			threshold = prev.t
		}
		return false
	})
	return eer, threshold
}

// BPCERAtAPCER returns the lowest BPCER over the operating points with APCER <= target, and that
// point's threshold. The point above every score (APCER 0) always qualifies. target must be in [0, 1].
func (s *Scores) BPCERAtAPCER(target float64) (bpcer, threshold float64, err error) {
	if !(target >= 0 && target <= 1) {
		return 0, 0, &ArgumentError{Name: "APCER target", Value: target, Want: "in [0, 1]"}
	}
	s.points(func(p point) bool {
		if frac(p.acceptedSpoof, len(s.spoof)) > target {
			return true
		}
		bpcer, threshold = frac(p.rejectedLive, len(s.live)), p.t
		return false
	})
	return bpcer, threshold, nil
}

// frac is n/d; division is correctly rounded, so a count that is exactly 1% of its set compares
// equal to the literal 0.01.
func frac(n, d int) float64 { return float64(n) / float64(d) }
