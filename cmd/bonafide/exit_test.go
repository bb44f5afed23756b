package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/internal/hostile"
)

// TestExitStatus holds every command to main.go's rule: 0 when everything asked for was done, 1
// when something failed (an unreadable image or model, nothing to work on), 2 for bad usage. It
// also runs the calls that once crashed or exhausted memory (a flag asking for 10^11 workers, a
// model read from /dev/zero) and the mistakes that were silently accepted (a negative threshold,
// -min-elements -1, a folder as a raw input): each ends within hostile.MaxSeconds and
// hostile.MaxBytes.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	face := filepath.Join(dir, "face.png")
	writePNG(t, face, facetest.Face(320, 240, 160, 120, 90, 0))
	noFace := filepath.Join(dir, "noise.png")
	grey := noiseImage(160, 120)
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	writePNG(t, noFace, grey) // a flat grey frame: no face for any detector
	broken := filepath.Join(dir, "broken.png")
	if err := os.WriteFile(broken, []byte("\x89PNG\r\n\x1a\n truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	live, spoof := filepath.Join(dir, "live"), filepath.Join(dir, "spoof")
	for _, d := range []string{empty, live, spoof} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writePNG(t, filepath.Join(live, "a.png"), facetest.Face(320, 240, 160, 120, 90, 0))
	writePNG(t, filepath.Join(spoof, "b.png"), facetest.Face(320, 240, 150, 125, 95, 0))
	dev := devModel(t)
	out := filepath.Join(dir, "out")
	const zero = "/dev/zero"
	tests := []struct {
		name string
		args []string
		code int
		text string // in stderr
		unix bool   // needs /dev/zero
	}{
		// Rows named "hostile:" once crashed, exhausted memory or were silently accepted; they are
		// held to hostile.MaxSeconds and hostile.MaxBytes (the others do real work, in a browser
		// on one thread too).
		// 0: done, whatever the verdicts.
		{"detect: a face and a frame without one", []string{"detect", face, noFace}, 0, "", false},
		{"scan: a face and a frame without one", []string{"scan", "-model", dev, face, noFace}, 0, "", false},
		{"crop: a face and a frame without one", []string{"crop", "-out", out, face, noFace}, 0, "1 without a face", false},
		{"eval", []string{"eval", "-model", dev, "-live", live, "-spoof", spoof}, 0, "", false},
		{"inspect", []string{"inspect", dev}, 0, "", false},
		// 1: something asked for failed; the others are done (a JSON line with "error").
		{"detect: an unreadable image", []string{"detect", face, broken}, 1, "1 of 2 images could not be read", false},
		{"scan: an unreadable image", []string{"scan", "-model", dev, face, broken}, 1, "1 of 2 images could not be scanned", false},
		{"crop: an unreadable image", []string{"crop", "-out", out, face, broken}, 1, "could not be read", false},
		{"detect: a folder without images", []string{"detect", empty}, 1, "no .jpg, .jpeg or .png images", false},
		{"scan: a folder without images", []string{"scan", "-model", dev, empty}, 1, "no .jpg, .jpeg or .png images", false},
		{"crop: a folder without images", []string{"crop", "-out", out, empty}, 1, "no .jpg, .jpeg or .png images", false},
		{"eval: folders without images", []string{"eval", "-model", dev, "-live", empty, "-spoof", empty}, 1, "no .jpg, .jpeg or .png images", false},
		{"eval: an unreadable image", []string{"eval", "-model", dev, "-live", live, "-spoof", dir}, 1, "could not be read or scored", false},
		{"hostile: inspect: /dev/zero", []string{"inspect", zero}, 1, "malformed model", true},
		{"hostile: scan: -model /dev/zero", []string{"scan", "-model", zero, face}, 1, "malformed model", true},
		{"hostile: quantize: -in /dev/zero", []string{"quantize", "-in", zero, "-out", filepath.Join(dir, "q.onnx")}, 1, "malformed model", true},
		{"hostile: infer: a folder as -input", []string{"infer", "-model", dev, "-input", dir, "-shape", "1,3,128,128", "-output", filepath.Join(dir, "o.f32")}, 1, "is a folder", false},
		{"hostile: infer: /dev/zero as -input", []string{"infer", "-model", dev, "-input", zero, "-shape", "1,3,128,128", "-output", filepath.Join(dir, "o.f32")}, 1, "over the limit", true},
		// 2: bad usage, nothing done.
		{"unknown command", []string{"frobnicate"}, 2, "unknown command", false},
		{"hostile: detect -jobs 10^11", []string{"detect", "-jobs", "100000000000", face}, 2, "-jobs 100000000000: want 1 to 64", false},
		{"hostile: detect -jobs 0", []string{"detect", "-jobs", "0", face}, 2, "want 1 to 64", false},
		{"hostile: crop -jobs 10^11", []string{"crop", "-jobs", "100000000000", "-out", out, face}, 2, "want 1 to 64", false},
		{"hostile: eval -workers 20000", []string{"eval", "-model", dev, "-workers", "20000", "-live", live, "-spoof", spoof}, 2, "-workers 20000: want 1 to 64", false},
		{"hostile: scan -threshold -0.5", []string{"scan", "-model", dev, "-threshold", "-0.5", face}, 2, "-threshold -0.5", false},
		{"hostile: scan -threshold NaN", []string{"scan", "-model", dev, "-threshold", "NaN", face}, 2, "-threshold NaN", false},
		{"hostile: eval -threshold 1.5", []string{"eval", "-model", dev, "-threshold", "1.5", "-live", live, "-spoof", spoof}, 2, "-threshold 1.5", false},
		{"hostile: quantize -min-elements -1", []string{"quantize", "-in", dev, "-out", filepath.Join(dir, "q.onnx"), "-min-elements", "-1"}, 2, "-min-elements -1", false},
		{"scan without images", []string{"scan", "-model", dev}, 2, "usage", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unix && runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
				t.Skipf("%s has no /dev/zero", runtime.GOOS)
			}
			var stdout, stderr string
			var code int
			run := func() { stdout, stderr, code = runCmd(t, tt.args...) }
			u, ok := hostile.Usage{}, true
			if strings.HasPrefix(tt.name, "hostile: ") {
				u, ok = hostile.Within(run, 0)
			} else {
				run()
			}
			if code != tt.code || !strings.Contains(stderr, tt.text) {
				t.Fatalf("exit %d, stderr %q; want %d and %q (stdout %q)", code, stderr, tt.code, tt.text, stdout)
			}
			if !ok {
				t.Errorf("took %v and %d MB, over %d s and %d MB", u.Time, u.Allocated>>20, hostile.MaxSeconds, hostile.MaxBytes>>20)
			}
		})
	}
}
