package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// quality prints the measurements behind the quality gate's default limits (core/face's package doc
// quotes them): for every image of each set, the detector (BlazeFace by default) and the gate's
// measures, their percentiles, and how often each code fires with the defaults; and the same for
// NUAA live frames degraded on purpose (every 25th frame), so that each limit can be shown to lie
// between the real frames and the frames made to fail it. -sheet writes the faces sorted by |yaw|
// as one PNG of crops, to look at where "turned" begins.
func quality(args []string) error {
	fs := newFlags("quality")
	pigo := fs.Bool("pigo", false, "measure with pigo instead of BlazeFace")
	sheet := fs.String("sheet", "", "write the faces of the photo and replay sets, sorted by |yaw|, as a PNG contact sheet here")
	fs.Parse(args)
	gate, err := face.NewQualityGate(face.QualityOptions{})
	if err != nil {
		return err
	}
	sets := []struct{ name, glob string }{
		{"NUAA live", "nuaa-train/live/*/*.jpg"},
		{"NUAA spoof", "nuaa-train/spoof/*/*.jpg"},
		{"replay live (6 sources)", "replay/*/live/*.jpg"},
		{"face photos", "faces/*/*.jpg"},
	}
	gateTally := map[string]*tally{}
	var sheetFaces []measured
	for _, set := range sets {
		paths := files(set.glob)
		rs := parallel(paths, false, func(d detectors, path string) measured {
			var det face.Detector = d.bf
			if *pigo {
				det = d.pigo
			}
			img, err := decodeFile(path)
			if err != nil {
				return measured{}
			}
			faces, err := det.Detect(img)
			if err != nil {
				panic(err)
			}
			q, err := gate.Check(img, faces)
			if err != nil {
				panic(err)
			}
			r := measured{ok: true, q: q, path: path}
			if len(faces) == 0 {
				return r
			}
			r.found = true
			if r.m, err = gate.Measure(img, faces); err != nil {
				panic(err)
			}
			r.yaw = faces[0].Yaw()
			if *sheet != "" && !strings.HasPrefix(set.name, "NUAA") {
				spec := face.CropSpec{Width: 96, Height: 96, Scale: 1.3, Square: true, Border: face.BorderFill, Std: [3]float32{1, 1, 1}}
				r.crop, _, _ = face.CropFaceRGBA(img, &faces[0], spec)
			}
			if set.name == "NUAA live" && sequenceNo(path)%25 == 0 {
				r.deg = degrade(det, gate, img, faces)
			}
			return r
		})
		var ms []face.Measures
		n, found := 0, 0
		degSets := map[string][]degraded{}
		for _, r := range rs {
			if !r.ok {
				continue
			}
			n++
			tallyOf(gateTally, set.name).add(r.q)
			if !r.found {
				continue
			}
			found++
			ms = append(ms, r.m)
			for k, v := range r.deg {
				degSets[k] = append(degSets[k], v)
			}
			if r.crop != nil {
				sheetFaces = append(sheetFaces, r)
			}
		}
		fmt.Printf("\n%s: %d images, face found in %d (%.2f%%)\n", set.name, n, found, pct(found, n))
		reportMeasures(ms)
		names := make([]string, 0, len(degSets))
		for k := range degSets {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			var dm []face.Measures
			t := &tally{codes: map[string]int{}}
			foundDeg := 0
			for _, d := range degSets[k] {
				dm = append(dm, d.m)
				t.add(d.q)
				if d.found {
					foundDeg++
				}
			}
			fmt.Printf("\n  degraded (%s): %d frames, face found in %d; judged on the original's face where it was not\n", k, len(dm), foundDeg)
			reportMeasures(dm)
			fmt.Printf("    gate: %s\n", t)
		}
	}
	fmt.Printf("\nquality gate with the default limits:\n")
	for _, set := range sets {
		fmt.Printf("  %-28s %s\n", set.name, gateTally[set.name])
	}
	if *sheet != "" {
		sort.Slice(sheetFaces, func(i, j int) bool { return math.Abs(sheetFaces[i].yaw) < math.Abs(sheetFaces[j].yaw) })
		if err := writeSheet(*sheet, sheetFaces, func(i int) string {
			return fmt.Sprintf("%3d yaw %+.3f eyes %.2f %s", i, sheetFaces[i].yaw, sheetFaces[i].m.Eyes, short(sheetFaces[i].path))
		}); err != nil {
			return err
		}
	}
	return nil
}

