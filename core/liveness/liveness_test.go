package liveness

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bonafide-pad/bonafide"
	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
	"github.com/bonafide-pad/bonafide/internal/sharedtest"
	"github.com/bonafide-pad/bonafide/models"
)

// pyramidProfile describes the Pyramid-Supervision-style test net (core/model/testdata/nets), which
// carries no bonafide metadata.
func pyramidProfile() *Profile {
	return &Profile{Kind: KindPyramidBinary, Crop: face.CropSpec{Width: 128, Height: 128, Scale: 1.5, Square: true,
		Std: [3]float32{58, 57, 57}, Mean: [3]float32{124, 116, 104}}, Score: "score",
		Maps: []MapSpec{{"8x8", "map8"}, {"4x4", "map4"}, {"2x2", "map2"}}, Threshold: 0.5}
}

func testModel(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "model", "testdata", "nets", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadImage(t testing.TB, path string) *face.Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := face.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// frameOf checks img as a caller does.
func frameOf(t testing.TB, img *image.RGBA) *face.Frame {
	t.Helper()
	f, err := face.NewFrame(img)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestProfileFromMetadata(t *testing.T) {
	good := map[string]string{
		KeyKind: KindPyramidBinary, KeyCrop: "size=128x128 scale=1.5 square=true", KeyScore: "score",
		KeyMaps: "8x8:map8, 4x4:map4", KeyThreshold: "0.42", KeyMapRegion: MapRegionFace,
	}
	p, err := ProfileFromMetadata(good)
	if err != nil {
		t.Fatal(err)
	}
	if p.Threshold != 0.42 || len(p.Maps) != 2 || p.Maps[1] != (MapSpec{"4x4", "map4"}) || p.Crop.Width != 128 || !p.Crop.Square ||
		p.MapRegion != MapRegionFace {
		t.Fatalf("profile %+v", p)
	}
	tests := []struct {
		name  string
		edit  func(map[string]string)
		field string
	}{
		{"no metadata", func(m map[string]string) { delete(m, KeyKind) }, KeyKind},
		{"no crop", func(m map[string]string) { delete(m, KeyCrop) }, KeyCrop},
		{"bad crop", func(m map[string]string) { m[KeyCrop] = "size=0x0 scale=1" }, KeyCrop},
		{"bad threshold", func(m map[string]string) { m[KeyThreshold] = "high" }, KeyThreshold},
		{"bad maps", func(m map[string]string) { m[KeyMaps] = "8x8" }, KeyMaps},
		{"bad map region", func(m map[string]string) { m[KeyMapRegion] = "neck" }, KeyMapRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := map[string]string{}
			for k, v := range good {
				meta[k] = v
			}
			tt.edit(meta)
			_, err := ProfileFromMetadata(meta)
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.Field != tt.field || errs.KindOf(err) != errs.Model {
				t.Fatalf("err = %v, want a ProfileError (kind model) on %s", err, tt.field)
			}
		})
	}
}

// TestModelVersion: the model-version rule (checkVersion). The release's major version is read
// from VERSION, so the cases are built from it rather than written down.
func TestModelVersion(t *testing.T) {
	release := bonafide.Version()
	major, minor, _, err := bonafide.ParseVersion(release)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		version string
		ok      bool
	}{
		{release, true},
		{"", true}, // a model that predates the key
		{fmt.Sprintf("%d.%d.%d", major, minor+1, 0), true}, // a newer minor: the contract only gains keys
		{fmt.Sprintf("%d.0.0-rc.1", major), true},          // a pre-release of this major version
		{"0.0.0-test", true},                               // never released: test nets
		{"0.0.0-untrained", true},                          // never released: architecture checks
		{fmt.Sprintf("%d.0.0", major+1), false},            // the next major version
		{fmt.Sprintf("%d.9.9", major+7), false},            // any other
		{"dev-pyramid-untrained (random weights)", false},  // not a version
		{"1.0", false},
		{" " + release, false},
	}
	if major > 1 {
		tests = append(tests, struct {
			version string
			ok      bool
		}{fmt.Sprintf("%d.0.0", major-1), false})
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			meta := map[string]string{KeyKind: KindPyramidBinary, KeyCrop: "size=128x128 scale=1.5 square=true", KeyScore: "score"}
			if tt.version != "" {
				meta[KeyVersion] = tt.version
			}
			p, err := ProfileFromMetadata(meta)
			if tt.ok {
				if err != nil || p.Version != tt.version {
					t.Fatalf("ProfileFromMetadata: %v (version %q), want the model to load", err, p.Version)
				}
				return
			}
			var ve *VersionError
			if !errors.As(err, &ve) || ve.Model != tt.version || ve.Release != release {
				t.Fatalf("err = %v, want a *VersionError for %q", err, tt.version)
			}
			if msg := err.Error(); !strings.Contains(msg, release) || !strings.Contains(msg, fmt.Sprintf("%d.x", major)) {
				t.Errorf("message %q should name this release and the major version it reads", msg)
			}
		})
	}
	// Through New, the error reaches the caller as it is.
	meta := map[string]string{KeyKind: KindPyramidBinary, KeyCrop: "size=128x128 scale=1.5 square=true", KeyScore: "score",
		KeyVersion: fmt.Sprintf("%d.0.0", major+1)}
	if _, err := New(Config{FaceModel: models.BlazeFaceFront, Model: withMetadata(t, testModel(t, "pyramid_128.onnx"), meta)}); !errors.As(err, new(*VersionError)) {
		t.Fatalf("New: %v, want a *VersionError", err)
	}
}

