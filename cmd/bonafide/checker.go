package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/model"
)

// modelFlags are the flags every command that scores faces shares.
type modelFlags struct {
	path      string
	profile   string
	threshold float64
	det       detectorFlags
	stderr    io.Writer // the flag set's output, for deprecation notes
}

func (f *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.path, "model", "", "ONNX liveness model (default: the built-in default model)")
	fs.StringVar(&f.profile, "profile", "", `how to read a model without bonafide metadata: "`+liveness.ProfileMiniFASNetV2+`" (Silent-Face's MiniFASNetV2)`)
	fs.Float64Var(&f.threshold, "threshold", 0, "decision threshold on the live score (default: the model's)")
	f.det.register(fs)
	f.stderr = fs.Output()
}

// load loads the model (and the face detector's) once; checkers for several goroutines share it.
func (f *modelFlags) load() (*model.Model, *liveness.Profile, error) {
	// 0 means the model's threshold; anything else outside [0,1], NaN included, once fell back to
	// it silently.
	if !(f.threshold >= 0 && f.threshold <= 1) {
		return nil, nil, usagef("-threshold %v: want a number in [0,1] (0: the model's)", f.threshold)
	}
	if err := f.det.load(); err != nil {
		return nil, nil, err
	}
	var data []byte
	var err error
	if f.path == "" {
		data, err = defaultModel()
	} else {
		data, err = readModelFile(f.path)
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(data, model.Options{})
	if err != nil {
		return nil, nil, err
	}
	if f.profile == "" {
		return m, nil, nil
	}
	name := f.profile
	if name == "minifasnet" {
		// The name before 1.0.0; accepted for one release.
		fmt.Fprintf(f.stderr, "bonafide: -profile minifasnet is deprecated: use -profile %s\n", liveness.ProfileMiniFASNetV2)
		name = liveness.ProfileMiniFASNetV2
	}
	p, err := liveness.NamedProfile(name)
	if err != nil {
		return nil, nil, err
	}
	return m, &p, nil
}

func (f *modelFlags) checker(m *model.Model, p *liveness.Profile) (*liveness.Checker, error) {
	cfg := liveness.Config{Loaded: m, Profile: p, Threshold: f.threshold}
	f.det.config(&cfg)
	return liveness.New(cfg)
}

var errNoDefaultModel = errors.New("no default model is built in; pass -model")
