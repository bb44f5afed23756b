package metrics

import (
	"errors"
	"math"
	"testing"
)

// maxFuzzScores bounds the sets so that the brute-force checks below stay quick.
const maxFuzzScores = 512

// FuzzEvaluate decodes two score sets from bytes (one byte per score, 0..255 scaled to [0, 1], so that
// ties are common) and checks the invariants that every correct answer satisfies, against brute force
// where that is cheap.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{3, 10, 200, 30, 5, 5, 250}, 0.5)
	f.Add([]byte{1, 128, 128}, 0.5)
	f.Add([]byte{2, 0, 255, 255, 0}, 0.0)
	f.Add([]byte{0, 1, 2}, 0.5)
	f.Add([]byte{5, 9, 9, 9, 9, 9, 9, 9, 9}, 1.0)
	f.Fuzz(func(t *testing.T, data []byte, threshold float64) {
		if len(data) == 0 || len(data) > maxFuzzScores+1 {
			return
		}
		k := int(data[0])
		rest := data[1:]
		if k > len(rest) {
			k = len(rest)
		}
		live, spoof := decode(rest[:k]), decode(rest[k:])
		r, err := Evaluate(live, spoof, threshold)
		if err != nil {
			var ee *EmptyError
			var ae *ArgumentError
			switch {
			case errors.As(err, &ee):
				if len(live) > 0 && len(spoof) > 0 {
					t.Fatalf("EmptyError with %d live and %d spoof", len(live), len(spoof))
				}
			case errors.As(err, &ae):
				if !math.IsNaN(threshold) && !math.IsInf(threshold, 0) {
					t.Fatalf("ArgumentError for threshold %v", threshold)
				}
			default:
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			return
		}
		for name, v := range map[string]float64{"auc": r.AUC, "eer": r.EER, "apcer": r.APCER, "bpcer": r.BPCER,
			"acer": r.ACER, "bpcer1": r.BPCERAtAPCER1, "bpcer5": r.BPCERAtAPCER5} {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s = %v outside [0, 1]", name, v)
			}
		}
		if math.Abs(r.ACER-(r.APCER+r.BPCER)/2) > eps {
			t.Fatalf("ACER %v != (%v+%v)/2", r.ACER, r.APCER, r.BPCER)
		}
		if r.BPCERAtAPCER1 < r.BPCERAtAPCER5 {
			t.Fatalf("BPCER@1%% %v < BPCER@5%% %v", r.BPCERAtAPCER1, r.BPCERAtAPCER5)
		}

		// AUC against the pairwise definition.
		var pairs float64
		for _, l := range live {
			for _, s := range spoof {
				switch {
				case l > s:
					pairs++
				case l == s:
					pairs += 0.5
				}
			}
		}
		if want := pairs / float64(len(live)*len(spoof)); math.Abs(r.AUC-want) > eps {
			t.Fatalf("AUC %v, pairwise %v", r.AUC, want)
		}

		// Swapping the labels turns AUC into 1-AUC; swapping and negating the scores is the same
		// problem seen from the other side: same AUC, same EER.
		swapped, err := Evaluate(spoof, live, 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(swapped.AUC-(1-r.AUC)) > eps {
			t.Fatalf("AUC %v, with labels swapped %v", r.AUC, swapped.AUC)
		}
		mirrored, err := Evaluate(negate(spoof), negate(live), 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(mirrored.AUC-r.AUC) > eps || math.Abs(mirrored.EER-r.EER) > eps {
			t.Fatalf("AUC %v EER %v, mirrored AUC %v EER %v", r.AUC, r.EER, mirrored.AUC, mirrored.EER)
		}

		s, err := NewScores(live, spoof)
		if err != nil {
			t.Fatal(err)
		}
		// At the EER threshold the EER lies between APCER and BPCER; at every threshold the larger of
		// the two is at least the EER.
		a, b, _ := s.Rates(r.EERThreshold)
		if r.EER < math.Min(a, b)-eps || r.EER > math.Max(a, b)+eps {
			t.Fatalf("EER %v not between APCER %v and BPCER %v at its threshold %v", r.EER, a, b, r.EERThreshold)
		}
		// BPCER at APCER <= target: the reported threshold meets the target with the reported BPCER,
		// and no observed score meets it with a lower BPCER.
		for _, c := range []struct{ target, bpcer float64 }{{0.01, r.BPCERAtAPCER1}, {0.05, r.BPCERAtAPCER5}} {
			_, th, _ := s.BPCERAtAPCER(c.target)
			a, b, _ := s.Rates(th)
			if a > c.target || b != c.bpcer {
				t.Fatalf("at reported threshold %v: APCER %v BPCER %v, want <= %v and %v", th, a, b, c.target, c.bpcer)
			}
			for _, v := range append(append([]float64{}, live...), spoof...) {
				a, b, _ := s.Rates(v)
				if a <= c.target && b < c.bpcer {
					t.Fatalf("threshold %v gives APCER %v BPCER %v, better than reported %v", v, a, b, c.bpcer)
				}
			}
		}
		for _, v := range append(append([]float64{}, live...), spoof...) {
			a, b, _ := s.Rates(v)
			if math.Max(a, b) < r.EER-eps {
				t.Fatalf("threshold %v gives APCER %v BPCER %v, both below the EER %v", v, a, b, r.EER)
			}
		}
	})
}

func decode(b []byte) []float64 {
	v := make([]float64, len(b))
	for i, x := range b {
		v[i] = float64(x) / 255
	}
	return v
}

func negate(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}