func TestNewErrors(t *testing.T) {
	net := testModel(t, "pyramid_128.onnx")
	bad := func(edit func(*Profile)) *Profile { p := pyramidProfile(); edit(p); return p }
	tests := []struct {
		name string
		cfg  Config
		want string
		kind errs.Kind
	}{
		{"no model", Config{}, "no model", errs.Config},
		{"no metadata", Config{FaceModel: models.BlazeFaceFront, Model: net}, "no bonafide metadata", errs.Model},
		{"crop does not fit input", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: bad(func(p *Profile) { p.Crop.Width = 64 })}, "needs [1 3 128 64]", errs.Model},
		{"missing score output", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: bad(func(p *Profile) { p.Score = "nope" })}, `no output "nope"`, errs.Model},
		{"map of wrong size", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: bad(func(p *Profile) { p.Maps = []MapSpec{{"4x4", "map8"}} })}, "has 64 elements, want 16", errs.Model},
		{"unknown kind", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: bad(func(p *Profile) { p.Kind = "magic" })}, "unknown model kind", errs.Model},
		// Once accepted: w·h overflowed to 1, and the first frame panicked making the map.
		{"map label that overflows", Config{FaceModel: models.BlazeFaceFront, Model: net,
			Profile: bad(func(p *Profile) { p.Maps = []MapSpec{{"9223372036854775807x9223372036854775807", "score"}} })}, "more than 67108864 elements", errs.Model},
		{"unknown map region", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: bad(func(p *Profile) { p.MapRegion = "neck" })}, "neither", errs.Model},
		{"threshold", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: pyramidProfile(), Threshold: 2}, "outside [0,1]", errs.Config},
		// Once silently replaced by the model's threshold.
		{"negative threshold", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: pyramidProfile(), Threshold: -0.5}, "outside [0,1]", errs.Config},
		{"NaN threshold", Config{FaceModel: models.BlazeFaceFront, Model: net, Profile: pyramidProfile(), Threshold: math.NaN()}, "outside [0,1]", errs.Config},
		{"bad model", Config{FaceModel: models.BlazeFaceFront, Model: []byte("junk")}, "malformed", errs.Model},
		// Once accepted: the first reference score divided by the dimension, 0.
		{"embedding of dimension 0", Config{FaceModel: models.BlazeFaceFront, Model: withEmptyOutput(t, net, "emb"),
			Profile: bad(func(p *Profile) { p.Kind = KindPatchNet; p.Embedding = "emb" })}, "neither 0", errs.Model},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if k := errs.KindOf(err); k != tt.kind {
				t.Fatalf("err = %v (%T) has kind %v, want %v", err, err, k, tt.kind)
			}
		})
	}
}

