package face

import (
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bonafide-pad/bonafide/internal/facetest"
)

func noisy(src *image.RGBA, sigma float64, rng *rand.Rand) *image.RGBA {
	return mapPixels(src, func(r, g, b float64) (float64, float64, float64) {
		return r + rng.NormFloat64()*sigma, g + rng.NormFloat64()*sigma, b + rng.NormFloat64()*sigma
	})
}

func newTracker(t testing.TB, o TrackerOptions) *Tracker {
	t.Helper()
	tr, err := NewTracker(newDetector(t, PigoOptions{}), o)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func stdDev(v []float64) float64 {
	var m, s float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(v)))
}

// TestTrackerSteadiesAStillFace feeds a face that shakes in place: each frame draws it with its
// centre moved by a known random offset (σ = 4 px each way) and its side scaled by up to ±4%, under
// sensor noise, so the per-frame detections jitter by construction (the test checks that they
// follow the drawn face). The tracked box must move much less than the detections do, with either
// detector.
func TestTrackerSteadiesAStillFace(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Detector
	}{{"blazeface", newBlazeFace(t, false)}, {"pigo", newDetector(t, PigoOptions{})}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			tr, err := NewTracker(tc.d, TrackerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var drawnX, rawX, rawS, trX, trS []float64
			for i := range 40 {
				cx, side := 320+4*rng.NormFloat64(), 160*(1+0.04*(2*rng.Float64()-1))
				img := mustFrame(noisy(facetest.FaceOnWall(640, 480, cx, 240+4*rng.NormFloat64(), side, 0), 6, rng))
				tf, err := tr.Track(img)
				if err != nil || len(tf) == 0 {
					t.Fatalf("frame %d: %v, %v", i, tf, err)
				}
				x, _ := tf[0].Center()
				tx, ts := x, tf[0].W
				// The tracker owns the detector's buffers only during Track: a plain Detect
				// between frames is allowed and gives the raw box.
				raw, err := tc.d.Detect(img)
				if err != nil || len(raw) == 0 {
					t.Fatalf("frame %d: detect %v, %v", i, raw, err)
				}
				if i < 5 {
					continue // let the filter settle
				}
				x, _ = raw[0].Center()
				drawnX, rawX, rawS = append(drawnX, cx), append(rawX, x), append(rawS, raw[0].W)
				trX, trS = append(trX, tx), append(trS, ts)
			}
			t.Logf("centre x std: drawn %.2f px, detected %.2f px, tracked %.2f px; side std: detected %.2f px, tracked %.2f px",
				stdDev(drawnX), stdDev(rawX), stdDev(trX), stdDev(rawS), stdDev(trS))
			if stdDev(rawX) < 0.5*stdDev(drawnX) {
				t.Fatalf("the detections do not follow the drawn face")
			}
			if stdDev(trX) > 0.5*stdDev(rawX) || stdDev(trS) > 0.6*stdDev(rawS) {
				t.Fatalf("tracker does not steady the box enough")
			}
		})
	}
}

// TestTrackerFollowsAMovingFace moves a face across the frame at 4 px per frame (120 px/s at
// 30 fps): the smoothed box must stay close to it.
func TestTrackerFollowsAMovingFace(t *testing.T) {
	tr := newTracker(t, TrackerOptions{})
	const side = 140
	for i := range 40 {
		cx := 200 + 4*float64(i)
		tf, err := tr.Track(mustFrame(facetest.Face(640, 480, cx, 240, side, 0)))
		if err != nil || len(tf) == 0 {
			t.Fatalf("frame %d: %v, %v", i, tf, err)
		}
		x, y := tf[0].Center()
		if i > 5 && math.Hypot(x-cx, y-240) > 0.12*side {
			t.Fatalf("frame %d: tracked centre (%.1f, %.1f), face at (%.0f, 240)", i, x, y, cx)
		}
	}
}

