package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/bonafide-pad/bonafide/core/metrics"
)

func init() {
	register(command{name: "eval", summary: "score folders of live and spoof images; ISO/IEC 30107-3 metrics", run: runEval})
}

// evalReport is what -json prints: rates are fractions in 0..1.
type evalReport struct {
	metrics.Report
	NoFace          int     `json:"no_face"`
	QualityRejected int     `json:"quality_rejected"`
	Unreadable      int     `json:"unreadable"`
	Seconds         float64 `json:"seconds"`
}

type evalItem struct {
	path string
	live bool
}

type evalOutcome struct {
	score   float64
	scored  bool
	quality bool
	err     error
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	var mf modelFlags
	mf.register(fs)
	liveDir := fs.String("live", "", "folder of bona fide images (searched recursively)")
	spoofDir := fs.String("spoof", "", "folder of attack images (searched recursively)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	workers := fs.Int("workers", runtime.NumCPU(), "images scored in parallel")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *liveDir == "" || *spoofDir == "" || fs.NArg() != 0 || *workers < 1 {
		fmt.Fprintln(stderr, "usage: bonafide eval [-model M.onnx] -live DIR -spoof DIR [-json] [-threshold T]")
		return errUsage
	}
	m, p, err := mf.load()
	if err != nil {
		return err
	}
	var items []evalItem
	for _, side := range []struct {
		dir  string
		live bool
	}{{*liveDir, true}, {*spoofDir, false}} {
		if fi, err := os.Stat(side.dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", side.dir)
		}
		files, err := expandInputs([]string{side.dir})
		if err != nil {
			return err
		}
		for _, f := range files {
			items = append(items, evalItem{path: f.path, live: side.live})
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("no .jpg, .jpeg or .png images under %s and %s", *liveDir, *spoofDir)
	}
	// One checker per worker: the model (weights, plan) is shared, buffers are not.
	start := time.Now()
	outcomes := make([]evalOutcome, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	bar := newProgress(stderr, len(items))
	var firstErr error
	for w := 0; w < *workers; w++ {
		c, err := mf.checker(m, p)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o := evalOutcome{}
				img, err := readImage(items[i].path)
				if err == nil {
					r, aerr := c.Analyze(img)
					if aerr != nil {
						err = aerr
					} else {
						o.score, o.scored, o.quality = r.Score, r.Scored, r.Quality.OK
					}
				}
				o.err = err
				outcomes[i] = o
				mu.Lock()
				done++
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", items[i].path, err)
				}
				bar.update(done)
				mu.Unlock()
			}
		}()
	}
	for i := range items {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	bar.finish()
	var live, spoof []float64
	rep := evalReport{}
	for i, o := range outcomes {
		switch {
		case o.err != nil:
			rep.Unreadable++
		case !o.scored:
			rep.NoFace++
		default:
			if !o.quality {
				rep.QualityRejected++
			}
			if items[i].live {
				live = append(live, o.score)
			} else {
				spoof = append(spoof, o.score)
			}
		}
	}
	threshold := mf.threshold
	if threshold == 0 {
		c, err := mf.checker(m, p)
		if err != nil {
			return err
		}
		threshold = c.Threshold()
	}
	rep.Report, err = metrics.Evaluate(live, spoof, threshold)
	if err != nil {
		if firstErr != nil {
			return fmt.Errorf("%w (first failure: %v)", err, firstErr)
		}
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	pct := func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
	fmt.Fprintf(stdout, "images     %d live, %d spoof scored; %d without a face; %d unreadable; %d scored despite a failed quality gate\n",
		rep.Live, rep.Spoof, rep.NoFace, rep.Unreadable, rep.QualityRejected)
	fmt.Fprintf(stdout, "AUC        %.4f\n", rep.AUC)
	fmt.Fprintf(stdout, "EER        %s (at threshold %.4f)\n", pct(rep.EER), rep.EERThreshold)
	fmt.Fprintf(stdout, "threshold  %.4f: APCER %s  BPCER %s  ACER %s\n", rep.Threshold, pct(rep.APCER), pct(rep.BPCER), pct(rep.ACER))
	fmt.Fprintf(stdout, "BPCER      %s at APCER ≤ 1%%, %s at APCER ≤ 5%%\n", pct(rep.BPCERAtAPCER1), pct(rep.BPCERAtAPCER5))
	fmt.Fprintf(stdout, "time       %.1f s (%.1f ms per image)\n", rep.Seconds, 1000*rep.Seconds/float64(len(items)))
	if firstErr != nil {
		fmt.Fprintf(stdout, "first unreadable image: %v\n", firstErr)
	}
	return nil
}

// progress draws a bar on stderr when stderr is a terminal, and nothing otherwise.
type progress struct {
	w     io.Writer
	total int
	tty   bool
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done int) {
	if !p.tty || (time.Since(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	const width = 30
	n := width * done / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d images", strings.Repeat("#", n), strings.Repeat(".", width-n), done, p.total)
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
