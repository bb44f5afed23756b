package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
)

const eps = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= eps }

// Every want below is computed by hand in the comment above it. Operating points are listed as
// t: accepted spoof (sa), rejected live (lr) -> APCER = sa/#spoof, BPCER = lr/#live.
func TestEvaluate(t *testing.T) {
	above := func(v float64) float64 { return math.Nextafter(v, math.Inf(1)) }
	tests := []struct {
		name        string
		live, spoof []float64
		threshold   float64
		want        Report
		t1, t5      float64 // thresholds of BPCER@APCER 1% and 5%
	}{
		{
			// Separable. At 0.5: no spoof >= 0.5, no live < 0.5.
			// Points: 0.1: sa3 lr0; 0.2: sa2; 0.4: sa1; 0.6: sa0 lr0 -> APCER = BPCER = 0: EER 0 at 0.6.
			// Every live score beats every spoof score: AUC 9/9 = 1.
			// First point with APCER <= 1%: 0.6, BPCER 0.
			name: "separable", live: []float64{0.9, 0.6, 0.7}, spoof: []float64{0.4, 0.1, 0.2}, threshold: 0.5,
			want: Report{AUC: 1, EER: 0, EERThreshold: 0.6, Threshold: 0.5, Live: 3, Spoof: 3},
			t1:   0.6, t5: 0.6,
		},
		{
			// At 0.5: spoof >= 0.5 is {0.7}: APCER 1/3; live < 0.5 is {0.3}: BPCER 1/4; ACER 7/24.
			// AUC: live 0.3 beats 1 spoof, 0.6 beats 2, 0.8 and 0.9 beat 3: 9/12 = 0.75.
			// Points: 0.1: sa3 lr0 (d = 1); 0.3: sa2 lr0; 0.4: sa2 lr1 (2/3, 1/4);
			//   0.6: sa1 lr1 (1/3, 1/4, d = 1/12); 0.7: sa1 lr2 (1/3, 1/2, d = -1/6): the crossing.
			//   alpha = (1/12)/(1/12+1/6) = 1/3; EER = 1/3 + 1/3·(1/3−1/3) = 1/3
			//   (check on BPCER: 1/4 + 1/3·(1/2−1/4) = 1/3). |1/12| < |−1/6|: threshold 0.6.
			// APCER <= 1% first at 0.8: sa0 lr2, BPCER 1/2 (5% likewise).
			name: "overlap", live: []float64{0.3, 0.6, 0.8, 0.9}, spoof: []float64{0.1, 0.4, 0.7}, threshold: 0.5,
			want: Report{AUC: 0.75, EER: 1.0 / 3, EERThreshold: 0.6, APCER: 1.0 / 3, BPCER: 0.25, ACER: 7.0 / 24,
				Threshold: 0.5, BPCERAtAPCER1: 0.5, BPCERAtAPCER5: 0.5, Live: 4, Spoof: 3},
			t1: 0.8, t5: 0.8,
		},
		{
			// Ties across the classes. At 0.5: spoof {0.5} accepted: APCER 1/2; no live < 0.5: BPCER 0.
			// AUC: two tied pairs count 1/2 each, two live-beats-spoof pairs 1 each: 3/4.
			// Points: 0.2: sa2 lr0 (d = 1); 0.5: sa1 lr0 (1/2, 0, d = 1/2); above 0.5: sa0 lr2 (0, 1, d = −1).
			//   alpha = (1/2)/(1/2+1) = 1/3; EER = 1/2 − 1/3·1/2 = 1/3 (BPCER: 0 + 1/3·1 = 1/3).
			//   |1/2| < |−1|: threshold 0.5.
			// APCER <= 1% only above every score: BPCER 1.
			name: "ties", live: []float64{0.5, 0.5}, spoof: []float64{0.5, 0.2}, threshold: 0.5,
			want: Report{AUC: 0.75, EER: 1.0 / 3, EERThreshold: 0.5, APCER: 0.5, ACER: 0.25, Threshold: 0.5,
				BPCERAtAPCER1: 1, BPCERAtAPCER5: 1, Live: 2, Spoof: 2},
			t1: above(0.5), t5: above(0.5),
		},
		{
			// Inverted. At 0.5 both spoof accepted, both live rejected: APCER 1, BPCER 1, ACER 1. AUC 0.
			// Points: 0.1: sa2 lr0; 0.2: sa2 lr1 (1, 1/2); 0.8: sa2 lr2 (1, 1): d = 0, EER 1 at 0.8.
			// APCER <= 1% only above 0.9: BPCER 1.
			name: "inverted", live: []float64{0.1, 0.2}, spoof: []float64{0.8, 0.9}, threshold: 0.5,
			want: Report{AUC: 0, EER: 1, EERThreshold: 0.8, APCER: 1, BPCER: 1, ACER: 1, Threshold: 0.5,
				BPCERAtAPCER1: 1, BPCERAtAPCER5: 1, Live: 2, Spoof: 2},
			t1: above(0.9), t5: above(0.9),
		},
		{
			// 20 spoof scores 0.01..0.20, live {0.10, 0.195, 0.30, 0.40}; threshold 0.195.
			// At 0.195: spoof {0.20} accepted: APCER 1/20; live {0.10} rejected: BPCER 1/4; ACER 0.15.
			// AUC: 0.10 beats 9 spoof and ties 1 (9.5), 0.195 beats 19, 0.30 and 0.40 beat 20:
			//   68.5/80 = 0.85625.
			// EER: 0.10: sa11 lr0; 0.11: sa10 lr1 (0.5, 0.25); ... 0.16: sa5 lr1 (0.25, 0.25): d = 0,
			//   EER 0.25 at 0.16.
			// APCER <= 5% (sa <= 1): first at 0.195 (0.19 still accepts 0.19 and 0.20), BPCER 1/4.
			// APCER <= 1% (sa = 0): first at 0.30, live {0.10, 0.195} rejected: BPCER 1/2.
			name:      "bpcer at 1% and 5% differ",
			live:      []float64{0.10, 0.195, 0.30, 0.40},
			spoof:     []float64{0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.20},
			threshold: 0.195,
			want: Report{AUC: 0.85625, EER: 0.25, EERThreshold: 0.16, APCER: 0.05, BPCER: 0.25, ACER: 0.15, Threshold: 0.195,
				BPCERAtAPCER1: 0.5, BPCERAtAPCER5: 0.25, Live: 4, Spoof: 20},
			t1: 0.30, t5: 0.195,
		},
		{
			// One score each, all in the same place: every pair ties, AUC 1/2.
			// At 0: both accepted: APCER 1, BPCER 0. Points: 0: sa1 lr0 (d = 1); above 0: sa0 lr1 (d = −1):
			// alpha 1/2, EER 1/2, |1| = |−1|: the higher threshold, above 0.
			name: "all tied", live: []float64{0}, spoof: []float64{0}, threshold: 0,
			want: Report{AUC: 0.5, EER: 0.5, EERThreshold: above(0), APCER: 1, ACER: 0.5, Threshold: 0,
				BPCERAtAPCER1: 1, BPCERAtAPCER5: 1, Live: 1, Spoof: 1},
			t1: above(0), t5: above(0),
		},
		{
			// Negative logits work as well as probabilities. At −1: spoof {−0.5} accepted (1/3), no live
			// rejected. AUC: 3 live x 3 spoof, live 1 and 2 beat all, live −0.5 ties −0.5 and beats −3, −2:
			// (3 + 3 + 2.5)/9 = 8.5/9.
			// Points: −3: sa3 lr0; −2: sa2 lr0; −0.5: sa1 lr0 (1/3, 0, d = 1/3); 1: sa0 lr1 (0, 1/3, d = −1/3):
			// alpha 1/2, EER 1/6; equal distances: the higher threshold, 1.
			// APCER <= 1% first at 1: BPCER 1/3.
			name: "logits", live: []float64{2, -0.5, 1}, spoof: []float64{-3, -0.5, -2}, threshold: -1,
			want: Report{AUC: 8.5 / 9, EER: 1.0 / 6, EERThreshold: 1, APCER: 1.0 / 3, ACER: 1.0 / 6, Threshold: -1,
				BPCERAtAPCER1: 1.0 / 3, BPCERAtAPCER5: 1.0 / 3, Live: 3, Spoof: 3},
			t1: 1, t5: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, spoof := slices.Clone(tc.live), slices.Clone(tc.spoof)
			got, err := Evaluate(live, spoof, tc.threshold)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(live, tc.live) || !slices.Equal(spoof, tc.spoof) {
				t.Error("Evaluate modified its arguments")
			}
			if !reportsNear(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			s, err := NewScores(tc.live, tc.spoof)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				target, bpcer, threshold float64
			}{{0.01, tc.want.BPCERAtAPCER1, tc.t1}, {0.05, tc.want.BPCERAtAPCER5, tc.t5}} {
				b, th, err := s.BPCERAtAPCER(c.target)
				if err != nil || !near(b, c.bpcer) || th != c.threshold {
					t.Errorf("BPCERAtAPCER(%v) = %v at %v, %v; want %v at %v", c.target, b, th, err, c.bpcer, c.threshold)
				}
				// The reported threshold reproduces the reported rate.
				a, b2, _ := s.Rates(th)
				if a > c.target || !near(b2, b) {
					t.Errorf("Rates(%v) = %v, %v; want APCER <= %v, BPCER %v", th, a, b2, c.target, b)
				}
			}
		})
	}
}

