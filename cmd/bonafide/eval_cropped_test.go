package main

import (
	"encoding/json"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/metrics"
)

// patternImage is a deterministic image that differs with seed, so that the random-weight test
// model gives each a different score.
func patternImage(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8((x*seed + y*3) % 256)
			img.Pix[i+1] = uint8((x*y + seed*17) % 256)
			img.Pix[i+2] = uint8((y*seed*5 + x) % 256)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// cropSet writes face-crop-like images into live/{camA,camB} and spoof/{print,replay} plus
// spoof/loose.png (directly in the class folder) and an unreadable file in spoof/replay.
func cropSet(t *testing.T) (live, spoof string) {
	t.Helper()
	dir := t.TempDir()
	live, spoof = filepath.Join(dir, "live"), filepath.Join(dir, "spoof")
	n := 0
	for _, f := range []struct {
		root, folder string
		count        int
	}{{live, "camA", 3}, {live, "camB", 4}, {spoof, "print", 3}, {spoof, "replay", 2}} {
		for i := range f.count {
			n++
			writePNG(t, filepath.Join(f.root, f.folder, "img"+string(rune('a'+i))+".png"), patternImage(90+7*n, 110+5*n, n))
		}
	}
	writePNG(t, filepath.Join(spoof, "loose.png"), patternImage(100, 100, 99))
	if err := os.WriteFile(filepath.Join(spoof, "replay", "broken.png"), []byte("\x89PNG\r\n\x1a\n cut"), 0o644); err != nil {
		t.Fatal(err)
	}
	return live, spoof
}

// TestEvalCroppedFolders checks -cropped scoring and the per-folder rows against the per-image
// scores `scan -cropped` prints for the same files, grouped and evaluated independently.
func TestEvalCroppedFolders(t *testing.T) {
	model := devModel(t)
	live, spoof := cropSet(t)
	// The set holds one unreadable file: the report covers the others, and the exit status is 1.
	out, errOut, code := runCmd(t, "eval", "-model", model, "-cropped", "-json", "-workers", "2", "-live", live, "-spoof", spoof)
	if code != 1 || !strings.Contains(errOut, "1 of 14 images could not be read") {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Cropped || rep.NoFace != 0 || rep.Unreadable != 1 || rep.Live != 7 || rep.Spoof != 6 {
		t.Fatalf("report %s", out)
	}

	// The same images through scan -cropped, grouped by folder.
	groups := map[string][]float64{}
	var liveG, spoofG []metrics.Group
	for _, side := range []struct {
		root    string
		folders []string
		groups  *[]metrics.Group
	}{{live, []string{"camA", "camB"}, &liveG}, {spoof, []string{".", "print", "replay"}, &spoofG}} {
		lines, _, _ := runCmd(t, "scan", "-model", model, "-cropped", side.root)
		for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
			var sl scanLine
			if err := json.Unmarshal([]byte(l), &sl); err != nil {
				t.Fatal(err)
			}
			if sl.Error != "" {
				continue
			}
			if sl.Face != nil || sl.Score == nil || sl.Quality == nil || !sl.Quality.OK || len(sl.Maps["8x8"]) != 8 ||
				sl.Crop == nil || sl.Crop.X != 0 || sl.Crop.Y != 0 || sl.Crop.W < 90 || sl.Crop.H < 100 {
				t.Fatalf("scan -cropped line %s", l)
			}
			rel, _ := filepath.Rel(side.root, sl.Path)
			folder, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
			if !nested {
				folder = "."
			}
			groups[side.root+folder] = append(groups[side.root+folder], *sl.Score)
		}
		for _, f := range side.folders {
			*side.groups = append(*side.groups, metrics.Group{Name: f, Scores: groups[side.root+f]})
		}
	}
	want, err := metrics.EvaluateGroups(liveG, spoofG, rep.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(rep.AUC, want.AUC) || !near(rep.APCER, want.APCER) || !near(rep.BPCER, want.BPCER) ||
		!near(rep.WorstAPCER, want.WorstAPCER) || !near(rep.WorstBPCER, want.WorstBPCER) {
		t.Errorf("eval %+v\nwant %+v", rep, want)
	}
	wantRows := []struct {
		class, folder  string
		images, unread int
	}{{"live", "camA", 3, 0}, {"live", "camB", 4, 0}, {"spoof", ".", 1, 0}, {"spoof", "print", 3, 0}, {"spoof", "replay", 3, 1}}
	if len(rep.Folders) != len(wantRows) {
		t.Fatalf("folders %+v", rep.Folders)
	}
	for i, w := range wantRows {
		f := rep.Folders[i]
		if f.Class != w.class || f.Folder != w.folder || f.Images != w.images || f.Unreadable != w.unread || f.Report == nil {
			t.Fatalf("row %d = %+v, want %+v", i, f, w)
		}
		g := want.Groups[i]
		if !near(f.AUC, g.AUC) || !near(f.APCER, g.APCER) || !near(f.BPCER, g.BPCER) || f.Live != g.Live || f.Spoof != g.Spoof {
			t.Errorf("row %s/%s = %+v, want %+v", f.Class, f.Folder, *f.Report, g.Report)
		}
	}

	// The text form lists the folders too.
	text, errOut, code := runCmd(t, "eval", "-model", model, "-cropped", "-live", live, "-spoof", spoof)
	if code != 1 || !strings.Contains(text, "worst ") || !strings.Contains(text, "replay") {
		t.Errorf("text report (exit %d, %s):\n%s", code, errOut, text)
	}
}

// Without subfolders there are no rows and the worst rates are the pooled ones; without -cropped
// the same images have no face to score.
func TestEvalCroppedFlat(t *testing.T) {
	model := devModel(t)
	dir := t.TempDir()
	for i := range 3 {
		writePNG(t, filepath.Join(dir, "live", "l"+string(rune('a'+i))+".png"), patternImage(96, 96, i+1))
		writePNG(t, filepath.Join(dir, "spoof", "s"+string(rune('a'+i))+".png"), patternImage(96, 96, i+40))
	}
	out, errOut, code := runCmd(t, "eval", "-model", model, "-cropped", "-json", "-live", filepath.Join(dir, "live"), "-spoof", filepath.Join(dir, "spoof"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["folders"]; ok {
		t.Errorf("flat folders gave rows: %s", out)
	}
	if raw["worst_apcer"] != raw["apcer"] || raw["worst_bpcer"] != raw["bpcer"] || raw["live"].(float64) != 3 {
		t.Errorf("report %s", out)
	}
	_, errOut, code = runCmd(t, "eval", "-model", model, "-json", "-live", filepath.Join(dir, "live"), "-spoof", filepath.Join(dir, "spoof"))
	if code == 0 || !strings.Contains(errOut, "no live scores") {
		t.Errorf("without -cropped: exit %d, %s", code, errOut)
	}
}
