package main

import (
	"flag"
	"fmt"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/models"
)

// detectorFlags are the face detector flags every command that finds faces shares.
type detectorFlags struct {
	kind      string
	faceModel string
	minScore  float64
	minSize   int
	upright   bool
	loaded    *model.Model // BlazeFace's model, loaded once and shared by every worker
}

func (f *detectorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "detector", liveness.DetectorBlazeFace, "face detector: blazeface or pigo (pico's cascade, the detector before BlazeFace)")
	fs.StringVar(&f.faceModel, "face-model", "front", "BlazeFace model: front (built in, 128×128, faces at selfie distance), back (built in, 256×256, smaller faces, 6× the work) or an ONNX file")
	fs.Float64Var(&f.minScore, "min-score", 0, fmt.Sprintf("BlazeFace: least face probability (0: %g)", face.DefaultBlazeFaceMinScore))
	fs.IntVar(&f.minSize, "min-size", 0, "pigo: smallest face side in pixels (0: 15% of the shorter side)")
	fs.BoolVar(&f.upright, "upright", false, "pigo: do not search for tilted faces")
}

// load validates the flags and loads BlazeFace's model once; call it before any image.
func (f *detectorFlags) load() error {
	switch f.kind {
	case liveness.DetectorPigo:
		return f.pigoOptions().Validate()
	case liveness.DetectorBlazeFace:
	default:
		return fmt.Errorf("unknown -detector %q (known: blazeface, pigo)", f.kind)
	}
	if err := f.blazeFaceOptions().Validate(); err != nil {
		return err
	}
	var data []byte
	switch f.faceModel {
	case "front":
		data = models.BlazeFaceFront
	case "back":
		data = models.BlazeFaceBack
	default:
		var err error
		if data, err = readModelFile(f.faceModel); err != nil {
			return err
		}
	}
	m, err := model.Load(data, model.Options{})
	if err != nil {
		return &face.ModelError{Reason: "cannot load " + f.faceModel, Err: err}
	}
	// Check the model's inputs and outputs now rather than in every worker.
	if _, err := face.NewBlazeFaceModel(m, f.blazeFaceOptions()); err != nil {
		return err
	}
	f.loaded = m
	return nil
}

func (f *detectorFlags) pigoOptions() face.PigoOptions {
	return face.PigoOptions{MinSize: f.minSize, Upright: f.upright}
}

func (f *detectorFlags) blazeFaceOptions() face.BlazeFaceOptions {
	return face.BlazeFaceOptions{MinScore: f.minScore}
}

// detector returns a new detector (one per goroutine); load must have succeeded.
func (f *detectorFlags) detector() (face.Detector, error) {
	if f.kind == liveness.DetectorPigo {
		return face.NewPigo(f.pigoOptions())
	}
	return face.NewBlazeFaceModel(f.loaded, f.blazeFaceOptions())
}

// config fills a liveness.Config's detector fields.
func (f *detectorFlags) config(cfg *liveness.Config) {
	cfg.Detector = f.kind
	cfg.FaceLoaded = f.loaded
	cfg.BlazeFace = f.blazeFaceOptions()
	cfg.Pigo = f.pigoOptions()
}
