package graph

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// StepTimes accumulates the wall time of each run-time step over the runs of a Runner it is attached
// to (Runner.SetStepTimes). It exists to find which steps dominate a model; it is off by default and
// then costs Run one nil test.
type StepTimes struct {
	Steps []StepTime // one per step, in program order
	Runs  int
}

// StepTime is one step's accumulated time.
type StepTime struct {
	Op    string // fused name, e.g. "Conv+Clip"
	Node  string // the ONNX node the step came from
	Shape string // the output shape and, for convolutions, the kernel geometry
	MACs  int64  // multiply-accumulates per run (elements for cheap ops)
	Total time.Duration
}

// SetStepTimes attaches p (reset to this program's steps) to the runner, or detaches profiling when p
// is nil. A profiled Run reads the clock twice per step; its timings include that.
func (s *Runner) SetStepTimes(p *StepTimes) {
	s.prof = p
	if p == nil {
		return
	}
	p.Runs = 0
	p.Steps = p.Steps[:0]
	for _, st := range s.p.steps {
		b := st.base()
		shape := ""
		if len(b.out) > 0 {
			shape = fmt.Sprint(b.out[0].Shape)
		}
		if g, ok := st.(interface{ geometry() string }); ok {
			shape += " " + g.geometry()
		}
		p.Steps = append(p.Steps, StepTime{Op: stepName(st), Node: b.n.Name, Shape: shape, MACs: b.mac})
	}
}

func (s *Runner) runProfiled() {
	p := s.prof
	for i, st := range s.p.steps {
		t0 := time.Now()
		st.run(s)
		p.Steps[i].Total += time.Since(t0)
	}
	p.Runs++
}

// Total is the summed time of every step over all runs.
func (p *StepTimes) Total() time.Duration {
	var t time.Duration
	for _, st := range p.Steps {
		t += st.Total
	}
	return t
}

// WriteTable writes the steps, slowest first, with their share of the total, time per run and
// GFLOP/s (2 flops per MAC), then the time per operator kind.
func (p *StepTimes) WriteTable(w io.Writer) error {
	if p.Runs == 0 {
		_, err := fmt.Fprintln(w, "graph: profile: no runs")
		return err
	}
	total := p.Total()
	idx := make([]int, len(p.Steps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p.Steps[idx[a]].Total > p.Steps[idx[b]].Total })
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "step\tµs/run\tshare\tGFLOP/s\top\tshape\t\n")
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(p.Runs) }
	for _, i := range idx {
		st := p.Steps[i]
		us := per(st.Total)
		gf := ""
		if strings.HasPrefix(st.Op, "Conv") || strings.HasPrefix(st.Op, "MatMul") || strings.HasPrefix(st.Op, "Gemm") {
			if us > 0 {
				gf = fmt.Sprintf("%.2f", 2*float64(st.MACs)/us/1e3)
			}
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f%%\t%s\t%s\t%s\t\n", i, us, 100*float64(st.Total)/float64(total), gf, st.Op, st.Shape)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	byOp := map[string]time.Duration{}
	for _, st := range p.Steps {
		byOp[st.Op] += st.Total
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(a, b int) bool { return byOp[ops[a]] > byOp[ops[b]] })
	fmt.Fprintf(w, "total %.1f µs/run over %d runs; by operator:", per(total), p.Runs)
	for _, op := range ops {
		fmt.Fprintf(w, " %s %.1f", op, per(byOp[op]))
	}
	_, err := fmt.Fprintln(w)
	return err
}