// measured is what quality records for one image.
type measured struct {
	ok, found bool
	m         face.Measures
	q         face.Quality
	deg       map[string]degraded
	path      string
	yaw       float64
	crop      *image.RGBA
}

// degraded is one degraded copy of a frame: what the gate measured and said.
type degraded struct {
	found bool
	m     face.Measures
	q     face.Quality
}

// degrade makes the degraded copies of a NUAA live frame and judges each on the face detected in
// it, or on the original's face where the detector gave up (the gate must still say why).
func degrade(det face.Detector, gate *face.QualityGate, img *face.Frame, faces []face.Face) map[string]degraded {
	orig := append([]face.Face(nil), faces...)
	src := img.RGBA()
	k := orig[0].Keypoints
	d := math.Hypot(k[face.LeftEye].X-k[face.RightEye].X, k[face.LeftEye].Y-k[face.RightEye].Y)
	eyes := [][2]float64{{k[face.RightEye].X, k[face.RightEye].Y}, {k[face.LeftEye].X, k[face.LeftEye].Y}}
	// Skin tone for a hand: the face's own colour, sampled at the nose tip.
	nose := src.RGBAAt(int(k[face.NoseTip].X), int(k[face.NoseTip].Y))
	ops := map[string]func(*image.RGBA) *image.RGBA{
		"dark×0.25":     func(m *image.RGBA) *image.RGBA { return facetest.Darken(m, 0.25) },
		"bright+70%":    func(m *image.RGBA) *image.RGBA { return facetest.Brighten(m, 0.7) },
		"gain×2.5":      func(m *image.RGBA) *image.RGBA { return facetest.Darken(m, 2.5) },
		"contrast×0.25": func(m *image.RGBA) *image.RGBA { return facetest.Flatten(m, 0.25) },
		"blur r=4":      func(m *image.RGBA) *image.RGBA { return facetest.BoxBlur(m, 4) },
		"blur r=2":      func(m *image.RGBA) *image.RGBA { return facetest.BoxBlur(m, 2) },
		"rotate 20°":    func(m *image.RGBA) *image.RGBA { return facetest.Rotate(m, 20) },
		"rotate 10°":    func(m *image.RGBA) *image.RGBA { return facetest.Rotate(m, 10) },
		// Dark lenses over both eyes (0.44 × 0.32 of the eye distance in radius), with a reflection
		// ramp of ±20 and noise of ±6 grey levels.
		"sunglasses": func(m *image.RGBA) *image.RGBA {
			return facetest.Occlude(m, [3]uint8{30, 32, 36}, 20, 6, 0.44*d, 0.32*d, eyes...)
		},
		// A skin-toned patch (a hand: the face's colour at the nose tip) over one eye, half the eye
		// distance in radius, shaded ±25 with noise ±8.
		"hand over an eye": func(m *image.RGBA) *image.RGBA {
			return facetest.Occlude(m, [3]uint8{nose.R, nose.G, nose.B}, 25, 8, 0.5*d, 0.5*d, eyes[0])
		},
	}
	out := map[string]degraded{}
	for name, op := range ops {
		deg, err := face.NewFrame(op(src))
		if err != nil {
			panic(err)
		}
		df, err := det.Detect(deg)
		if err != nil {
			panic(err)
		}
		r := degraded{found: len(df) > 0}
		if !r.found {
			df = orig
		}
		r.m, _ = gate.Measure(deg, df)
		r.q, _ = gate.Check(deg, df)
		out[name] = r
	}
	return out
}

