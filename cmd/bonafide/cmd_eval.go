package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/metrics"
)

func init() {
	register(command{name: "eval", summary: "score folders of live and spoof images; ISO/IEC 30107-3 metrics", run: runEval})
}

// evalReport is what -json prints: rates are fractions in 0..1. The embedded report pools every
// scored live image against every scored attack; the worst_* rates take the worst folder of each
// class (ISO/IEC 30107-3 reports the worst attack species) and equal the pooled ones when neither
// class folder has subfolders.
type evalReport struct {
	metrics.Report
	WorstAPCER      float64      `json:"worst_apcer"`
	WorstBPCER      float64      `json:"worst_bpcer"`
	WorstACER       float64      `json:"worst_acer"`
	Cropped         bool         `json:"cropped"`
	NoFace          int          `json:"no_face"`
	QualityRejected int          `json:"quality_rejected"`
	Unreadable      int          `json:"unreadable"`
	Seconds         float64      `json:"seconds"`
	Folders         []evalFolder `json:"folders,omitempty"`
}

// evalFolder is one row per subfolder of -live or -spoof (images directly in the class folder form
// the row "."), present when either class folder has subfolders: one attack species or capture
// source each. An attack folder's metrics set its images against every scored live image, a live
// folder's against every scored attack; they are absent when none of its images was scored.
type evalFolder struct {
	Folder          string `json:"folder"`
	Class           string `json:"class"` // "live" or "spoof"
	Images          int    `json:"images"`
	NoFace          int    `json:"no_face"`
	QualityRejected int    `json:"quality_rejected"`
	Unreadable      int    `json:"unreadable"`
	*metrics.Report
}

