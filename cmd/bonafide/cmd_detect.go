package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/bonafide-pad/bonafide/core/face"
)

func init() {
	register(command{
		name:    "detect",
		summary: "find faces in images and check their quality (one JSON line per image)",
		run:     runDetect,
	})
}

type detectFace struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	W     float64 `json:"w"`
	H     float64 `json:"h"`
	Score float64 `json:"score"`
	Angle float64 `json:"angle"` // degrees, counter-clockwise on screen
	// Yaw is the head's left-right turn from the keypoints (face.Face.Yaw), BlazeFace only.
	Yaw       *float64         `json:"yaw,omitempty"`
	Keypoints []detectKeypoint `json:"keypoints,omitempty"`
}

type detectKeypoint struct {
	Name string  `json:"name"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

func newDetectFace(f *face.Face) detectFace {
	d := detectFace{X: round(f.X, 2), Y: round(f.Y, 2), W: round(f.W, 2), H: round(f.H, 2),
		Score: round(f.Score, 4), Angle: round(f.Angle, 2)}
	if f.HasKeypoints {
		yaw := round(f.Yaw(), 3)
		d.Yaw = &yaw
		for i, p := range f.Keypoints {
			d.Keypoints = append(d.Keypoints, detectKeypoint{Name: face.KeypointName(i), X: round(p.X, 2), Y: round(p.Y, 2)})
		}
	}
	return d
}

type detectLine struct {
	Path    string        `json:"path"`
	Width   int           `json:"width,omitempty"`
	Height  int           `json:"height,omitempty"`
	Faces   []detectFace  `json:"faces"`
	Quality *face.Quality `json:"quality,omitempty"`
	Error   string        `json:"error,omitempty"`
}

func runDetect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("detect", stderr)
	var df detectorFlags
	df.register(fs)
	skip := fs.String("skip", "", "comma-separated quality codes not to check (e.g. face_off_centre)")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "images processed at once")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bonafide detect [flags] IMAGE|DIR...")
		fmt.Fprintln(stderr, "\nPrints one JSON object per image and line: path, width, height, faces (largest first: box x, y,")
		fmt.Fprintln(stderr, "w, h in pixels, cut to the image; score; angle, the roll in degrees; with BlazeFace also yaw and")
		fmt.Fprintln(stderr, "the six keypoints by name) and quality (ok, reasons with code, value and limit).")
		fmt.Fprintln(stderr, "An image that cannot be read gives a line with \"error\"; the others carry on, and the")
		fmt.Fprintln(stderr, "exit status is 1 (also when no image is found). Directories are walked for .jpg, .jpeg and .png files.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	var qopts face.QualityOptions
	if *skip != "" {
		qopts.Skip = strings.Split(*skip, ",")
	}
	// Validate the options and load the model once, before any image.
	if err := df.load(); err != nil {
		return err
	}
	gate, err := face.NewQualityGate(qopts)
	if err != nil {
		return err
	}
	if err := checkJobs("jobs", *jobs); err != nil {
		return err
	}
	inputs, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return noInputs(fs.Args())
	}
	detectors := make([]face.Detector, *jobs)
	failed := 0
	enc := json.NewEncoder(stdout)
	inOrder(len(inputs), len(detectors), func(w, i int) detectLine {
		if detectors[w] == nil {
			detectors[w], _ = df.detector() // validated above
		}
		return detectOne(detectors[w], inputs[i].path, gate)
	}, func(_ int, line detectLine) {
		if line.Error != "" {
			failed++
		}
		if err := enc.Encode(line); err != nil {
			fmt.Fprintf(stderr, "bonafide detect: %v\n", err)
		}
	})
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, len(inputs))
	}
	return nil
}

func detectOne(d face.Detector, path string, gate *face.QualityGate) detectLine {
	line := detectLine{Path: path, Faces: []detectFace{}}
	img, err := readImage(path)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	line.Width, line.Height = img.Bounds().Dx(), img.Bounds().Dy()
	faces, err := d.Detect(img)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	for i := range faces {
		line.Faces = append(line.Faces, newDetectFace(&faces[i]))
	}
	q, err := gate.Check(img, faces)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	if q.Reasons == nil {
		q.Reasons = []face.Reason{}
	}
	for i := range q.Reasons {
		q.Reasons[i].Value = round(q.Reasons[i].Value, 4)
	}
	line.Quality = &q
	return line
}
