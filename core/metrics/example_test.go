package metrics_test

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/core/metrics"
)

func ExampleEvaluate() {
	live := []float64{0.3, 0.6, 0.8, 0.9} // bona fide presentations
	spoof := []float64{0.1, 0.4, 0.7}     // attack presentations
	r, err := metrics.Evaluate(live, spoof, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("at %.2f: APCER %.3f BPCER %.3f ACER %.3f\n", r.Threshold, r.APCER, r.BPCER, r.ACER)
	fmt.Printf("AUC %.3f, EER %.3f (nearest threshold %.2f)\n", r.AUC, r.EER, r.EERThreshold)
	fmt.Printf("BPCER at APCER <= 5%%: %.3f\n", r.BPCERAtAPCER5)
	// Output:
	// at 0.50: APCER 0.333 BPCER 0.250 ACER 0.292
	// AUC 0.750, EER 0.333 (nearest threshold 0.60)
	// BPCER at APCER <= 5%: 0.500
}

func ExampleScores_BPCERAtAPCER() {
	s, err := metrics.NewScores([]float64{0.10, 0.195, 0.30, 0.40},
		[]float64{0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10,
			0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.20})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, target := range []float64{0.05, 0.01} {
		bpcer, t, _ := s.BPCERAtAPCER(target)
		fmt.Printf("APCER <= %.2f: BPCER %.2f at threshold %v\n", target, bpcer, t)
	}
	// Output:
	// APCER <= 0.05: BPCER 0.25 at threshold 0.195
	// APCER <= 0.01: BPCER 0.50 at threshold 0.3
}

func ExampleEvaluate_errors() {
	_, err := metrics.Evaluate(nil, []float64{0.2}, 0.5)
	fmt.Println(err)
	// Output:
	// metrics: no live scores
}
