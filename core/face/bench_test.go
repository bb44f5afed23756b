package face

import (
	"image"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// Benchmarks per frame. Native: go test -run '^$' -bench . ./core/face/. In the browser: the same
// with GOOS=js GOARCH=wasm and go_js_wasm_exec (wasmbrowsertest) on PATH. Besides ns/op (a mean)
// each reports ms/frame-p50, the median frame time, which a stray GC or a busy machine moves less.

// frames checks each image once, as a caller's frame loop does.
func frames(imgs []*image.RGBA) []*Frame {
	out := make([]*Frame, len(imgs))
	for i, img := range imgs {
		out[i] = mustFrame(img)
	}
	return out
}

// frameTimer collects per-frame durations for a median.
type frameTimer struct{ d []time.Duration }

func (ft *frameTimer) time(f func()) {
	t0 := time.Now()
	f()
	ft.d = append(ft.d, time.Since(t0))
}

func (ft *frameTimer) report(b *testing.B) {
	if len(ft.d) == 0 {
		return
	}
	slices.Sort(ft.d)
	b.ReportMetric(float64(ft.d[len(ft.d)/2].Microseconds())/1000, "ms/frame-p50")
}

// nuaaBenchFrames returns up to n NUAA live frames spread over the subjects, or nil without the
// shared data.
func nuaaBenchFrames(b *testing.B, n int) []*image.RGBA {
	files, _ := filepath.Glob(filepath.Join(sharedDirOrEmpty(), "data", "nuaa-train", "live", "*", "*.jpg"))
	if len(files) == 0 {
		return nil
	}
	var out []*image.RGBA
	for i := 0; i < len(files) && len(out) < n; i += max(1, len(files)/n) {
		out = append(out, loadImage(b, files[i]))
	}
	return out
}

func BenchmarkDetect(b *testing.B) {
	cases := []struct {
		name   string
		frames func() []*image.RGBA
	}{
		{"synthetic-640x480", func() []*image.RGBA { return []*image.RGBA{facetest.Face(640, 480, 320, 240, 200, 0)} }},
		{"nuaa-640x480", func() []*image.RGBA { return nuaaBenchFrames(b, 16) }},
		// No face: the slow path (every angle over the frame and its border).
		{"noface-640x480", func() []*image.RGBA {
			return []*image.RGBA{paint(640, 480, [3]uint8{90, 100, 110}, [3]uint8{}, image.Rectangle{})}
		}},
		{"synthetic-160x120", func() []*image.RGBA { return []*image.RGBA{facetest.Face(160, 120, 80, 60, 50, 0)} }},
		{"synthetic-1920x1080", func() []*image.RGBA { return []*image.RGBA{facetest.Face(1920, 1080, 960, 540, 500, 0)} }},
	}
	for _, det := range []string{"blazeface", "pigo"} {
		for _, c := range cases {
			b.Run(det+"/"+c.name, func(b *testing.B) {
				frames := frames(c.frames())
				if len(frames) == 0 {
					b.Skip("shared data absent")
				}
				d := benchDetector(b, det)
				var ft frameTimer
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					ft.time(func() { d.Detect(frames[i%len(frames)]) })
					i++
				}
				ft.report(b)
			})
		}
	}
}

func benchDetector(b *testing.B, name string) Detector {
	if name == "pigo" {
		return newDetector(b, PigoOptions{})
	}
	return newBlazeFace(b, false)
}

// BenchmarkBlazeFaceLetterbox is the part of a detection before the model: a 640×480 frame
// resampled (area average) into the 128×128 input.
func BenchmarkBlazeFaceLetterbox(b *testing.B) {
	img := mustFrame(facetest.Face(640, 480, 320, 240, 200, 0))
	d := newBlazeFace(b, false)
	var ft frameTimer
	b.ReportAllocs()
	for b.Loop() {
		ft.time(func() { d.letterbox(&img.rgba, image.Rect(0, -80, 640, 560)) })
	}
	ft.report(b)
}

