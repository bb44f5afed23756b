package metrics

// Group is a named subset of one class's scores: one attack instrument species, one capture
// source, one folder of an evaluation set.
type Group struct {
	Name   string
	Scores []float64
}

// GroupReport is one group's row: the group's scores against every score of the other class. For
// an attack group it holds that species' APCER (ISO/IEC 30107-3 reports APCER per species) with the
// BPCER of all bona fide presentations; for a bona fide group, that group's BPCER against all
// attacks.
type GroupReport struct {
	Name  string `json:"name"`
	Class string `json:"class"` // "live" or "spoof"
	Report
}

// GroupedReport is an evaluation whose classes come in groups.
type GroupedReport struct {
	// Report pools every live score against every spoof score.
	Report
	// WorstAPCER is the highest APCER of any attack group at Threshold, WorstBPCER the highest
	// BPCER of any bona fide group, and WorstACER their mean: ISO/IEC 30107-3's reading of several
	// attack species (the worst one counts), applied to bona fide sources too. With one group per
	// class they equal the pooled rates.
	WorstAPCER float64 `json:"worst_apcer"`
	WorstBPCER float64 `json:"worst_bpcer"`
	WorstACER  float64 `json:"worst_acer"`
	// Groups has a row per group, live groups first, each class in the order given.
	Groups []GroupReport `json:"groups"`
}

// EvaluateGroups computes the pooled report and one row per group at threshold. Every group must
// hold at least one score (an *EmptyError names the class otherwise); scores must be finite.
func EvaluateGroups(live, spoof []Group, threshold float64) (GroupedReport, error) {
	all := func(gs []Group) []float64 {
		var v []float64
		for _, g := range gs {
			v = append(v, g.Scores...)
		}
		return v
	}
	for _, side := range []struct {
		set    string
		groups []Group
	}{{"live", live}, {"spoof", spoof}} {
		if len(side.groups) == 0 {
			return GroupedReport{}, &EmptyError{Set: side.set}
		}
		for _, g := range side.groups {
			if len(g.Scores) == 0 {
				return GroupedReport{}, &EmptyError{Set: side.set + " group " + g.Name}
			}
		}
	}
	liveAll, spoofAll := all(live), all(spoof)
	pooled, err := Evaluate(liveAll, spoofAll, threshold)
	if err != nil {
		return GroupedReport{}, err
	}
	out := GroupedReport{Report: pooled, Groups: make([]GroupReport, 0, len(live)+len(spoof))}
	for _, g := range live {
		r, err := Evaluate(g.Scores, spoofAll, threshold)
		if err != nil {
			return GroupedReport{}, err
		}
		out.Groups = append(out.Groups, GroupReport{Name: g.Name, Class: "live", Report: r})
		out.WorstBPCER = max(out.WorstBPCER, r.BPCER)
	}
	for _, g := range spoof {
		r, err := Evaluate(liveAll, g.Scores, threshold)
		if err != nil {
			return GroupedReport{}, err
		}
		out.Groups = append(out.Groups, GroupReport{Name: g.Name, Class: "spoof", Report: r})
		out.WorstAPCER = max(out.WorstAPCER, r.APCER)
	}
	out.WorstACER = (out.WorstAPCER + out.WorstBPCER) / 2
	return out, nil
}
