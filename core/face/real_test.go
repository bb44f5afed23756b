package face

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Tests on the real photos and webcam frames in ../shared (see shared_test.go); they skip, saying
// why, where it is absent.

// TestNUAAFaceFound runs the detector and the quality gate with their defaults on the NUAA training
// frames: a face must be found in at least 99% of them, and at least 99% of the live frames must
// pass the gate. In the browser (GOOS=js) every 5th frame is used to keep the run short.
func TestNUAAFaceFound(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	stride := 1
	if runtime.GOOS == "js" || testing.Short() {
		stride = 5
	}
	total, found := 0, 0
	for _, class := range []string{"live", "spoof"} {
		files := globFiles(t, filepath.Join("data", "nuaa-train", class, "*", "*.jpg"))
		n, f, ok := 0, 0, 0
		for i := 0; i < len(files); i += stride {
			img := loadImage(t, files[i])
			faces, err := d.Detect(mustFrame(img))
			if err != nil {
				t.Fatal(err)
			}
			n++
			if len(faces) > 0 {
				f++
			}
			q, err := checkQuality(mustFrame(img), faces, QualityOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if q.OK {
				ok++
			}
		}
		t.Logf("NUAA %s: face found in %d of %d frames (%.2f%%); %.2f%% pass the quality gate",
			class, f, n, 100*float64(f)/float64(n), 100*float64(ok)/float64(n))
		if class == "live" && float64(ok) < 0.99*float64(n) {
			t.Errorf("only %d of %d live frames pass the quality gate, want ≥ 99%%", ok, n)
		}
		total += n
		found += f
	}
	rate := float64(found) / float64(total)
	t.Logf("NUAA training frames: face found in %d of %d (%.2f%%)", found, total, 100*rate)
	if rate < 0.99 {
		t.Fatalf("face found in %.2f%% of NUAA frames, want ≥ 99%%", 100*rate)
	}
}

// TestFacePhotos finds a face in every ordinary photo; the files Decode cannot read (one WebP
// named .jpg) must fail with a typed error, not a panic.
func TestFacePhotos(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	files := globFiles(t, filepath.Join("data", "faces", "*", "*.jpg"))
	decoded := 0
	for _, f := range files {
		img, err := decodeFile(f)
		if err != nil {
			var ie *ImageError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a JPEG or PNG") {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
			t.Logf("%s: %v (skipped)", filepath.Base(f), err)
			continue
		}
		decoded++
		faces, err := d.Detect(mustFrame(img))
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) == 0 {
			t.Errorf("%s (%v): no face found", filepath.Base(f), img.Rect.Size())
		}
	}
	t.Logf("%d photos decoded, each with a face", decoded)
}