func TestTrackerLosesAndFindsAgain(t *testing.T) {
	tr := newTracker(t, TrackerOptions{RedetectEvery: 4})
	face := facetest.Face(640, 480, 320, 240, 150, 0)
	empty := paint(640, 480, [3]uint8{90, 100, 110}, [3]uint8{}, image.Rectangle{})
	steps := []struct {
		img   *image.RGBA
		faces int
	}{{face, 1}, {face, 1}, {empty, 0}, {empty, 0}, {face, 1}}
	for i, s := range steps {
		tf, err := tr.Track(mustFrame(s.img))
		if err != nil || len(tf) != s.faces {
			t.Fatalf("step %d: %d faces (%v), want %d", i, len(tf), err, s.faces)
		}
	}
	// A second person walking in is reported within RedetectEvery frames.
	two := facetest.Face(640, 480, 200, 240, 150, 0)
	other := facetest.Face(640, 480, 520, 200, 130, 0)
	for y := 100; y < 320; y++ {
		copy(two.Pix[y*two.Stride+4*420:y*two.Stride+4*630], other.Pix[y*other.Stride+4*420:y*other.Stride+4*630])
	}
	tr.Reset()
	tr.Track(mustFrame(facetest.Face(640, 480, 200, 240, 150, 0)))
	seen := false
	for range 5 {
		tf, err := tr.Track(mustFrame(two))
		if err != nil {
			t.Fatal(err)
		}
		if len(tf) == 2 {
			seen = true
			x, _ := tf[0].Center()
			if math.Abs(x-200) > 20 {
				t.Fatalf("tracked face is not first: %+v", tf)
			}
		}
	}
	if !seen {
		t.Fatal("second face never reported")
	}
}

// TestTrackerJumpsToANewFace: when the tracked face is gone and another one is found, the box is
// the new face's, not a glide from the old one.
func TestTrackerJumpsToANewFace(t *testing.T) {
	tr := newTracker(t, TrackerOptions{})
	for range 5 {
		tr.Track(mustFrame(facetest.Face(640, 480, 160, 240, 140, 0)))
	}
	got, err := tr.Track(mustFrame(facetest.Face(640, 480, 480, 240, 140, 0)))
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %v", got, err)
	}
	raw, _ := tr.d.Detect(mustFrame(facetest.Face(640, 480, 480, 240, 140, 0)))
	if got[0].Box != raw[0].Box {
		t.Fatalf("tracked %+v, want the new face's raw box %+v", got[0].Box, raw[0].Box)
	}
}

func TestTrackerTimestamps(t *testing.T) {
	tr := newTracker(t, TrackerOptions{})
	d := tr.d
	a := facetest.Face(640, 480, 300, 240, 150, 0)
	b := facetest.Face(640, 480, 340, 240, 150, 0)
	if _, err := tr.TrackAt(mustFrame(a), time.Second); err != nil {
		t.Fatal(err)
	}
	// Going back in time restarts the smoothing: the box is the raw detection.
	got, err := tr.TrackAt(mustFrame(b), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := d.Detect(mustFrame(b))
	if got[0].Box != raw[0].Box {
		t.Fatalf("after a repeated timestamp got %+v, want the raw %+v", got[0].Box, raw[0].Box)
	}
	// A new frame size restarts it too.
	small := facetest.Face(320, 240, 160, 120, 80, 0)
	got, err = tr.TrackAt(mustFrame(small), 2*time.Second)
	raw, _ = d.Detect(mustFrame(small))
	if err != nil || len(got) == 0 || got[0].Box != raw[0].Box {
		t.Fatalf("after a size change got %+v (%v), want the raw %+v", got, err, raw)
	}
	if _, err := tr.Track(nil); err == nil {
		t.Fatal("nil frame accepted")
	}
}

func TestTrackerOptions(t *testing.T) {
	d := newDetector(t, PigoOptions{})
	if _, err := NewTracker(nil, TrackerOptions{}); err == nil {
		t.Fatal("nil detector accepted")
	}
	for _, o := range []TrackerOptions{{Region: 0.5}, {SizeRange: 1}, {FPS: -1}, {MinCutoff: math.NaN()}, {Beta: -1}, {DCutoff: 1e9}} {
		_, err := NewTracker(d, o)
		var oe *OptionError
		if !errors.As(err, &oe) {
			t.Errorf("%+v: err = %v, want *OptionError", o, err)
		}
	}
}