// BenchmarkResampleSwar compares the area averages' two ways of summing pixels (swar: word loads,
// the wasm default; bytes: the byte loop, amd64's) on the three resamples of a frame with a face:
// the 640×480 letterbox (block path), the quality gate's 64×64 patch of a 230-pixel box and an
// 80×80 crop of a 345-pixel window (general path). In the browser:
// GOOS=js GOARCH=wasm go test -run '^$' -bench ResampleSwar -count 6 ./core/face/ (then benchstat).
func BenchmarkResampleSwar(b *testing.B) {
	img := &mustFrame(facetest.Face(640, 480, 320, 240, 200, 0)).rgba
	cases := []struct {
		name       string
		win        image.Rectangle
		outW, outH int
		s          sink
	}{
		{"letterbox", image.Rect(0, -80, 640, 560), 128, 128, sink{kind: sinkNHWC, f: make([]float32, 3*128*128)}},
		{"qualitypatch", image.Rect(205, 125, 435, 355), 64, 64, sink{kind: sinkLuma, f: make([]float32, 64*64)}},
		{"crop80", image.Rect(148, 68, 493, 413), 80, 80, sink{kind: sinkPlanar, f: make([]float32, 3*80*80), off: [3]int{0, 6400, 12800}, k: [3]float32{1, 1, 1}}},
	}
	defer func(v bool) { swar = v }(swar)
	for _, c := range cases {
		for _, mode := range []string{"bytes", "words"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				swar = mode == "words"
				var ft frameTimer
				b.ReportAllocs()
				for b.Loop() {
					ft.time(func() { resample(img, c.win, c.outW, c.outH, [3]uint8{}, &c.s) })
				}
				ft.report(b)
			})
		}
	}
}

// BenchmarkTrack follows a face moving across 640×480 frames (the browser's video path).
func BenchmarkTrack(b *testing.B) {
	var frames []*Frame
	for i := range 24 {
		frames = append(frames, mustFrame(facetest.FaceOnWall(640, 480, 240+8*float64(i), 240, 180, 0)))
	}
	for _, det := range []string{"blazeface", "pigo"} {
		b.Run(det, func(b *testing.B) {
			tr, err := NewTracker(benchDetector(b, det), TrackerOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var ft frameTimer
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ft.time(func() { tr.Track(frames[i%len(frames)]) })
				i++
			}
			ft.report(b)
		})
	}
}

func BenchmarkCrop(b *testing.B) {
	ours := CropSpec{Width: 128, Height: 128, Scale: 1.5, Square: true, Border: BorderFill, Fill: [3]uint8{128, 128, 128},
		Mean: [3]float32{127.5, 127.5, 127.5}, Std: [3]float32{127.5, 127.5, 127.5}}
	cases := []struct {
		name string
		img  *image.RGBA
		box  Box
		spec CropSpec
	}{
		{"minifasnet-80-from-640x480", facetest.Face(640, 480, 320, 240, 200, 0), Box{205, 125, 230, 230}, MiniFASNetV2Spec()},
		{"square1.5-128-from-640x480", facetest.Face(640, 480, 320, 240, 200, 0), Box{205, 125, 230, 230}, ours},
		{"minifasnet-80-from-1920x1080", facetest.Face(1920, 1080, 960, 540, 500, 0), Box{670, 250, 580, 580}, MiniFASNetV2Spec()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]float32, c.spec.Len())
			f := mustFrame(c.img)
			var ft frameTimer
			b.ReportAllocs()
			for b.Loop() {
				ft.time(func() { Crop(dst, f, c.box, c.spec) })
			}
			ft.report(b)
		})
	}
}

func BenchmarkCheckQuality(b *testing.B) {
	f := mustFrame(facetest.Face(640, 480, 320, 240, 200, 0))
	faces := []Face{{Box: Box{205, 125, 230, 230}, Score: 100}}
	g, err := NewQualityGate(QualityOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		g.Check(f, faces)
	}
}
