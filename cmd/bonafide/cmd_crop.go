package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bonafide-pad/bonafide/core/face"
)

func init() {
	register(command{
		name:    "crop",
		summary: "crop the main face of each image to PNG, as the models see it",
		run:     runCrop,
	})
}

// cropRecord is one line of the -manifest file.
type cropRecord struct {
	Path   string    `json:"path"`
	Out    string    `json:"out,omitempty"`
	Face   *face.Box `json:"face,omitempty"`
	Window []int     `json:"window,omitempty"` // x0, y0, x1, y1 in the source image
	Scale  float64   `json:"scale,omitempty"`
	Angle  float64   `json:"angle,omitempty"` // the crop's turn (-align roll), degrees counter-clockwise
	Status string    `json:"status"`          // ok, no_face, error
	Error  string    `json:"error,omitempty"`
}

func runCrop(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("crop", stderr)
	scale := fs.Float64("scale", 1.5, "box scale about its centre")
	size := fs.String("size", "128", "output size: N or WxH")
	square := fs.Bool("square", true, "make the box square before scaling")
	border := fs.String("border", "shift", "at the image border: shift (keep the window inside, as Silent-Face) or fill")
	fill := fs.String("fill", "black", "fill for -border fill: black, grey, white or R,G,B")
	align := fs.String("align", "none", "roll: turn the crop so that the eyes are level (BlazeFace's eye line; pigo's coarse angle)")
	specText := fs.String("spec", "", "a model's crop spec (e.g. \"size=80x80 scale=2.7 border=shift\"); replaces -scale, -size, -square, -border, -fill and -align")
	out := fs.String("out", "", "output directory (required)")
	manifest := fs.String("manifest", "", "write one JSON line per image (path, out, face box, window, status) to this file")
	var df detectorFlags
	df.register(fs)
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "images processed at once")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bonafide crop -out DIR [flags] IMAGE|DIR...")
		fmt.Fprintln(stderr, "\nCrops the largest face of each image with the same geometry and resampling as run time and")
		fmt.Fprintln(stderr, "writes it as PNG. A directory is walked for .jpg, .jpeg and .png files and its tree mirrored")
		fmt.Fprintln(stderr, "under -out (a/b.jpg → DIR/a/b.png); a file given by name goes to DIR/<name>.png. Images")
		fmt.Fprintln(stderr, "without a face are listed on stderr and in the summary and do not fail the run; images that")
		fmt.Fprintln(stderr, "cannot be read make the exit status 1 after the others are done.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	var spec face.CropSpec
	if *specText != "" {
		var err error
		if spec, err = face.ParseCropSpec(*specText); err != nil {
			return err
		}
	} else {
		text := fmt.Sprintf("size=%s scale=%g square=%t border=%s fill=%s align=%s", *size, *scale, *square, *border, *fill, *align)
		var err error
		if spec, err = face.ParseCropSpec(text); err != nil {
			return err
		}
	}
	if err := df.load(); err != nil {
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
	outs := make([]string, len(inputs))
	seen := map[string]string{}
	for i, in := range inputs {
		outs[i] = filepath.Join(*out, strings.TrimSuffix(in.rel, filepath.Ext(in.rel))+".png")
		if prev, dup := seen[outs[i]]; dup {
			return fmt.Errorf("%s and %s would both be written to %s", prev, in.path, outs[i])
		}
		seen[outs[i]] = in.path
	}
	var man *bufio.Writer
	if *manifest != "" {
		f, err := os.Create(*manifest)
		if err != nil {
			return err
		}
		defer f.Close()
		man = bufio.NewWriter(f)
		defer man.Flush()
	}
	detectors := make([]face.Detector, *jobs)
	var ok, noFace, failed int
	inOrder(len(inputs), len(detectors), func(w, i int) cropRecord {
		if detectors[w] == nil {
			detectors[w], _ = df.detector() // validated above
		}
		return cropOne(detectors[w], inputs[i].path, outs[i], spec)
	}, func(_ int, r cropRecord) {
		switch r.Status {
		case "ok":
			ok++
		case "no_face":
			noFace++
			fmt.Fprintf(stderr, "no face: %s\n", r.Path)
		default:
			failed++
			fmt.Fprintf(stderr, "error: %s: %s\n", r.Path, r.Error)
		}
		if man != nil {
			b, _ := json.Marshal(r)
			man.Write(append(b, '\n'))
		}
	})
	fmt.Fprintf(stderr, "bonafide crop: %d of %d images cropped to %s (%s); %d without a face, %d unreadable\n",
		ok, len(inputs), *out, spec, noFace, failed)
	if man != nil {
		if err := man.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errors.New("some images could not be read or written")
	}
	return nil
}

func cropOne(d face.Detector, path, out string, spec face.CropSpec) cropRecord {
	r := cropRecord{Path: path}
	fail := func(err error) cropRecord {
		r.Status, r.Error = "error", err.Error()
		return r
	}
	img, err := readImage(path)
	if err != nil {
		return fail(err)
	}
	faces, err := d.Detect(img)
	if err != nil {
		return fail(err)
	}
	if len(faces) == 0 {
		r.Status = "no_face"
		return r
	}
	box := faces[0].Extent()
	crop, info, err := face.CropFaceRGBA(img, &faces[0], spec)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fail(err)
	}
	f, err := os.Create(out)
	if err != nil {
		return fail(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, crop); err != nil {
		f.Close()
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	rb := face.Box{X: round(box.X, 2), Y: round(box.Y, 2), W: round(box.W, 2), H: round(box.H, 2)}
	w := info.Window
	r.Status, r.Out, r.Face, r.Window, r.Scale = "ok", out, &rb, []int{w.Min.X, w.Min.Y, w.Max.X, w.Max.Y}, round(info.Scale, 4)
	r.Angle = round(info.Angle, 2)
	return r
}
