package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// Every want below is counted by hand in the comment above it (threshold 0.5: score >= 0.5 is
// accepted as bona fide).
func TestEvaluateGroups(t *testing.T) {
	tests := []struct {
		name        string
		live, spoof []Group
		// per row, in order: class, name, APCER, BPCER
		rows                  [][4]any
		worstA, worstB        float64
		pooledA, pooledB, auc float64
	}{
		{
			// One group a side: the rows are the pooled report. spoof {0.6} of 2 accepted: APCER 1/2;
			// live {0.4} of 2 rejected: BPCER 1/2. AUC: 0.9 beats both, 0.4 beats 0.2 only: 3/4.
			name: "one group each", live: []Group{{"", []float64{0.9, 0.4}}}, spoof: []Group{{"", []float64{0.6, 0.2}}},
			rows:   [][4]any{{"live", "", 0.5, 0.5}, {"spoof", "", 0.5, 0.5}},
			worstA: 0.5, worstB: 0.5, pooledA: 0.5, pooledB: 0.5, auc: 0.75,
		},
		{
			// Two attack species. print {0.1, 0.2}: APCER 0; replay {0.7, 0.3, 0.8}: APCER 2/3. Live
			// {0.9, 0.6, 0.45}: BPCER 1/3 in every row. Pooled APCER 2/5; worst APCER 2/3.
			// Pooled AUC: 0.9 beats 5, 0.6 beats 3 (0.1, 0.2, 0.3), 0.45 beats 3: 11/15.
			name:  "species",
			live:  []Group{{"", []float64{0.9, 0.6, 0.45}}},
			spoof: []Group{{"print", []float64{0.1, 0.2}}, {"replay", []float64{0.7, 0.3, 0.8}}},
			rows: [][4]any{{"live", "", 2.0 / 5, 1.0 / 3}, {"spoof", "print", 0.0, 1.0 / 3},
				{"spoof", "replay", 2.0 / 3, 1.0 / 3}},
			worstA: 2.0 / 3, worstB: 1.0 / 3, pooledA: 2.0 / 5, pooledB: 1.0 / 3, auc: 11.0 / 15,
		},
		{
			// Two bona fide sources against one attack set {0.55, 0.1}: APCER 1/2 in every row.
			// camA {0.8, 0.7}: BPCER 0; camB {0.3, 0.52, 0.2}: BPCER 2/3. Pooled BPCER 2/5.
			// Pooled AUC: 0.8 and 0.7 beat both (4); 0.52, 0.3 and 0.2 beat only 0.1 (3): 7/10.
			name:  "sources",
			live:  []Group{{"camA", []float64{0.8, 0.7}}, {"camB", []float64{0.3, 0.52, 0.2}}},
			spoof: []Group{{"", []float64{0.55, 0.1}}},
			rows: [][4]any{{"live", "camA", 0.5, 0.0}, {"live", "camB", 0.5, 2.0 / 3},
				{"spoof", "", 0.5, 2.0 / 5}},
			worstA: 0.5, worstB: 2.0 / 3, pooledA: 0.5, pooledB: 2.0 / 5, auc: 0.7,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := EvaluateGroups(tt.live, tt.spoof, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			if !near(r.APCER, tt.pooledA) || !near(r.BPCER, tt.pooledB) || !near(r.AUC, tt.auc) {
				t.Errorf("pooled %+v, want APCER %v BPCER %v AUC %v", r.Report, tt.pooledA, tt.pooledB, tt.auc)
			}
			if !near(r.WorstAPCER, tt.worstA) || !near(r.WorstBPCER, tt.worstB) || !near(r.WorstACER, (tt.worstA+tt.worstB)/2) {
				t.Errorf("worst %v %v %v, want %v %v", r.WorstAPCER, r.WorstBPCER, r.WorstACER, tt.worstA, tt.worstB)
			}
			if len(r.Groups) != len(tt.rows) {
				t.Fatalf("%d rows, want %d", len(r.Groups), len(tt.rows))
			}
			for i, w := range tt.rows {
				g := r.Groups[i]
				if g.Class != w[0] || g.Name != w[1] || !near(g.APCER, w[2].(float64)) || !near(g.BPCER, w[3].(float64)) {
					t.Errorf("row %d = %s %q APCER %v BPCER %v, want %v", i, g.Class, g.Name, g.APCER, g.BPCER, w)
				}
			}
		})
	}
}

func TestEvaluateGroupsErrors(t *testing.T) {
	ok := []Group{{"a", []float64{0.5}}}
	tests := []struct {
		name        string
		live, spoof []Group
		want        string
	}{
		{"no live groups", nil, ok, "no live scores"},
		{"no spoof groups", ok, nil, "no spoof scores"},
		{"empty spoof group", ok, []Group{{"a", []float64{0.1}}, {"replay", nil}}, "no spoof group replay scores"},
		{"NaN", []Group{{"a", []float64{0.5, math.NaN()}}}, ok, "live score 1 is NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EvaluateGroups(tt.live, tt.spoof, 0.5)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			var ee *EmptyError
			var se *ScoreError
			if !errors.As(err, &ee) && !errors.As(err, &se) {
				t.Errorf("err %T is neither *EmptyError nor *ScoreError", err)
			}
		})
	}
}

// The JSON form inlines the pooled report and names the rows' classes.
func TestGroupedReportJSON(t *testing.T) {
	r, err := EvaluateGroups([]Group{{"", []float64{0.9}}}, []Group{{"print", []float64{0.1}}, {"replay", []float64{0.2}}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"auc", "apcer", "worst_apcer", "worst_acer", "groups"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if g := raw["groups"].([]any); len(g) != 3 || g[2].(map[string]any)["name"] != "replay" || g[2].(map[string]any)["class"] != "spoof" {
		t.Errorf("groups %v", raw["groups"])
	}
}