// TestNoFace analyses a frame without a face: no score, no decision, the no_face reason.
func TestNoFace(t *testing.T) {
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile()})
	if err != nil {
		t.Fatal(err)
	}
	pix := make([]byte, 4*640*480)
	for i := range pix {
		pix[i] = uint8(i * 7 % 251)
	}
	img, err := face.FrameRGBA(pix, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Analyze(img)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scored || r.Live || !math.IsNaN(r.Score) || r.Face != nil || !r.Quality.Has(face.NoFace) {
		t.Fatalf("result %+v", r)
	}
	for _, m := range r.Maps {
		if m.Data != nil {
			t.Errorf("map %s has data without a face", m.Label)
		}
	}
}

// TestAnalyzePhoto runs the whole pipeline on a real photo: a face is found, scored, mapped and
// timed.
func TestAnalyzePhoto(t *testing.T) {
	img := loadImage(t, filepath.Join(sharedtest.Dir(t), "data", "faces", "deepface-tests", "img1.jpg"))
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Analyze(img)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scored || r.Face == nil || r.Score < 0 || r.Score > 1 {
		t.Fatalf("result %+v", r)
	}
	if len(r.Maps) != 3 || len(r.Maps[0].Data) != 64 || len(r.Maps[2].Data) != 4 {
		t.Fatalf("maps %+v", r.Maps)
	}
	if r.Timings.Total <= 0 || r.Timings.Total < r.Timings.Infer {
		t.Errorf("timings %+v", r.Timings)
	}
	if r.Live != (r.Quality.OK && r.Score >= r.Threshold) {
		t.Errorf("Live = %v with quality %v, score %v, threshold %v", r.Live, r.Quality.OK, r.Score, r.Threshold)
	}
	win := r.Crop.Window
	if win.Empty() || !win.Overlaps(img.Bounds()) {
		t.Errorf("crop window %v", win)
	}
}

// TestAnalyzeCroppedWholeImage scores an image as a crop: no detection, no quality gate, the window
// is the whole image (also for a sub-image whose bounds do not start at the origin), and the maps
// and decision are filled as for a frame.
func TestAnalyzeCroppedWholeImage(t *testing.T) {
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile()})
	if err != nil {
		t.Fatal(err)
	}
	big := image.NewRGBA(image.Rect(0, 0, 300, 260))
	for i := range big.Pix {
		big.Pix[i] = uint8(i * 7 % 251)
	}
	for _, tt := range []struct {
		name string
		img  *image.RGBA
	}{
		{"whole", big},
		{"sub-image", big.SubImage(image.Rect(40, 30, 240, 280)).(*image.RGBA)},
		{"small", big.SubImage(image.Rect(0, 0, 20, 17)).(*image.RGBA)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.AnalyzeCropped(frameOf(t, tt.img))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Scored || r.Face != nil || r.Faces != nil || !r.Quality.OK || r.Score < 0 || r.Score > 1 {
				t.Fatalf("result %+v", r)
			}
			if r.Crop.Window != tt.img.Rect || r.Crop.Width != 128 || r.Crop.Height != 128 {
				t.Errorf("crop %+v, want the window %v", r.Crop, tt.img.Rect)
			}
			if len(r.Maps) != 3 || len(r.Maps[0].Data) != 64 {
				t.Fatalf("maps %+v", r.Maps)
			}
			if r.Live != (r.Score >= r.Threshold) {
				t.Errorf("Live = %v with score %v, threshold %v", r.Live, r.Score, r.Threshold)
			}
		})
	}
	// A frame after a crop starts clean: no maps, no score when no face is found.
	r, err := c.Analyze(frameOf(t, image.NewRGBA(image.Rect(0, 0, 64, 64))))
	if err != nil {
		t.Fatal(err)
	}
	if r.Scored || r.Maps[0].Data != nil {
		t.Errorf("frame after a crop: %+v", r)
	}
	// Once a panic on the frame's bounds.
	if _, err := c.AnalyzeCropped(nil); errs.KindOf(err) != errs.Frame {
		t.Errorf("AnalyzeCropped(nil): err = %v, want a frame error", err)
	}
}

