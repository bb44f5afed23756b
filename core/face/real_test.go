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

// TestNUAAFaceFound runs each detector and the quality gate with their defaults on the NUAA training
// frames: the share of frames with a face, and of live frames that pass the gate, must reach the
// detector's floor. pigo runs on every frame natively, BlazeFace on every 3rd (both on every 15th in
// the browser, and with -short); scripts/facetune count measures every frame for the README.
//
// BlazeFace's live pass rate is lower than pigo's for a good reason: it also finds the second person
// behind some subjects (0001, 0004, 0006, 0007: looked at), which the gate reports as
// multiple_faces (0.9% of the live frames).
func TestNUAAFaceFound(t *testing.T) {
	for _, tc := range []struct {
		name            string
		d               Detector
		stride          int
		found, livePass float64
	}{
		{"pigo", newDetector(t, PigoOptions{}), 1, 0.99, 0.99},
		// 98.74% of all live frames pass (scripts/facetune quality); every 15th gives 97.4%.
		{"blazeface", newBlazeFace(t, false), 3, 0.999, 0.97},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stride := tc.stride
			if runtime.GOOS == "js" || testing.Short() {
				stride = 15
			}
			total, found := 0, 0
			for _, class := range []string{"live", "spoof"} {
				files := globFiles(t, filepath.Join("data", "nuaa-train", class, "*", "*.jpg"))
				n, f, ok := 0, 0, 0
				for i := 0; i < len(files); i += stride {
					img := mustFrame(loadImage(t, files[i]))
					faces, err := tc.d.Detect(img)
					if err != nil {
						t.Fatal(err)
					}
					n++
					if len(faces) > 0 {
						f++
					}
					q, err := checkQuality(img, faces, QualityOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if q.OK {
						ok++
					}
				}
				t.Logf("NUAA %s: face found in %d of %d frames (%.2f%%); %.2f%% pass the quality gate",
					class, f, n, 100*float64(f)/float64(n), 100*float64(ok)/float64(n))
				if class == "live" && float64(ok) < tc.livePass*float64(n) {
					t.Errorf("only %d of %d live frames pass the quality gate, want ≥ %.1f%%", ok, n, 100*tc.livePass)
				}
				total += n
				found += f
			}
			rate := float64(found) / float64(total)
			t.Logf("NUAA training frames: face found in %d of %d (%.2f%%)", found, total, 100*rate)
			if rate < tc.found {
				t.Fatalf("face found in %.2f%% of NUAA frames, want ≥ %.1f%%", 100*rate, 100*tc.found)
			}
		})
	}
}

// TestReplayLiveFaceFound: BlazeFace finds the face in at least 99% of the live frames of each
// capture source in ../shared/data/replay (other rooms, webcams and people than NUAA's; pigo misses
// a quarter of two of them: see the README). Every 3rd frame (every 15th in the browser).
func TestReplayLiveFaceFound(t *testing.T) {
	d := newBlazeFace(t, false)
	stride := 3
	if runtime.GOOS == "js" || testing.Short() {
		stride = 15
	}
	sources, _ := filepath.Glob(filepath.Join(sharedDir(t), "data", "replay", "*"))
	if len(sources) == 0 {
		t.Skip("no replay sources in the shared data")
	}
	for _, src := range sources {
		files := globFiles(t, filepath.Join("data", "replay", filepath.Base(src), "live", "*.jpg"))
		n, f := 0, 0
		for i := 0; i < len(files); i += stride {
			faces, err := d.Detect(mustFrame(loadImage(t, files[i])))
			if err != nil {
				t.Fatal(err)
			}
			n++
			if len(faces) > 0 {
				f++
			}
		}
		t.Logf("%s live: face found in %d of %d", filepath.Base(src), f, n)
		if float64(f) < 0.99*float64(n) {
			t.Errorf("%s live: face found in %d of %d frames, want ≥ 99%%", filepath.Base(src), f, n)
		}
	}
}

// TestFacePhotos finds a face in every ordinary photo with each detector; the files Decode cannot
// read (one WebP named .jpg) must fail with a typed error, not a panic. Each photo is decoded once
// for both detectors: in the browser, reading and decoding the 69 photos (some 1920 px) is most of
// this test's time.
func TestFacePhotos(t *testing.T) {
	detectors := []Detector{newDetector(t, PigoOptions{}), newBlazeFace(t, false)}
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
		fr := mustFrame(img)
		for _, d := range detectors {
			faces, err := d.Detect(fr)
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) == 0 {
				t.Errorf("%T: %s (%v): no face found", d, filepath.Base(f), img.Rect.Size())
			}
		}
	}
	t.Logf("%d photos decoded, each with a face for %d detectors", decoded, len(detectors))
}
