package face

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/models"
)

func newBlazeFace(t testing.TB, back bool) *BlazeFace {
	t.Helper()
	m := models.BlazeFaceFront
	if back {
		m = models.BlazeFaceBack
	}
	d, err := NewBlazeFace(m, BlazeFaceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cartoonEye is where facetest.Face draws an eye (right: the viewer's left), for a face drawn at
// (cx, cy) with the given side and roll.
func cartoonEye(cx, cy, side, roll float64, right bool) Point {
	u, v := 0.19, -0.1
	if right {
		u = -0.19
	}
	th := roll * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	// facetest maps frame offsets to face coordinates by (c·dx − s·dy, s·dx + c·dy)/side; invert it.
	dx := (c*u + s*v) * side
	dy := (-s*u + c*v) * side
	return Point{cx + dx, cy + dy}
}

// checkCartoon checks a detection of facetest.Face(…, cx, cy, side, roll): the box centred on the
// drawn oval and about its size, the eyes on the drawn eyes, nose and mouth between and below them,
// the roll from the eye line.
func checkCartoon(t *testing.T, f Face, cx, cy, side, roll float64) {
	t.Helper()
	x, y := f.Extent().Center()
	// The box is pico's geometry: it reaches higher than BlazeFace's own box, so its centre sits
	// a little above the oval's.
	if math.Hypot(x-cx, y-cy) > 0.2*side {
		t.Errorf("box centre (%.1f, %.1f), face drawn at (%.0f, %.0f) side %.0f", x, y, cx, cy, side)
	}
	if r := f.Extent().W / side; r < 0.9 || r > 1.6 {
		t.Errorf("box side %.1f for a face of side %.0f", f.Extent().W, side)
	}
	if !f.HasKeypoints {
		t.Fatal("no keypoints")
	}
	k := f.Keypoints
	for _, e := range []struct {
		i     int
		right bool
	}{{RightEye, true}, {LeftEye, false}} {
		want := cartoonEye(cx, cy, side, roll, e.right)
		if d := math.Hypot(k[e.i].X-want.X, k[e.i].Y-want.Y); d > 0.09*side {
			t.Errorf("%s at (%.1f, %.1f), drawn at (%.1f, %.1f): %.1f px off", KeypointName(e.i), k[e.i].X, k[e.i].Y, want.X, want.Y, d)
		}
	}
	if math.Abs(f.Angle-roll) > 7 { // a cartoon: real faces do better (TestBlazeFaceRealFrames)
		t.Errorf("roll %.1f°, drawn at %.0f°", f.Angle, roll)
	}
	// Nose and mouth lie below the eye line, the mouth below the nose (in the face's own frame).
	th := roll * math.Pi / 180
	down := func(p Point) float64 { return (p.X-cx)*math.Sin(th) + (p.Y-cy)*math.Cos(th) }
	eyes := (down(k[RightEye]) + down(k[LeftEye])) / 2
	if !(down(k[NoseTip]) > eyes && down(k[Mouth]) > down(k[NoseTip])) {
		t.Errorf("eyes %.1f, nose %.1f, mouth %.1f along the face's vertical: want increasing", eyes, down(k[NoseTip]), down(k[Mouth]))
	}
	if f.Score < DefaultBlazeFaceMinScore || f.Score > 1 {
		t.Errorf("score %v", f.Score)
	}
}

func TestBlazeFaceSyntheticFaces(t *testing.T) {
	for _, back := range []bool{false, true} {
		d := newBlazeFace(t, back)
		tests := []struct {
			name               string
			w, h               int
			cx, cy, side, roll float64
		}{
			{"640x480 centre", 640, 480, 320, 240, 180, 0},
			{"640x480 tilted ccw", 640, 480, 320, 240, 170, 20},
			{"640x480 tilted cw", 640, 480, 320, 240, 170, -20},
			{"portrait (letterbox left and right)", 480, 640, 240, 300, 180, 0},
			{"off centre", 640, 480, 200, 200, 150, 5},
			{"1920x1080", 1920, 1080, 1100, 500, 480, 0},
			{"odd size", 333, 271, 170, 130, 110, 0},
		}
		for _, tc := range tests {
			t.Run(map[bool]string{false: "front/", true: "back/"}[back]+tc.name, func(t *testing.T) {
				faces, err := d.Detect(mustFrame(facetest.FaceOnWall(tc.w, tc.h, tc.cx, tc.cy, tc.side, tc.roll)))
				if err != nil {
					t.Fatal(err)
				}
				if len(faces) != 1 {
					t.Fatalf("found %d faces %+v, want 1", len(faces), faces)
				}
				checkCartoon(t, faces[0], tc.cx, tc.cy, tc.side, tc.roll)
			})
		}
	}
}

// TestBlazeFaceSubImage: a frame whose origin is not (0, 0) (a SubImage) gives boxes in the
// parent's coordinates.
func TestBlazeFaceSubImage(t *testing.T) {
	d := newBlazeFace(t, false)
	full := facetest.Face(800, 600, 500, 300, 170, 0)
	sub := full.SubImage(image.Rect(160, 60, 800, 540)).(*image.RGBA)
	faces, err := d.Detect(mustFrame(sub))
	if err != nil || len(faces) != 1 {
		t.Fatalf("%v, %v", faces, err)
	}
	checkCartoon(t, faces[0], 500, 300, 170, 0)
	if !boxIn(faces[0].Box, sub.Rect) {
		t.Errorf("box %+v outside the sub-image %v", faces[0].Box, sub.Rect)
	}
}

func boxIn(b Box, r image.Rectangle) bool {
	return b.X >= float64(r.Min.X) && b.Y >= float64(r.Min.Y) && b.X+b.W <= float64(r.Max.X) && b.Y+b.H <= float64(r.Max.Y)
}

// TestBlazeFaceBadInput: frames without a face, degenerate and hostile frames give no face or a
// typed error, never a panic, never a box outside the frame.
func TestBlazeFaceBadInput(t *testing.T) {
	d := newBlazeFace(t, false)
	solid := func(w, h int, v uint8) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = v
		}
		return img
	}
	for name, img := range map[string]*image.RGBA{
		"black 640x480":  solid(640, 480, 0),
		"white 640x480":  solid(640, 480, 255),
		"1x1":            solid(1, 1, 200),
		"16384x10":       solid(MaxImageSide, 10, 90),
		"10x16384":       solid(10, MaxImageSide, 160),
		"3x2 grey":       solid(3, 2, 128),
		"face 12px wide": facetest.FaceOnWall(640, 480, 320, 240, 12, 0),
	} {
		faces, err := d.Detect(mustFrame(img))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(faces) != 0 {
			t.Errorf("%s: %d faces %+v, want none", name, len(faces), faces)
		}
	}
	for i, scene := range facetest.NoFaceScenes {
		if faces, err := d.Detect(mustFrame(facetest.NoFace(i, 640, 480))); err != nil || len(faces) != 0 {
			t.Errorf("face-free %s: %d faces %+v (%v)", scene, len(faces), faces, err)
		}
	}
	bad := []struct {
		name string
		img  *image.RGBA
	}{
		{"nil", nil},
		{"0x0", image.NewRGBA(image.Rect(0, 0, 0, 0))},
		{"short Pix", &image.RGBA{Pix: make([]byte, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}},
		{"small stride", &image.RGBA{Pix: make([]byte, 400), Stride: 4, Rect: image.Rect(0, 0, 10, 10)}},
		{"20000x10", &image.RGBA{Pix: make([]byte, 4*20000*10), Stride: 4 * 20000, Rect: image.Rect(0, 0, 20000, 10)}},
	}
	for _, tc := range bad {
		// A frame is checked where it enters: a bad one never reaches the detector.
		_, err := NewFrame(tc.img)
		if k := errs.KindOf(err); k != errs.Frame && k != errs.Limit {
			t.Errorf("%s: err = %v (kind %v), want a frame or limit error", tc.name, err, k)
		} else if !strings.HasPrefix(err.Error(), "face: ") {
			t.Errorf("%s: %q does not start with \"face: \"", tc.name, err)
		}
	}
	if _, err := d.Detect(nil); errs.KindOf(err) != errs.Frame {
		t.Errorf("nil frame: %v", err)
	}
	if _, err := d.DetectNear(nil, Box{10, 10, 100, 100}, 2, 1.25); errs.KindOf(err) != errs.Frame {
		t.Errorf("nil frame near: %v", err)
	}
}

// TestBlazeFaceCutByTheEdge: a face partly outside the frame is found; its Box is cut to the frame,
// Full extends past it, and the gate says face_partly_outside.
func TestBlazeFaceCutByTheEdge(t *testing.T) {
	d := newBlazeFace(t, false)
	for _, tc := range []struct {
		name   string
		cx, cy float64
	}{{"left", 40, 240}, {"top", 320, 30}, {"bottom right", 610, 450}} {
		img := mustFrame(facetest.FaceOnWall(640, 480, tc.cx, tc.cy, 200, 0))
		faces, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range faces {
			if !boxIn(f.Box, img.Bounds()) {
				t.Errorf("%s: box %+v outside the frame", tc.name, f.Box)
			}
			for i, p := range f.Keypoints {
				if p.X < 0 || p.Y < 0 || p.X > 640 || p.Y > 480 {
					t.Errorf("%s: keypoint %s %+v outside the frame", tc.name, KeypointName(i), p)
				}
			}
		}
		if len(faces) == 0 {
			t.Logf("%s: no face (acceptable: the gate says no_face)", tc.name)
			continue
		}
		if boxIn(faces[0].Full, img.Bounds()) {
			t.Errorf("%s: Full %+v lies inside the frame for a face cut by its edge", tc.name, faces[0].Full)
		}
		q, err := checkQuality(img, faces, QualityOptions{})
		if err != nil || !q.Has(FacePartlyOutside) {
			t.Errorf("%s: quality %+v (%v), want face_partly_outside", tc.name, q, err)
		}
	}
}

// TestBlazeFaceNearFollowsTheFace: DetectNear finds the face in a window around the last box, in
// frame coordinates, and the same face a full Detect finds.
func TestBlazeFaceNear(t *testing.T) {
	d := newBlazeFace(t, false)
	img := mustFrame(facetest.Face(1280, 720, 900, 300, 200, 0))
	full, err := d.Detect(img)
	if err != nil || len(full) != 1 {
		t.Fatalf("%v, %v", full, err)
	}
	want := full[0]
	near, err := d.DetectNear(img, Box{X: 760, Y: 190, W: 240, H: 240}, 2.5, 1.25)
	if err != nil || len(near) != 1 {
		t.Fatalf("%v, %v", near, err)
	}
	checkCartoon(t, near[0], 900, 300, 200, 0)
	if v := boxIoU(near[0].Box, want.Box); v < 0.8 {
		t.Errorf("near box %+v, full-frame box %+v: IoU %.2f", near[0].Box, want.Box, v)
	}
	// A window wholly outside the frame finds nothing; an absurd box falls back to the full frame.
	if f, err := d.DetectNear(img, Box{X: -5000, Y: -5000, W: 100, H: 100}, 2, 1.25); err != nil || len(f) != 0 {
		t.Errorf("window outside the frame: %v, %v", f, err)
	}
	if f, err := d.DetectNear(img, Box{X: math.NaN(), W: 100, H: 100}, 2, 1.25); err != nil || len(f) != 1 {
		t.Errorf("NaN box: %v, %v", f, err)
	}
}

func TestBlazeFaceTracker(t *testing.T) {
	tr, err := NewTracker(newBlazeFace(t, false), TrackerOptions{Region: 2.5, RedetectEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	const side = 160
	for i := range 30 {
		cx := 200 + 8*float64(i)
		faces, err := tr.Track(mustFrame(facetest.FaceOnWall(640, 480, cx, 240, side, 0)))
		if err != nil || len(faces) == 0 {
			t.Fatalf("frame %d: %v, %v", i, faces, err)
		}
		x, y := faces[0].Center()
		if i > 5 && math.Hypot(x-cx, y-240) > 0.2*side {
			t.Fatalf("frame %d: tracked centre (%.1f, %.1f), face at (%.0f, 240)", i, x, y, cx)
		}
	}
	// Lost: a face-free frame gives no face; the next face is found by a full detection.
	if faces, err := tr.Track(mustFrame(facetest.NoFace(4, 640, 480))); err != nil || len(faces) != 0 {
		t.Fatalf("face-free frame: %v, %v", faces, err)
	}
	faces, err := tr.Track(mustFrame(facetest.FaceOnWall(640, 480, 450, 250, side, 0)))
	if err != nil || len(faces) != 1 {
		t.Fatalf("after the loss: %v, %v", faces, err)
	}
	checkCartoon(t, faces[0], 450, 250, side, 0)
}

func TestBlazeFaceOptionsAndModels(t *testing.T) {
	for _, o := range []BlazeFaceOptions{{MinScore: 1}, {MinScore: -0.1}, {MinScore: math.NaN()}, {IoU: 1.5}, {MaxFaces: -1}, {MaxFaces: 100000}} {
		_, err := NewBlazeFace(models.BlazeFaceFront, o)
		var oe *OptionError
		if !errors.As(err, &oe) {
			t.Errorf("%+v: err = %v, want *OptionError", o, err)
		}
	}
	d := newBlazeFace(t, false)
	if o := d.Options(); o.MinScore != DefaultBlazeFaceMinScore || o.IoU != DefaultBlazeFaceIoU || o.MaxFaces != DefaultBlazeFaceMaxFaces || d.InputSize() != 128 {
		t.Errorf("defaults %+v, input %d", o, d.InputSize())
	}
	if newBlazeFace(t, true).InputSize() != 256 {
		t.Error("back model: input size is not 256")
	}
	// A model that is not BlazeFace: a liveness test net, and bytes that are no model at all.
	net, err := os.ReadFile(filepath.Join("..", "model", "testdata", "nets", "pyramid_128.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"liveness net": net, "junk": []byte("not a model"), "empty": nil} {
		_, err := NewBlazeFace(data, BlazeFaceOptions{})
		var me *ModelError
		if !errors.As(err, &me) || errs.KindOf(err) != errs.Model || !strings.HasPrefix(err.Error(), "face: BlazeFace model: ") {
			t.Errorf("%s: err = %v, want *ModelError", name, err)
		}
	}
	if _, err := NewBlazeFaceModel(nil, BlazeFaceOptions{}); err == nil {
		t.Error("nil model accepted")
	}
}

// TestBlazeFaceNoAllocation: after the first frame, detection allocates nothing (the letterbox
// goes straight into the model's input buffer; candidates and faces reuse their slices).
func TestBlazeFaceNoAllocation(t *testing.T) {
	d := newBlazeFace(t, false)
	img := mustFrame(facetest.Face(640, 480, 320, 240, 170, 0))
	if _, err := d.Detect(img); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() { d.Detect(img) }); n != 0 {
		t.Errorf("Detect: %v allocations per frame, want 0", n)
	}
	if n := testing.AllocsPerRun(5, func() { d.DetectNear(img, Box{240, 160, 170, 170}, 2.5, 1.25) }); n != 0 {
		t.Errorf("DetectNear: %v allocations per frame, want 0", n)
	}
}

// bfGolden is a golden file of testdata/blazeface (made by make.sh there: onnxruntime-node's
// outputs).
type bfGolden struct {
	Description string
	Inputs      []goldenTensor
	Outputs     []goldenTensor
}

type goldenTensor struct {
	Name  string
	Shape []int
	Data  string
}

func (g goldenTensor) floats(t *testing.T) []float32 {
	raw, err := base64.StdEncoding.DecodeString(g.Data)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// TestBlazeFaceParity runs both BlazeFace files in bonafide's engine on the golden inputs and
// compares every output with onnxruntime's (abs or rel 1e-4); then decodes onnxruntime's own
// outputs and checks the faces against where the frames drew them (the scenes of
// scripts/facetune/goldens.go).
func TestBlazeFaceParity(t *testing.T) {
	cases := []struct {
		golden string
		onnx   []byte
		faces  [][4]float64 // cx, cy, side, roll as drawn
	}{
		{"front128.golden.json", models.BlazeFaceFront, [][4]float64{{62, 68, 52, 10}}},
		{"back256.golden.json", models.BlazeFaceBack, [][4]float64{{78, 120, 70, 0}, {182, 132, 96, -8}}},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "blazeface", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			var g bfGolden
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(tc.onnx, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.NewRunner().RunFloat32(g.Inputs[0].floats(t))
			if err != nil {
				t.Fatal(err)
			}
			outs := m.Outputs()
			want := make([][]float32, len(g.Outputs))
			for i, o := range g.Outputs {
				if o.Name != outs[i].Name {
					t.Fatalf("output %d is %q, golden has %q", i, outs[i].Name, o.Name)
				}
				want[i] = o.floats(t)
				worst := 0.0
				for j, w := range want[i] {
					d := math.Abs(float64(got[i][j] - w))
					if d > 1e-4 && d > 1e-4*math.Abs(float64(w)) {
						t.Fatalf("%s[%d] = %v, onnxruntime %v", o.Name, j, got[i][j], w)
					}
					worst = max(worst, d)
				}
				t.Logf("%s: %d values, largest difference %.2g", o.Name, len(want[i]), worst)
			}
			// Decode onnxruntime's outputs.
			idx, err := bfOutputs(outs)
			if err != nil {
				t.Fatal(err)
			}
			size := m.Inputs()[0].Shape[1]
			cands := bfDecode(nil, want[idx.score1], want[idx.box1], bfGrid1, bfPerCell1, float32(size), DefaultBlazeFaceMinScore)
			cands = bfDecode(cands, want[idx.score2], want[idx.box2], bfGrid2, bfPerCell2, float32(size), DefaultBlazeFaceMinScore)
			dets := bfWeightedNMS(nil, cands, DefaultBlazeFaceIoU, DefaultBlazeFaceMaxFaces)
			frame := image.Rect(0, 0, size, size)
			var faces []Face
			for i := range dets {
				if f, ok := bfFace(&dets[i], frame, frame); ok {
					faces = append(faces, f)
				}
			}
			if len(faces) != len(tc.faces) {
				t.Fatalf("%d faces %+v, drawn %d", len(faces), faces, len(tc.faces))
			}
			for _, drawn := range tc.faces {
				best := 0
				for i, f := range faces {
					x, y := f.Center()
					bx, by := faces[best].Center()
					if math.Hypot(x-drawn[0], y-drawn[1]) < math.Hypot(bx-drawn[0], by-drawn[1]) {
						best = i
					}
				}
				checkCartoon(t, faces[best], drawn[0], drawn[1], drawn[2], drawn[3])
			}
		})
	}
}

// TestBlazeFaceRealFrames checks boxes and keypoints on real frames from ../shared against
// positions checked by hand: the frames were drawn with the detections over them and looked at
// (eyes on the pupils, nose tip, mouth centre, tragions at the ears, the box from above the brows to
// the chin), and these are the detections, rounded. A change to the letterbox, the decoding or the
// box mapping moves them.
func TestBlazeFaceRealFrames(t *testing.T) {
	type want struct {
		box       Box // Full, pico's geometry
		keypoints [4]Point
		roll      float64
	}
	cases := []struct {
		file  string
		faces []want
	}{
		// A NUAA webcam frame: one frontal face, a second person behind, too small to count.
		{"data/nuaa-train/live/0001/0001_00_00_01_0.jpg", []want{{Box{235, 113, 216, 216},
			[4]Point{{303, 210}, {376, 205}, {340, 247}, {342, 285}}, 3.5}}},
		// A photo (1600×1073): head tilted clockwise by about 18°, turned to his right.
		{"data/faces/deepface-tests/img59.jpg", []want{{Box{876, 197, 366, 366},
			[4]Point{{976, 340}, {1101, 381}, {992, 428}, {981, 489}}, -18.1}}},
	}
	d := newBlazeFace(t, false)
	for _, tc := range cases {
		path := filepath.Join(sharedDir(t), tc.file)
		faces, err := d.Detect(mustFrame(loadImage(t, path)))
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) < len(tc.faces) {
			t.Fatalf("%s: %d faces, want %d", tc.file, len(faces), len(tc.faces))
		}
		for i, w := range tc.faces {
			f := faces[i]
			tol := 0.03 * w.box.W
			b := f.Extent()
			if math.Abs(b.X-w.box.X) > tol || math.Abs(b.Y-w.box.Y) > tol || math.Abs(b.W-w.box.W) > tol {
				t.Errorf("%s face %d: box %+v, want about %+v", tc.file, i, b, w.box)
			}
			for k, p := range w.keypoints {
				if d := math.Hypot(f.Keypoints[k].X-p.X, f.Keypoints[k].Y-p.Y); d > tol {
					t.Errorf("%s face %d: %s at %+v, want about %+v", tc.file, i, KeypointName(k), f.Keypoints[k], p)
				}
			}
			if math.Abs(f.Angle-w.roll) > 1 {
				t.Errorf("%s face %d: roll %.1f, want %.1f", tc.file, i, f.Angle, w.roll)
			}
		}
	}
}

// TestBlockWindow: the tracked search window is moved onto resample's block path (a whole multiple
// of the input side, columns in the frame, rows in it or past it by whole blocks) only where the
// face it searches for stays wholly in view, and detection finds the same face either way.
func TestBlockWindow(t *testing.T) {
	frame := image.Rect(0, 0, 640, 480)
	cases := []struct {
		name   string
		r      image.Rectangle
		last   Box
		region float64
		ok     bool
	}{
		{"centre", frame, Box{X: 230, Y: 150, W: 180, H: 180}, 2, true},
		{"left edge", frame, Box{X: -40, Y: 150, W: 180, H: 180}, 2, true},
		{"bottom right", frame, Box{X: 500, Y: 360, W: 160, H: 160}, 2, true},
		{"taller than the frame", frame, Box{X: 200, Y: 120, W: 240, H: 240}, 2, true},
		{"720p", image.Rect(0, 0, 1280, 720), Box{X: 760, Y: 190, W: 240, H: 240}, 2.5, true},
		{"offset frame", image.Rect(13, 7, 653, 487), Box{X: 240, Y: 160, W: 180, H: 180}, 2, true},
		{"small face: no whole block", frame, Box{X: 300, Y: 200, W: 60, H: 60}, 2, false},
		{"centre outside the frame", frame, Box{X: -5000, Y: -5000, W: 100, H: 100}, 2, false},
		{"wider than the frame", image.Rect(0, 0, 300, 600), Box{X: 50, Y: 200, W: 200, H: 200}, 2, false},
		{"window smaller than the face", frame, Box{X: -25, Y: 100, W: 290, H: 290}, 1.1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cx, cy := c.last.Center()
			n := int(math.Round(c.region * max(c.last.W, c.last.H)))
			win, ok := blockWindow(c.r, c.last, cx, cy, n, 128)
			if ok != c.ok {
				t.Fatalf("ok %v, want %v (window %v)", ok, c.ok, win)
			}
			if !ok {
				return
			}
			if win.Dx() != win.Dy() || win.Dx()%128 != 0 || win.Dx()/128 < 2 {
				t.Errorf("window %v is not a square of k × 128, k ≥ 2", win)
			}
			if r := float64(win.Dx()) / float64(n); r < 0.8 || r > 1.25 {
				t.Errorf("window side %d for a search of %d: ratio %.2f", win.Dx(), n, r)
			}
			in := image.Rect(int(math.Ceil(c.last.X)), int(math.Ceil(c.last.Y)), int(c.last.X+c.last.W), int(c.last.Y+c.last.H)).Intersect(c.r)
			if !in.In(win) {
				t.Errorf("window %v loses part of the face's in-frame box %v", win, in)
			}
			img := image.NewRGBA(c.r)
			s := sink{kind: sinkNHWC, f: make([]float32, 3*128*128)}
			if c.r.Dy()%(win.Dx()/128) == 0 && !resampleBlocks(img, win, 128, 128, [3]uint8{}, &s) {
				t.Errorf("window %v in %v does not take the block path", win, c.r)
			}
		})
	}
	// The same face through the moved window and through a full-frame detection (the most confident
	// one: on a flat 640×480 cartoon the detector also fires, weakly, on the whole frame).
	best := func(fs []Face) (Face, bool) {
		if len(fs) == 0 {
			return Face{}, false
		}
		return slices.MaxFunc(fs, func(a, b Face) int { return cmp.Compare(a.Score, b.Score) }), true
	}
	d := newBlazeFace(t, false)
	for _, x := range []float64{130, 320, 540} {
		img := mustFrame(facetest.Face(640, 480, x, 250, 170, 0))
		full, err := d.Detect(img)
		want, ok := best(full)
		if err != nil || !ok {
			t.Fatalf("x=%v: %v, %v", x, full, err)
		}
		near, err := d.DetectNear(img, want.Extent(), 2, 1.25)
		got, ok := best(near)
		if err != nil || !ok {
			t.Fatalf("x=%v: near %v, %v", x, near, err)
		}
		checkCartoon(t, got, x, 250, 170, 0)
		if v := boxIoU(got.Box, want.Box); v < 0.8 {
			t.Errorf("x=%v: near box %+v, full-frame box %+v: IoU %.2f", x, got.Box, want.Box, v)
		}
	}
}