// TestAnalyzeCroppedMatchesAnalyze cuts the window Analyze used out of the frame and scores it as a
// crop: the model sees the same pixels (the resampling is relative to the window), so the score and
// maps must agree.
func TestAnalyzeCroppedMatchesAnalyze(t *testing.T) {
	img := loadImage(t, filepath.Join(sharedtest.Dir(t), "data", "faces", "deepface-tests", "img1.jpg"))
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Analyze(img)
	if err != nil || !r.Scored {
		t.Fatalf("frame: %v %+v", err, r)
	}
	win := r.Crop.Window
	if !win.In(img.Bounds()) {
		t.Skipf("the crop window %v leaves the image %v", win, img.Bounds())
	}
	score := r.Score
	map8 := append([]float32(nil), r.Maps[0].Data...)
	rc, err := c.AnalyzeCropped(frameOf(t, img.RGBA().SubImage(win).(*image.RGBA)))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rc.Score-score) > 1e-6 {
		t.Errorf("crop score %v, frame score %v", rc.Score, score)
	}
	for i, v := range rc.Maps[0].Data {
		if math.Abs(float64(v-map8[i])) > 1e-6 {
			t.Fatalf("map8[%d] = %v from the crop, %v from the frame", i, v, map8[i])
		}
	}
}

