package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/models"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJPEG(t *testing.T, path string, img image.Image) []byte {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func blank(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 120
	}
	return img
}

func TestDetectCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "face.png")
	writePNG(t, good, facetest.Face(640, 480, 320, 240, 170, 0))
	none := filepath.Join(dir, "blank.png")
	writePNG(t, none, blank(320, 240))
	garbage := filepath.Join(dir, "garbage.jpg")
	os.WriteFile(garbage, []byte("not an image"), 0o644)
	trunc := filepath.Join(dir, "trunc.jpg")
	full := writeJPEG(t, filepath.Join(dir, "sub", "full.jpg"), facetest.Face(320, 240, 160, 120, 90, 0))
	os.WriteFile(trunc, full[:len(full)/3], 0o644)
	missing := filepath.Join(dir, "missing.png")

	var out, errOut bytes.Buffer
	code := run([]string{"detect", good, garbage, none, trunc, missing, filepath.Join(dir, "sub")}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some images unreadable); stderr %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6:\n%s", len(lines), out.String())
	}
	var got []detectLine
	for _, l := range lines {
		var d detectLine
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, d)
	}
	want := []struct {
		path  string
		faces int
		err   bool
		codes string
	}{
		{good, 1, false, ""},
		{garbage, 0, true, ""},
		{none, 0, false, "no_face"},
		{trunc, 0, true, ""},
		{missing, 0, true, ""},
		{filepath.Join(dir, "sub", "full.jpg"), 1, false, "?"},
	}
	for i, w := range want {
		g := got[i]
		if g.Path != w.path || len(g.Faces) != w.faces || (g.Error != "") != w.err {
			t.Errorf("line %d: %s", i, lines[i])
			continue
		}
		if w.err {
			continue
		}
		if g.Quality == nil {
			t.Errorf("line %d has no quality: %s", i, lines[i])
			continue
		}
		var codes []string
		for _, r := range g.Quality.Reasons {
			codes = append(codes, r.Code)
		}
		if w.codes != "?" && strings.Join(codes, ",") != w.codes {
			t.Errorf("line %d: reasons %v, want %q", i, codes, w.codes)
		}
	}
	if f := got[0].Faces[0]; got[0].Width != 640 || got[0].Height != 480 || f.W < 150 || f.W > 240 || !got[0].Quality.OK {
		t.Errorf("first line: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"error":"face: decode: not a JPEG or PNG image`) {
		t.Errorf("garbage line: %s", lines[1])
	}
	if !strings.Contains(lines[0], `"reasons":[]`) {
		t.Errorf("a passing image should list no reasons as []: %s", lines[0])
	}
}

func TestDetectCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"detect"}, {"detect", "-no-such-flag", "x"}, {"crop", "x.png"}, {"crop", "-out", "o"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"detect", "-skip", "too_blue", "x.png"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "face: invalid Skip") {
		t.Errorf("bad -skip: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"crop", "-out", t.TempDir(), "-border", "wrap", "x.png"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "face: invalid border") {
		t.Errorf("bad -border: exit %d, stderr %q", code, errOut.String())
	}
}

func TestCropCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writePNG(t, filepath.Join(in, "a", "one.png"), facetest.Face(640, 480, 300, 220, 160, 0))
	writeJPEG(t, filepath.Join(in, "b", "c", "two.jpg"), facetest.Face(320, 240, 150, 120, 90, 0))
	writePNG(t, filepath.Join(in, "b", "blank.png"), blank(200, 150))
	os.WriteFile(filepath.Join(in, "b", "notes.txt"), []byte("skipped: not an image name"), 0o644)
	single := filepath.Join(dir, "single.png")
	writePNG(t, single, facetest.Face(400, 300, 200, 150, 110, 0))
	out := filepath.Join(dir, "out")
	manifest := filepath.Join(dir, "manifest.jsonl")

	var stdout, stderr bytes.Buffer
	code := run([]string{"crop", "-out", out, "-size", "64", "-scale", "1.5", "-border", "fill", "-fill", "grey",
		"-manifest", manifest, in, single}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "no face: "+filepath.Join(in, "b", "blank.png")) ||
		!strings.Contains(stderr.String(), "3 of 4 images cropped") || !strings.Contains(stderr.String(), "1 without a face, 0 unreadable") {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, rel := range []string{"a/one.png", "b/c/two.png", "single.png"} {
		f, err := os.Open(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds() != image.Rect(0, 0, 64, 64) {
			t.Fatalf("%s: %v %v", rel, img.Bounds(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "b", "blank.png")); err == nil {
		t.Fatal("a crop was written for an image without a face")
	}

	// The PNG holds exactly what the library's crop gives for the detected face: training data
	// made with the command and run-time crops share one geometry.
	src, err := face.DecodeBytes(mustRead(t, filepath.Join(in, "a", "one.png")))
	if err != nil {
		t.Fatal(err)
	}
	d, err := face.NewBlazeFace(models.BlazeFaceFront, face.BlazeFaceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	faces, _ := d.Detect(src)
	spec, _ := face.ParseCropSpec("size=64 scale=1.5 square=true border=fill fill=grey")
	want, _, err := face.CropRGBA(src, faces[0].Extent(), spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := face.DecodeBytes(mustRead(t, filepath.Join(out, "a", "one.png")))
	if err != nil || !bytes.Equal(got.RGBA().Pix, want.Pix) {
		t.Fatalf("written crop differs from face.CropRGBA (%v)", err)
	}

	// The manifest has a line per image, in input order.
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, manifest))), "\n")
	if len(lines) != 4 {
		t.Fatalf("manifest has %d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var rec cropRecord
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec.Status != "ok" || len(rec.Window) != 4 || rec.Face == nil {
		t.Fatalf("manifest line %q: %v", lines[0], err)
	}
	if !strings.Contains(lines[1], `"status":"no_face"`) {
		t.Fatalf("manifest line 2: %s", lines[1])
	}

	// -spec gives a model's crop in one flag.
	stderr.Reset()
	out2 := filepath.Join(dir, "out2")
	if code := run([]string{"crop", "-out", out2, "-spec", "size=80x80 scale=2.7 border=shift order=bgr", single}, &stdout, &stderr); code != 0 {
		t.Fatalf("-spec: exit %d: %s", code, stderr.String())
	}
	img, err := face.DecodeBytes(mustRead(t, filepath.Join(out2, "single.png")))
	if err != nil || img.Bounds().Dx() != 80 {
		t.Fatalf("-spec crop: %v %v", img, err)
	}

	// An unreadable file fails the run after the others are done.
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\n"), 0o644)
	stderr.Reset()
	if code := run([]string{"crop", "-out", filepath.Join(dir, "out3"), bad, single}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "1 of 2 images cropped") {
		t.Fatalf("unreadable: exit %d: %s", code, stderr.String())
	}
	// Two inputs that map to one output are refused before anything is written.
	stderr.Reset()
	if code := run([]string{"crop", "-out", filepath.Join(dir, "out4"), single, single}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "would both be written") {
		t.Fatalf("duplicate: exit %d: %s", code, stderr.String())
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