func reportMeasures(ms []face.Measures) {
	cols := []struct {
		name string
		get  func(face.Measures) (float64, bool)
	}{
		{"size", func(m face.Measures) (float64, bool) { return m.Size, true }},
		{"outside", func(m face.Measures) (float64, bool) { return m.Outside, true }},
		{"offcentre", func(m face.Measures) (float64, bool) { return m.OffCentre, true }},
		{"brightness", func(m face.Measures) (float64, bool) { return m.Brightness, m.Sampled > 0 }},
		{"clipped", func(m face.Measures) (float64, bool) { return m.Clipped, m.Sampled > 0 }},
		{"contrast", func(m face.Measures) (float64, bool) { return m.Contrast, m.Sampled > 0 }},
		{"sharpness", func(m face.Measures) (float64, bool) { return m.Sharpness, m.Sampled > 0 }},
		{"roll", func(m face.Measures) (float64, bool) { return m.Roll, true }},
		{"yaw", func(m face.Measures) (float64, bool) { return m.Yaw, m.Keypoints }},
		{"eyes", func(m face.Measures) (float64, bool) {
			return m.Eyes, m.Keypoints && m.Sampled > 0 && !math.IsInf(m.Eyes, 1)
		}},
	}
	for _, c := range cols {
		var v []float64
		for _, m := range ms {
			if x, ok := c.get(m); ok {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			continue
		}
		fmt.Printf("    %-10s p0 %8.3f  p0.5 %8.3f  p1 %8.3f  p5 %8.3f  p50 %8.3f  p95 %8.3f  p99 %8.3f  p99.5 %8.3f  p100 %8.3f\n", c.name,
			percentile(v, 0), percentile(v, 0.5), percentile(v, 1), percentile(v, 5), percentile(v, 50),
			percentile(v, 95), percentile(v, 99), percentile(v, 99.5), percentile(v, 100))
	}
}

// tally counts gate verdicts: how many frames pass, and how often each code fires.
type tally struct {
	n, ok int
	codes map[string]int
}

func tallyOf(m map[string]*tally, k string) *tally {
	if m[k] == nil {
		m[k] = &tally{codes: map[string]int{}}
	}
	return m[k]
}

func (t *tally) add(q face.Quality) {
	t.n++
	if q.OK {
		t.ok++
	}
	for _, r := range q.Reasons {
		t.codes[r.Code]++
	}
}

func (t *tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%4d frames, %6.2f%% pass;", t.n, pct(t.ok, t.n))
	for _, c := range face.Codes() {
		if t.codes[c] > 0 {
			fmt.Fprintf(&b, " %s %.1f%%", c, pct(t.codes[c], t.n))
		}
	}
	return b.String()
}

// sequenceNo is the picture number of a NUAA file name (ID_glasses_position_session_picNo.jpg).
func sequenceNo(path string) int {
	base := strings.TrimSuffix(path[strings.LastIndexByte(path, '/')+1:], ".jpg")
	n := 0
	fmt.Sscanf(base[strings.LastIndexByte(base, '_')+1:], "%d", &n)
	return n
}

// writeSheet lays the crops out in rows of 12 and writes them as one PNG; label(i) is printed for
// each, in the same order, so that a position on the sheet can be looked up.
func writeSheet(path string, faces []measured, label func(int) string) error {
	const cols, side = 12, 96
	rows := (len(faces) + cols - 1) / cols
	sheet := image.NewRGBA(image.Rect(0, 0, cols*side, max(1, rows)*side))
	for i, f := range faces {
		x0, y0 := (i%cols)*side, (i/cols)*side
		for y := range side {
			copy(sheet.Pix[(y0+y)*sheet.Stride+4*x0:(y0+y)*sheet.Stride+4*(x0+side)], f.crop.Pix[y*f.crop.Stride:])
		}
		fmt.Println(label(i))
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(out, sheet); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