// TestMiniFASNetOnNUAA runs the real third-party model through the pipeline on NUAA frames of one
// subject: live frames should mostly score live and printed photos mostly spoof.
func TestMiniFASNetOnNUAA(t *testing.T) {
	shared := sharedtest.Dir(t)
	data, err := os.ReadFile(sharedtest.File(t, "models", "minifasnet-v2-80x80.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	p := MiniFASNetV2Profile()
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: data, Profile: &p, Quality: face.QualityOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	rate := func(kind string) float64 {
		files, _ := filepath.Glob(filepath.Join(shared, "data", "nuaa-train", kind, "0002", "*.jpg"))
		if len(files) > 20 {
			files = files[:20]
		}
		live, scored := 0, 0
		for _, f := range files {
			r, err := c.Analyze(loadImage(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if r.Scored {
				scored++
				if r.Score >= r.Threshold {
					live++
				}
			}
		}
		if scored == 0 {
			t.Fatalf("no %s frame was scored", kind)
		}
		return float64(live) / float64(scored)
	}
	liveRate, spoofRate := rate("live"), rate("spoof")
	t.Logf("MiniFASNetV2 on NUAA subject 0002: %.0f%% of live frames and %.0f%% of print attacks score live", 100*liveRate, 100*spoofRate)
	if liveRate < 0.8 || spoofRate > 0.2 {
		t.Errorf("live %.2f, spoof %.2f: the pipeline does not separate live from print", liveRate, spoofRate)
	}
}

func TestSession(t *testing.T) {
	usable := func(s float64) *Result { return &Result{Scored: true, Score: s, Quality: face.Quality{OK: true}} }
	blurry := &Result{Scored: true, Score: 0.9, Quality: face.Quality{Reasons: []face.Reason{{Code: face.Blurry}}}}
	none := &Result{Score: math.NaN(), Quality: face.Quality{Reasons: []face.Reason{{Code: face.NoFace}}}}
	tests := []struct {
		name   string
		frames []*Result
		want   string
		best   int // -1: no evidence
	}{
		{"live", []*Result{usable(0.9), usable(0.8), usable(0.95)}, DecisionLive, 2},
		{"spoof", []*Result{usable(0.1), usable(0.2), usable(0.05)}, DecisionSpoof, 2},
		{"median ignores one outlier", []*Result{usable(0.9), usable(0.05), usable(0.8)}, DecisionLive, 0},
		{"ties keep the first", []*Result{usable(0.9), usable(0.9), usable(0.7)}, DecisionLive, 0},
		{"pending", []*Result{usable(0.9), blurry}, DecisionPending, -1},
		{"retake", []*Result{blurry, none, blurry, none, blurry}, DecisionRetake, -1},
		{"unusable frames do not count", []*Result{blurry, usable(0.1), blurry, usable(0.2), usable(0.3)}, DecisionSpoof, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Checker{thresh: 0.5}
			s, err := c.NewSession(SessionOptions{MinFrames: 3, MaxFrames: 5})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.frames {
				s.add(f, nil)
			}
			v := s.Verdict()
			if v.Decision != tt.want || (v.Best == nil) != (tt.best < 0) || (v.Best != nil && v.Best.Frame != tt.best) {
				t.Fatalf("verdict %+v (best %+v), want %s with best frame %d", v, v.Best, tt.want, tt.best)
			}
			if v.Best != nil && v.Best.Score != tt.frames[tt.best].Score {
				t.Errorf("best score %v, frame %d scored %v", v.Best.Score, tt.best, tt.frames[tt.best].Score)
			}
			if len(v.FrameScores) != len(tt.frames) || v.Frames != len(tt.frames) {
				t.Errorf("%d frame scores for %d frames (Frames %d)", len(v.FrameScores), len(tt.frames), v.Frames)
			}
			for i, f := range tt.frames {
				if got := v.FrameScores[i]; got != f.Score && !(math.IsNaN(got) && math.IsNaN(f.Score)) {
					t.Errorf("FrameScores[%d] = %v, want %v", i, got, f.Score)
				}
			}
			if tt.want == DecisionRetake && (len(v.Reasons) == 0 || v.Reasons[0] != face.Blurry) {
				t.Errorf("reasons %v, want blurry first", v.Reasons)
			}
		})
	}
}

// TestSessionDecided: frames after the verdict do not join the session: a retake stays a retake, and
// the session holds no more than MaxFrames frames however long a caller goes on.
func TestSessionDecided(t *testing.T) {
	usable := &Result{Scored: true, Score: 0.9, Quality: face.Quality{OK: true}}
	none := &Result{Score: math.NaN(), Quality: face.Quality{Reasons: []face.Reason{{Code: face.NoFace}}}}
	tests := []struct {
		name   string
		first  []*Result // reach the verdict
		then   *Result   // sent many times after it
		want   string
		frames int
	}{
		{"retake stays retake", []*Result{none, none, none, none}, usable, DecisionRetake, 4},
		{"live stays on its frames", []*Result{usable, none, usable}, none, DecisionLive, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := (&Checker{thresh: 0.5}).NewSession(SessionOptions{MinFrames: 2, MaxFrames: 4})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.first {
				s.add(f, nil)
			}
			if !s.Done() {
				t.Fatalf("not decided after %d frames: %+v", len(tt.first), s.Verdict())
			}
			for range 1000 {
				s.add(tt.then, nil)
			}
			v := s.Verdict()
			if v.Decision != tt.want || v.Frames != tt.frames || len(v.FrameScores) != tt.frames || len(s.all) != tt.frames {
				t.Fatalf("after 1000 more frames: %s with %d frames (%d scores kept), want %s with %d", v.Decision, v.Frames, len(s.all), tt.want, tt.frames)
			}
		})
	}
}

// TestSessionThreshold: a session judges against the Checker's threshold as it is at each verdict,
// unless its options set one.
func TestSessionThreshold(t *testing.T) {
	c := &Checker{thresh: 0.5}
	own, err := c.NewSession(SessionOptions{MinFrames: 1, Threshold: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession(SessionOptions{MinFrames: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Scored: true, Score: 0.7, Quality: face.Quality{OK: true}}
	s.add(r, nil)
	own.add(r, nil)
	if v := s.Verdict(); v.Decision != DecisionLive || v.Threshold != 0.5 {
		t.Errorf("at the checker's 0.5: %+v", v)
	}
	if err := c.SetThreshold(0.8); err != nil {
		t.Fatal(err)
	}
	if v := s.Verdict(); v.Decision != DecisionSpoof || v.Threshold != 0.8 {
		t.Errorf("after SetThreshold(0.8): %+v", v)
	}
	if v := own.Verdict(); v.Decision != DecisionSpoof || v.Threshold != 0.9 {
		t.Errorf("with its own 0.9: %+v", v)
	}
}

func TestSessionOptions(t *testing.T) {
	tests := []struct {
		name          string
		checker, sess SessionOptions
		want          SessionOptions // zero: an error
	}{
		{"defaults", SessionOptions{}, SessionOptions{}, SessionOptions{MinFrames: DefaultMinFrames, MaxFrames: DefaultMaxFrames}},
		{"the checker's", SessionOptions{MinFrames: 2, MaxFrames: 4, Threshold: 0.6}, SessionOptions{}, SessionOptions{MinFrames: 2, MaxFrames: 4, Threshold: 0.6}},
		{"the session's over the checker's", SessionOptions{MinFrames: 2, MaxFrames: 4}, SessionOptions{MaxFrames: 9, Threshold: 0.3}, SessionOptions{MinFrames: 2, MaxFrames: 9, Threshold: 0.3}},
		{"more usable frames than the default maximum", SessionOptions{}, SessionOptions{MinFrames: 40}, SessionOptions{MinFrames: 40, MaxFrames: 40}},
		{"min over max", SessionOptions{}, SessionOptions{MinFrames: 5, MaxFrames: 2}, SessionOptions{}},
		{"negative", SessionOptions{}, SessionOptions{MinFrames: -1}, SessionOptions{}},
		{"over the frame limit", SessionOptions{}, SessionOptions{MaxFrames: MaxSessionFrames + 1}, SessionOptions{}},
		{"threshold over 1", SessionOptions{}, SessionOptions{Threshold: 1.5}, SessionOptions{}},
		{"NaN threshold", SessionOptions{}, SessionOptions{Threshold: math.NaN()}, SessionOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Checker{thresh: 0.5}
			if err := c.SetSessionOptions(tt.checker); err != nil {
				t.Fatal(err)
			}
			s, err := c.NewSession(tt.sess)
			if tt.want == (SessionOptions{}) {
				var ce *ConfigError
				if !errors.As(err, &ce) || errs.KindOf(err) != errs.Config {
					t.Fatalf("got %v, %v; want a *ConfigError", s, err)
				}
				if err := c.SetSessionOptions(tt.sess); err == nil {
					t.Error("SetSessionOptions accepted what NewSession refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Options(); got != tt.want {
				t.Errorf("options %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSessionAnalyze runs a session on synthetic video frames of one face: the verdict comes
// from the frames analysed, and its evidence carries the pixels of the window the model saw.
func TestSessionAnalyze(t *testing.T) {
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile(),
		Track: true, Quality: face.QualityOptions{Skip: face.Codes()}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession(SessionOptions{MinFrames: 3, MaxFrames: 6})
	if err != nil {
		t.Fatal(err)
	}
	var (
		v      Verdict
		scores []float64
		crops  []face.CropInfo
		frames []*face.Frame
	)
	for i := 0; i < 6 && v.Decision != DecisionLive && v.Decision != DecisionSpoof; i++ {
		img := frameOf(t, facetest.Face(320, 240, 160+float64(i), 120, 110, 0))
		var r *Result
		if r, v, err = s.AnalyzeAt(img, time.Duration(i)*33*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		scores, crops, frames = append(scores, r.Score), append(crops, r.Crop), append(frames, img)
	}
	if v.Decision == DecisionPending || v.Decision == DecisionRetake {
		t.Fatalf("no decision on a clear synthetic face: %+v", v)
	}
	b := v.Best
	if b == nil || b.Frame < 0 || b.Frame >= len(scores) || b.Score != scores[b.Frame] || b.Crop != crops[b.Frame] {
		t.Fatalf("evidence %+v, frame scores %v", b, scores)
	}
	win := b.Crop.Window.Intersect(frames[b.Frame].Bounds())
	if b.Image == nil || b.Image.Rect.Dx() != win.Dx() || b.Image.Rect.Dy() != win.Dy() {
		t.Fatalf("evidence image %v, window %v", b.Image.Bounds(), win)
	}
	src := frames[b.Frame].RGBA()
	for _, p := range []image.Point{{0, 0}, {win.Dx() - 1, win.Dy() - 1}, {win.Dx() / 2, win.Dy() / 3}} {
		if got, want := b.Image.RGBAAt(p.X, p.Y), src.RGBAAt(win.Min.X+p.X, win.Min.Y+p.Y); got != want {
			t.Errorf("evidence pixel %v = %v, the frame has %v", p, got, want)
		}
	}
	if _, _, err := s.AnalyzeAt(frames[0], -time.Millisecond); errs.KindOf(err) != errs.Config {
		t.Errorf("a negative timestamp: %v", err)
	}
}

func TestReferenceNeedsEmbeddings(t *testing.T) {
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"), Profile: pyramidProfile()})
	if err != nil {
		t.Fatal(err)
	}
	img, err := face.FrameRGBA(make([]byte, 4*64*64), 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enroll(img); !errors.Is(err, ErrNoEmbedding) || errs.KindOf(err) != errs.Unsupported {
		t.Fatalf("err = %v, want ErrNoEmbedding", err)
	}
}

func TestReferenceScore(t *testing.T) {
	ref := [][]float32{{1, 0}, {0, 1}}
	if s := referenceScore([]float32{1, 0, 0, 1}, 2, ref); math.Abs(s-1) > 1e-9 {
		t.Errorf("identical patches score %v, want 1", s)
	}
	if s := referenceScore([]float32{-1, 0}, 2, [][]float32{{1, 0}}); math.Abs(s) > 1e-9 {
		t.Errorf("opposite patch scores %v, want 0", s)
	}
}

// BenchmarkAnalyze is the per-frame end-to-end cost (detect, quality, crop, model, maps) on a
// 640×480 frame.
func BenchmarkAnalyze(b *testing.B) {
	shared := sharedtest.Dir(b)
	img := loadImage(b, filepath.Join(shared, "data", "nuaa-train", "live", "0001", "0001_00_00_01_0.jpg"))
	if img.Bounds().Dx() != 640 {
		b.Fatalf("frame is %v, want 640×480", img.Bounds())
	}
	c, err := New(Config{FaceModel: models.BlazeFaceFront, Model: testModel(b, "pyramid_128.onnx"), Profile: pyramidProfile(), Track: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Analyze(img); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = color.RGBA{}
var _ = model.Options{}

// TestAnalyzeAllocs holds Analyze to its allocations per frame, so that a change that makes a
// frame allocate more fails here: a still frame (full detection) and a tracked video frame, both
// with a face that is scored, with each detector. BlazeFace allocates nothing; what remains with
// pigo is its own: its cascade returns a fresh slice of hits.
func TestAnalyzeAllocs(t *testing.T) {
	img, err := face.NewFrame(facetest.Face(640, 480, 320, 240, 170, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		detector string
		track    bool
		max      float64
	}{
		{"blazeface still", DetectorBlazeFace, false, 0}, {"blazeface video", DetectorBlazeFace, true, 0},
		{"pigo still", DetectorPigo, false, analyzeAllocsStill}, {"pigo video", DetectorPigo, true, analyzeAllocsVideo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{Detector: tc.detector, FaceModel: models.BlazeFaceFront, Model: testModel(t, "pyramid_128.onnx"),
				Profile: pyramidProfile(), Track: tc.track})
			if err != nil {
				t.Fatal(err)
			}
			var r *Result
			allocs := testing.AllocsPerRun(20, func() {
				if r, err = c.Analyze(img); err != nil {
					t.Fatal(err)
				}
			})
			if !r.Scored {
				t.Fatalf("the synthetic face was not scored: %+v", r)
			}
			t.Logf("%v allocations per frame", allocs)
			if allocs > tc.max {
				t.Errorf("Analyze allocates %v times per %s frame, more than the %v it did", allocs, tc.name, tc.max)
			}
		})
	}
}

// Allocations per Analyze with pigo as measured when the test was written (go test -run
// TestAnalyzeAllocs -v ./core/liveness, natively and in Chromium): pigo's per-search hit slices,
// one per cascade run.
const (
	analyzeAllocsStill = 9
	analyzeAllocsVideo = 10
)

// withEmptyOutput returns the ONNX file with one more output, name, of shape [64, 0]: map8 (64 cells)
// reshaped to [64, 1] and sliced to no column.
func withEmptyOutput(t testing.TB, onnxBytes []byte, name string) []byte {
	t.Helper()
	m, err := onnxpb.DecodeModel(onnxBytes)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	g.Initializers = append(g.Initializers, onnxpb.NewInt64Tensor(name+"/shape", []int64{2}, []int64{64, 1}),
		onnxpb.NewInt64Tensor(name+"/zero", []int64{1}, []int64{0}), onnxpb.NewInt64Tensor(name+"/axis", []int64{1}, []int64{1}))
	g.Nodes = append(g.Nodes,
		&onnxpb.Node{Name: name + "/reshape", OpType: "Reshape", Inputs: []string{"map8", name + "/shape"}, Outputs: []string{name + "/column"}},
		&onnxpb.Node{Name: name + "/slice", OpType: "Slice", Inputs: []string{name + "/column", name + "/zero", name + "/zero", name + "/axis"}, Outputs: []string{name}})
	out := &onnxpb.ValueInfo{Name: name}
	out.SetTensorType(onnxpb.Float, []onnxpb.Dim{{Value: 64, HasValue: true}, {Value: 0, HasValue: true}})
	g.Outputs = append(g.Outputs, out)
	return m.Marshal()
}

// withMetadata returns an ONNX file with its metadata_props replaced by meta.
func withMetadata(t testing.TB, onnxBytes []byte, meta map[string]string) []byte {
	t.Helper()
	m, err := onnxpb.DecodeModel(onnxBytes)
	if err != nil {
		t.Fatal(err)
	}
	m.Metadata = m.Metadata[:0]
	for k, v := range meta {
		m.Metadata = append(m.Metadata, onnxpb.StringPair{Key: k, Value: v})
	}
	return m.Marshal()
}

// FuzzProfileFromMetadata reads arbitrary bonafide.* metadata and binds what reads to a model, as
// New does: never a panic, every error a kind-model error, and every map that binds is as large as
// its output. A map label of 9223372036854775807x9223372036854775807 once overflowed to 1 element
// and passed.
func FuzzProfileFromMetadata(f *testing.F) {
	f.Add(KindPyramidBinary, "size=128x128 scale=1.5 square=true", "score", "", "", "8x8:map8,4x4:map4", "", "0.5", "")
	f.Add(KindSoftmax, "size=80 scale=2.7 border=shift order=bgr", "", "score", "1", "", "", "", "1.0.0")
	f.Add(KindPyramidBinary, "size=128", "score", "", "", "9223372036854775807x9223372036854775807:score", "", "", "")
	f.Add(KindPatchNet, "size=128", "score", "", "", "1x1:score", "map8", "nan", "0.9")
	m, err := model.Load(testModel(f, "pyramid_128.onnx"), model.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind, crop, score, logits, liveIndex, maps, embedding, threshold, version string) {
		meta := map[string]string{KeyKind: kind, KeyCrop: crop, KeyScore: score, KeyLogits: logits, KeyLiveIndex: liveIndex,
			KeyMaps: maps, KeyEmbedding: embedding, KeyThreshold: threshold, KeyVersion: version}
		for k, v := range meta {
			if v == "" {
				delete(meta, k)
			}
		}
		p, err := ProfileFromMetadata(meta)
		if err != nil {
			if errs.KindOf(err) != errs.Model {
				t.Fatalf("ProfileFromMetadata: err = %v (%T), want kind model", err, err)
			}
			return
		}
		b, err := bind(p, m)
		if err != nil {
			if errs.KindOf(err) != errs.Model {
				t.Fatalf("bind: err = %v (%T), want kind model", err, err)
			}
			return
		}
		outs := m.Outputs()
		if p.Embedding != "" && b.embedDim < 1 {
			t.Fatalf("embedding %q binds with dimension %d", p.Embedding, b.embedDim)
		}
		for _, mb := range b.maps {
			if mb.w <= 0 || mb.h <= 0 || mb.w*mb.h != outs[mb.out].Len() {
				t.Fatalf("map %s binds %d×%d to output %v", mb.label, mb.w, mb.h, outs[mb.out])
			}
		}
	})
}