type evalItem struct {
	path   string
	live   bool
	folder string // first path element under the class folder; "." for images directly in it
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
	liveDir := fs.String("live", "", "folder of bona fide images (searched recursively; each subfolder gets its own row)")
	spoofDir := fs.String("spoof", "", "folder of attack images (searched recursively; each subfolder, e.g. one per attack species, gets its own row)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cropped := fs.Bool("cropped", false, "each image is an already-cut face: the model's window is the whole image, no detection or quality gate")
	workers := fs.Int("workers", runtime.NumCPU(), "images scored in parallel")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *liveDir == "" || *spoofDir == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: bonafide eval [-model M.onnx] [-cropped] -live DIR -spoof DIR [-json] [-threshold T]")
		return errUsage
	}
	if err := checkJobs("workers", *workers); err != nil {
		return err
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
			folder, _, nested := strings.Cut(filepath.ToSlash(f.rel), "/")
			if !nested {
				folder = "."
			}
			items = append(items, evalItem{path: f.path, live: side.live, folder: folder})
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("no .jpg, .jpeg or .png images under %s and %s", *liveDir, *spoofDir)
	}
	// One checker per worker, made by the worker when it starts and no more workers than images:
	// the model (weights, plan) is shared, buffers are not. A worker whose checker cannot be made
	// reports it as every image's failure.
	start := time.Now()
	outcomes := make([]evalOutcome, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	bar := newProgress(stderr, len(items))
	var firstErr error
	// The first checker is made here, so that a configuration the checker refuses stops the run
	// before any image.
	first, err := mf.checker(m, p)
	if err != nil {
		return err
	}
	for w := 0; w < min(*workers, len(items)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cerr := first, error(nil)
			if w > 0 {
				c, cerr = mf.checker(m, p)
			}
			for i := range jobs {
				o := evalOutcome{}
				img, err := readImage(items[i].path)
				if err == nil && cerr != nil {
					err = cerr
				}
				if err == nil {
					var r *liveness.Result
					var aerr error
					if *cropped {
						r, aerr = c.AnalyzeCropped(img)
					} else {
						r, aerr = c.Analyze(img)
					}
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
	threshold := first.Threshold()
	rep, err := summarize(items, outcomes, threshold)
	if err != nil {
		if firstErr != nil {
			return fmt.Errorf("%w (first failure: %v)", err, firstErr)
		}
		return err
	}
	rep.Cropped = *cropped
	rep.Seconds = time.Since(start).Seconds()
	// Exit status 1 when an image could not be read (main.go's rule), after the report of the others.
	var failure error
	if firstErr != nil {
		failure = fmt.Errorf("%d of %d images could not be read or scored; the first: %w", rep.Unreadable, len(items), firstErr)
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(rep); err != nil {
			return err
		}
		return failure
	}
	pct := func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
	fmt.Fprintf(stdout, "images     %d live, %d spoof scored; %d without a face; %d unreadable; %d scored despite a failed quality gate\n",
		rep.Live, rep.Spoof, rep.NoFace, rep.Unreadable, rep.QualityRejected)
	fmt.Fprintf(stdout, "AUC        %.4f\n", rep.AUC)
	fmt.Fprintf(stdout, "EER        %s (at threshold %.4f)\n", pct(rep.EER), rep.EERThreshold)
	fmt.Fprintf(stdout, "threshold  %.4f: APCER %s  BPCER %s  ACER %s\n", rep.Threshold, pct(rep.APCER), pct(rep.BPCER), pct(rep.ACER))
	fmt.Fprintf(stdout, "BPCER      %s at APCER ≤ 1%%, %s at APCER ≤ 5%%\n", pct(rep.BPCERAtAPCER1), pct(rep.BPCERAtAPCER5))
	if len(rep.Folders) > 0 {
		fmt.Fprintf(stdout, "worst      APCER %s  BPCER %s  ACER %s (the worst folder of each class)\n", pct(rep.WorstAPCER), pct(rep.WorstBPCER), pct(rep.WorstACER))
		fmt.Fprintf(stdout, "%-6s %-28s %7s %7s %8s %8s %8s %8s\n", "class", "folder", "images", "scored", "AUC", "EER", "APCER", "BPCER")
		for _, f := range rep.Folders {
			if f.Report == nil {
				fmt.Fprintf(stdout, "%-6s %-28s %7d %7d %8s %8s %8s %8s\n", f.Class, f.Folder, f.Images, 0, "-", "-", "-", "-")
				continue
			}
			n := f.Live
			if f.Class == "spoof" {
				n = f.Spoof
			}
			fmt.Fprintf(stdout, "%-6s %-28s %7d %7d %8.4f %8s %8s %8s\n", f.Class, f.Folder, f.Images, n, f.AUC, pct(f.EER), pct(f.APCER), pct(f.BPCER))
		}
	}
	fmt.Fprintf(stdout, "time       %.1f s (%.1f ms per image)\n", rep.Seconds, 1000*rep.Seconds/float64(len(items)))
	return failure
}

// summarize counts the outcomes per class folder and computes the pooled and per-folder metrics.
func summarize(items []evalItem, outcomes []evalOutcome, threshold float64) (evalReport, error) {
	var rep evalReport
	type key struct {
		live   bool
		folder string
	}
	rows := map[key]*evalFolder{}
	scores := map[key][]float64{}
	var order []key
	nested := false
	for i, o := range outcomes {
		k := key{items[i].live, items[i].folder}
		row := rows[k]
		if row == nil {
			class := "spoof"
			if k.live {
				class = "live"
			}
			row = &evalFolder{Folder: k.folder, Class: class}
			rows[k] = row
			order = append(order, k)
			nested = nested || k.folder != "."
		}
		row.Images++
		switch {
		case o.err != nil:
			row.Unreadable++
			rep.Unreadable++
		case !o.scored:
			row.NoFace++
			rep.NoFace++
		default:
			if !o.quality {
				row.QualityRejected++
				rep.QualityRejected++
			}
			scores[k] = append(scores[k], o.score)
		}
	}
	// Live folders first, each class in the (lexical) order the files came in.
	sort.SliceStable(order, func(a, b int) bool { return order[a].live && !order[b].live })
	var live, spoof []metrics.Group
	for _, k := range order {
		if len(scores[k]) == 0 {
			continue
		}
		g := metrics.Group{Name: k.folder, Scores: scores[k]}
		if k.live {
			live = append(live, g)
		} else {
			spoof = append(spoof, g)
		}
	}
	if len(live) == 0 {
		return rep, &metrics.EmptyError{Set: "live"}
	}
	if len(spoof) == 0 {
		return rep, &metrics.EmptyError{Set: "spoof"}
	}
	gr, err := metrics.EvaluateGroups(live, spoof, threshold)
	if err != nil {
		return rep, err
	}
	rep.Report, rep.WorstAPCER, rep.WorstBPCER, rep.WorstACER = gr.Report, gr.WorstAPCER, gr.WorstBPCER, gr.WorstACER
	if !nested {
		return rep, nil
	}
	for _, g := range gr.Groups {
		r := g.Report
		rows[key{g.Class == "live", g.Name}].Report = &r
	}
	for _, k := range order {
		rep.Folders = append(rep.Folders, *rows[k])
	}
	return rep, nil
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