func reportsNear(a, b Report) bool {
	return near(a.AUC, b.AUC) && near(a.EER, b.EER) && a.EERThreshold == b.EERThreshold && near(a.APCER, b.APCER) &&
		near(a.BPCER, b.BPCER) && near(a.ACER, b.ACER) && a.Threshold == b.Threshold &&
		near(a.BPCERAtAPCER1, b.BPCERAtAPCER1) && near(a.BPCERAtAPCER5, b.BPCERAtAPCER5) && a.Live == b.Live && a.Spoof == b.Spoof
}

func TestErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := []float64{0.5}
	tests := []struct {
		name        string
		live, spoof []float64
		threshold   float64
		target      any // *EmptyError, *ScoreError or *ArgumentError
		kind        errs.Kind
		msg         string
	}{
		{"no live", nil, ok, 0.5, new(*EmptyError), errs.Input, "metrics: no live scores"},
		{"no spoof", ok, []float64{}, 0.5, new(*EmptyError), errs.Input, "metrics: no spoof scores"},
		{"NaN live", []float64{0.1, 0.2, nan}, ok, 0.5, new(*ScoreError), errs.Input, "metrics: live score 2 is NaN, not a finite number"},
		{"Inf spoof", ok, []float64{-inf}, 0.5, new(*ScoreError), errs.Input, "metrics: spoof score 0 is -Inf, not a finite number"},
		{"NaN threshold", ok, ok, nan, new(*ArgumentError), errs.Config, "metrics: threshold NaN must be finite"},
		{"Inf threshold", ok, ok, inf, new(*ArgumentError), errs.Config, "metrics: threshold +Inf must be finite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.live, tc.spoof, tc.threshold)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.As(err, tc.target) {
				t.Errorf("error %T, want %T", err, tc.target)
			}
			if k := errs.KindOf(err); k != tc.kind {
				t.Errorf("kind %v, want %v", k, tc.kind)
			}
			if err.Error() != tc.msg {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
		})
	}

	s, err := NewScores(ok, ok)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []float64{-0.01, 1.5, nan} {
		var ae *ArgumentError
		if _, _, err := s.BPCERAtAPCER(target); !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "metrics: APCER target") {
			t.Errorf("BPCERAtAPCER(%v): %v", target, err)
		}
	}
	if _, _, err := s.Rates(nan); err == nil {
		t.Error("Rates(NaN): no error")
	}
	// Infinite thresholds are fine for Rates: all accepted, all rejected.
	if a, b, err := s.Rates(-inf); a != 1 || b != 0 || err != nil {
		t.Errorf("Rates(-Inf) = %v, %v, %v", a, b, err)
	}
	if a, b, err := s.Rates(inf); a != 0 || b != 1 || err != nil {
		t.Errorf("Rates(+Inf) = %v, %v, %v", a, b, err)
	}
}

func TestReportJSON(t *testing.T) {
	r, err := Evaluate([]float64{0.3, 0.6, 0.8, 0.9}, []float64{0.1, 0.4, 0.7}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"auc", "eer", "eer_threshold", "apcer", "bpcer", "acer", "threshold", "bpcer_at_apcer_1",
		"bpcer_at_apcer_5", "live", "spoof"}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, b)
		}
	}
	if len(m) != len(want) {
		t.Errorf("JSON has %d keys, want %d: %s", len(m), len(want), b)
	}
}
