package main

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
)

// devModel writes the Pyramid-Supervision-style test net with bonafide metadata added (its
// weights are random: the tests check plumbing, not accuracy).
func devModel(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../core/model/testdata/nets/pyramid_128.onnx")
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.DecodeModel(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Metadata = append(m.Metadata,
		onnxpb.StringPair{Key: "bonafide.kind", Value: "pyramid-binary"},
		onnxpb.StringPair{Key: "bonafide.crop", Value: "size=128x128 scale=1.5 square=true"},
		onnxpb.StringPair{Key: "bonafide.output.score", Value: "score"},
		onnxpb.StringPair{Key: "bonafide.maps", Value: "8x8:map8,4x4:map4,2x2:map2"},
		onnxpb.StringPair{Key: "bonafide.threshold", Value: "0.5"})
	path := filepath.Join(t.TempDir(), "dev.onnx")
	if err := os.WriteFile(path, m.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func noiseImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13 % 253)
	}
	return img
}

func TestScanNoFaceAndErrors(t *testing.T) {
	dir := t.TempDir()
	noface := filepath.Join(dir, "noise.png")
	writePNG(t, noface, noiseImage(320, 240))
	broken := filepath.Join(dir, "broken.png")
	if err := os.WriteFile(broken, []byte("\x89PNG\r\n\x1a\n truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One line per image, the unreadable one with "error", and exit status 1 (main.go's rule).
	out, errOut, code := runCmd(t, "scan", "-model", devModel(t), noface, broken)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var first, second scanLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.Score != nil || first.Quality == nil || first.Quality.OK || first.Quality.Reasons[0].Code != "no_face" || *first.Live {
		t.Errorf("no-face line: %s", lines[0])
	}
	if second.Error == "" {
		t.Errorf("broken file line: %s", lines[1])
	}
	_, errOut, code = runCmd(t, "scan", "-model", devModel(t), broken)
	if code == 0 {
		t.Errorf("scan of only unreadable files exited 0 (%s)", errOut)
	}
}

// TestProfileNames: -profile takes the built-in profiles' names (liveness.NamedProfile); the name
// before 1.0.0 still works for one release, with a note on stderr.
func TestProfileNames(t *testing.T) {
	tests := []struct {
		name, profile string
		wantErr       string // "" when the profile loads
		wantNote      bool
	}{
		{"current name", "minifasnet-v2", "", false},
		{"deprecated name", "minifasnet", "", true},
		{"unknown", "nope", `unknown profile "nope" (known: minifasnet-v2)`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var note strings.Builder
			fs := newFlagSet("scan", &note)
			var f modelFlags
			f.register(fs)
			if err := fs.Parse([]string{"-model", devModel(t), "-profile", tt.profile}); err != nil {
				t.Fatal(err)
			}
			_, p, err := f.load()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case p == nil || p.Kind != liveness.KindSoftmax || p.Crop.Width != 80:
				t.Fatalf("profile %+v, want MiniFASNetV2's", p)
			}
			if got := strings.Contains(note.String(), "deprecated"); got != tt.wantNote {
				t.Errorf("stderr %q, deprecation note %v", note.String(), tt.wantNote)
			}
		})
	}
}

func TestScanPhotoHasMaps(t *testing.T) {
	photo := filepath.Join(sharedtest.Dir(t), "data", "faces", "deepface-tests", "img1.jpg")
	out, errOut, code := runCmd(t, "scan", "-model", devModel(t), photo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var line scanLine
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatal(err)
	}
	if line.Score == nil || line.Face == nil || len(line.Maps["8x8"]) != 8 || len(line.Maps["8x8"][0]) != 8 || len(line.Maps["4x4"]) != 4 {
		t.Fatalf("line %s", out)
	}
	// The crop window holds the face box and its maps cover the whole crop (the dev model says nothing).
	c, f := line.Crop, line.Face
	if c == nil || c.MapRegion != "crop" || float64(c.X) > f.X || float64(c.Y) > f.Y || float64(c.X+c.W) < f.X+f.W-1 || float64(c.Y+c.H) < f.Y+f.H-1 {
		t.Fatalf("crop %+v for face %+v", c, f)
	}
}

func TestEvalMiniFASNet(t *testing.T) {
	shared := sharedtest.Dir(t)
	mf := sharedtest.File(t, "models", "minifasnet-v2-80x80.onnx")
	dir := t.TempDir()
	for _, kind := range []string{"live", "spoof"} {
		files, _ := filepath.Glob(filepath.Join(shared, "data", "nuaa-train", kind, "0003", "*.jpg"))
		if len(files) < 10 {
			sharedtest.Missing(t, "too few %s frames of subject 0003 in the shared NUAA data", kind)
		}
		if err := os.MkdirAll(filepath.Join(dir, kind), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files[:10] {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, kind, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, errOut, code := runCmd(t, "eval", "-model", mf, "-profile", "minifasnet-v2", "-live", filepath.Join(dir, "live"), "-spoof", filepath.Join(dir, "spoof"), "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"auc", "eer", "apcer", "bpcer", "acer", "threshold", "bpcer_at_apcer_1", "bpcer_at_apcer_5", "live", "spoof", "no_face"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("-json output lacks %q: %s", k, out)
		}
	}
	if raw["live"].(float64)+raw["no_face"].(float64) != 10 || raw["auc"].(float64) < 0.9 {
		t.Errorf("report %s", out)
	}
}

func TestEvalUsage(t *testing.T) {
	dir := t.TempDir()
	tests := [][]string{
		{"eval"},
		{"eval", "-live", dir},
		{"eval", "-live", filepath.Join(dir, "none"), "-spoof", dir, "-model", "x.onnx"},
	}
	for _, args := range tests {
		if _, _, code := runCmd(t, args...); code == 0 {
			t.Errorf("%v exited 0", args)
		}
	}
}
