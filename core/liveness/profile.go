package liveness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bonafide-pad/bonafide"
	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/model"
)

// Metadata keys bonafide's models carry in metadata_props (see models/README.md). A model without
// them needs an explicit Profile.
const (
	KeyKind      = "bonafide.kind"             // "pyramid-binary", "patchnet", "pyramid-depth" or "softmax"
	KeyCrop      = "bonafide.crop"             // face.CropSpec in ParseCropSpec's form
	KeyInput     = "bonafide.input"            // the image input's name
	KeyScore     = "bonafide.output.score"     // output holding the live probability in [0,1]
	KeyLogits    = "bonafide.output.logits"    // softmax kind: output holding class logits
	KeyLiveIndex = "bonafide.live_index"       // softmax kind: index of the live class
	KeyMaps      = "bonafide.maps"             // "LABEL:OUTPUT,..." live-probability maps, e.g. "8x8:map8"
	KeyEmbedding = "bonafide.output.embedding" // patchnet: [P,D] L2-normalised patch embeddings
	KeyThreshold = "bonafide.threshold"        // default decision threshold on the score
	// KeyVersion is the bonafide release the model was made for (semantic version). Its major
	// version must be this release's (see checkVersion).
	KeyVersion = "bonafide.version"
	// KeyMapRegion says where the maps carry evidence: "crop" (every cell; the default) or "face"
	// (the cells the face box covers: cells outside it were not trained and are masked when shown).
	KeyMapRegion = "bonafide.maps.region"
)

// Map regions (Profile.MapRegion).
const (
	MapRegionCrop = "crop"
	MapRegionFace = "face"
)

// Kinds of model.
const (
	KindPyramidBinary = "pyramid-binary"
	KindPatchNet      = "patchnet"
	KindPyramidDepth  = "pyramid-depth"
	KindSoftmax       = "softmax"
)

// Profile says how to use a model: what crop it wants and what its outputs mean.
type Profile struct {
	Kind string
	Crop face.CropSpec
	// Input is the image input's name; empty means the model's only input.
	Input string
	// Score names the output that holds the live probability (shape with one element). For
	// KindSoftmax, Logits names the class logits and LiveIndex the live class instead.
	Score     string
	Logits    string
	LiveIndex int
	// Maps lists live-probability maps ("8x8" → output name), coarse to fine as the model lists them.
	Maps []MapSpec
	// Embedding names PatchNet's per-patch embeddings, for reference-based checks.
	Embedding string
	// Threshold is the default decision threshold on the score.
	Threshold float64
	// Version is the model's bonafide.version, or a description for a profile without metadata.
	Version string
	// MapRegion is where the maps mean something: MapRegionCrop (every cell) or MapRegionFace (only
	// the cells over the face box; an overlay should mask the others). Empty reads as MapRegionCrop.
	MapRegion string
}

// MapSpec names one spoof map output.
type MapSpec struct {
	Label  string // e.g. "8x8"
	Output string
}

// ConfigError reports a Config, option or threshold outside its domain. New, SetThreshold and
// NewSession return it; nothing later does.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("liveness: %s: %s", e.Field, e.Msg) }

// Kind is errs.Config.
func (e *ConfigError) Kind() errs.Kind { return errs.Config }

// ProfileError reports model metadata that cannot be read, or a profile that does not fit the
// model (an output it names is missing, a map of the wrong size): the model cannot be used for
// liveness as described.
type ProfileError struct {
	// Field is the metadata key or profile field at fault.
	Field string
	Msg   string
}

func (e *ProfileError) Error() string { return fmt.Sprintf("liveness: %s: %s", e.Field, e.Msg) }

// Kind is errs.Model.
func (e *ProfileError) Kind() errs.Kind { return errs.Model }

// VersionError reports a model whose bonafide.version names another major version of bonafide
// than this one, or is not a version at all: this release cannot know what its metadata means.
type VersionError struct {
	Model   string // the model's bonafide.version
	Release string // this release (bonafide.Version)
}

func (e *VersionError) Error() string {
	major, _, _, err := bonafide.ParseVersion(e.Release)
	if err != nil {
		return fmt.Sprintf("liveness: %s: this release's own version: %v", KeyVersion, err)
	}
	if _, _, _, err := bonafide.ParseVersion(e.Model); err != nil {
		return fmt.Sprintf("liveness: %s: %v; bonafide %s reads models made for %d.x", KeyVersion, err, e.Release, major)
	}
	return fmt.Sprintf("liveness: %s: the model was made for bonafide %s; bonafide %s reads models made for %d.x (re-export it, or use a bonafide release of its major version)",
		KeyVersion, e.Model, e.Release, major)
}

// Kind is errs.Model: the model cannot be used by this release.
func (e *VersionError) Kind() errs.Kind { return errs.Model }

// checkVersion applies the model-version rule (models/README.md, "Versions"): a model made for
// this release's major version loads, whatever its minor version (within a major version the
// metadata contract only gains keys, which older releases ignore). Major version 0 marks files that
// were never released (test nets "0.0.0-test", untrained architecture checks "0.0.0-untrained"):
// they load in every release, as they did before versions were checked. A model without the key
// loads too: it predates the key, and nothing about it can be checked. Anything else, another
// major version or a value that is not a version, is a *VersionError.
func checkVersion(v string) error {
	if v == "" {
		return nil
	}
	release := bonafide.Version()
	want, _, _, err := bonafide.ParseVersion(release)
	if err != nil {
		return &VersionError{Model: v, Release: release}
	}
	got, _, _, err := bonafide.ParseVersion(v)
	if err != nil || (got != 0 && got != want) {
		return &VersionError{Model: v, Release: release}
	}
	return nil
}

// MiniFASNetV2Profile is the profile of Silent-Face-Anti-Spoofing's MiniFASNetV2 (80×80, three
// classes, class 1 live), whose ONNX file carries no bonafide metadata.
func MiniFASNetV2Profile() Profile {
	return Profile{Kind: KindSoftmax, Crop: face.MiniFASNetV2Spec(), Logits: "output", LiveIndex: 1, Threshold: 0.5,
		Version: "MiniFASNetV2 (Silent-Face-Anti-Spoofing, Apache-2.0)"}
}

// Names of the built-in profiles, for NamedProfile: the CLI's -profile and the browser's
// options.profile take them.
const ProfileMiniFASNetV2 = "minifasnet-v2"

// NamedProfile returns a built-in profile by name (ProfileMiniFASNetV2), or a *ConfigError naming
// the known ones.
func NamedProfile(name string) (Profile, error) {
	switch name {
	case ProfileMiniFASNetV2:
		return MiniFASNetV2Profile(), nil
	}
	return Profile{}, &ConfigError{Field: "profile", Msg: fmt.Sprintf("unknown profile %q (known: %s)", name, ProfileMiniFASNetV2)}
}

// ProfileFromMetadata reads a model's bonafide.* metadata.
func ProfileFromMetadata(meta map[string]string) (Profile, error) {
	p := Profile{Kind: meta[KeyKind], Input: meta[KeyInput], Score: meta[KeyScore], Logits: meta[KeyLogits],
		Embedding: meta[KeyEmbedding], Version: meta[KeyVersion], Threshold: 0.5, MapRegion: meta[KeyMapRegion]}
	if p.Kind == "" {
		return p, &ProfileError{Field: KeyKind, Msg: "the model has no bonafide metadata; pass a Profile (e.g. MiniFASNetV2Profile)"}
	}
	if err := checkVersion(p.Version); err != nil {
		return p, err
	}
	spec, ok := meta[KeyCrop]
	if !ok {
		return p, &ProfileError{Field: KeyCrop, Msg: "missing"}
	}
	var err error
	if p.Crop, err = face.ParseCropSpec(spec); err != nil {
		return p, &ProfileError{Field: KeyCrop, Msg: err.Error()}
	}
	if s, ok := meta[KeyThreshold]; ok {
		if p.Threshold, err = strconv.ParseFloat(s, 64); err != nil {
			return p, &ProfileError{Field: KeyThreshold, Msg: fmt.Sprintf("not a number: %q", s)}
		}
	}
	if s, ok := meta[KeyLiveIndex]; ok {
		if p.LiveIndex, err = strconv.Atoi(s); err != nil {
			return p, &ProfileError{Field: KeyLiveIndex, Msg: fmt.Sprintf("not an integer: %q", s)}
		}
	}
	switch p.MapRegion {
	case "", MapRegionCrop, MapRegionFace:
	default:
		return p, &ProfileError{Field: KeyMapRegion, Msg: fmt.Sprintf("%q is neither %q nor %q", p.MapRegion, MapRegionCrop, MapRegionFace)}
	}
	if s := meta[KeyMaps]; s != "" {
		for _, pair := range strings.Split(s, ",") {
			label, out, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok || label == "" || out == "" {
				return p, &ProfileError{Field: KeyMaps, Msg: fmt.Sprintf("want LABEL:OUTPUT pairs, got %q", pair)}
			}
			p.Maps = append(p.Maps, MapSpec{Label: label, Output: out})
		}
	}
	return p, nil
}

// binding is a profile resolved against a model: output indices and shapes.
type binding struct {
	input     int
	score     int // output index of the score or the logits
	softmax   bool
	liveIndex int
	classes   int
	maps      []mapBinding
	embedding int // -1 when absent
	embedDim  int
}

type mapBinding struct {
	label string
	out   int
	w, h  int
}

func bind(p Profile, m *model.Model) (binding, error) {
	b := binding{embedding: -1}
	if err := p.Crop.Validate(); err != nil {
		return b, &ProfileError{Field: "crop", Msg: err.Error()}
	}
	if p.MapRegion != "" && p.MapRegion != MapRegionCrop && p.MapRegion != MapRegionFace {
		return b, &ProfileError{Field: "map region", Msg: fmt.Sprintf("%q is neither %q nor %q", p.MapRegion, MapRegionCrop, MapRegionFace)}
	}
	ins := m.Inputs()
	switch {
	case p.Input == "" && len(ins) == 1:
		b.input = 0
	default:
		b.input = -1
		for i, in := range ins {
			if in.Name == p.Input {
				b.input = i
			}
		}
		if b.input < 0 || len(ins) != 1 {
			return b, &ProfileError{Field: "input", Msg: fmt.Sprintf("the model's inputs are %v; a liveness model takes one image input (profile names %q)", ins, p.Input)}
		}
	}
	want := []int{1, 3, p.Crop.Height, p.Crop.Width}
	if got := ins[b.input].Shape; !slices.Equal(got, want) {
		return b, &ProfileError{Field: "input", Msg: fmt.Sprintf("input %q has shape %v, the crop spec %s needs %v", ins[b.input].Name, got, p.Crop, want)}
	}
	outs := m.Outputs()
	find := func(field, name string) (int, error) {
		for i, o := range outs {
			if o.Name == name {
				return i, nil
			}
		}
		return -1, &ProfileError{Field: field, Msg: fmt.Sprintf("the model has no output %q (outputs: %v)", name, outs)}
	}
	var err error
	switch p.Kind {
	case KindSoftmax:
		b.softmax, b.liveIndex = true, p.LiveIndex
		if b.score, err = find("logits", p.Logits); err != nil {
			return b, err
		}
		b.classes = outs[b.score].Len()
		if b.classes < 2 || p.LiveIndex < 0 || p.LiveIndex >= b.classes {
			return b, &ProfileError{Field: "live_index", Msg: fmt.Sprintf("%d with %d classes", p.LiveIndex, b.classes)}
		}
	case KindPyramidBinary, KindPatchNet, KindPyramidDepth:
		if b.score, err = find("score", p.Score); err != nil {
			return b, err
		}
		if n := outs[b.score].Len(); n != 1 {
			return b, &ProfileError{Field: "score", Msg: fmt.Sprintf("output %q has %d elements, want 1", p.Score, n)}
		}
	default:
		return b, &ProfileError{Field: "kind", Msg: fmt.Sprintf("unknown model kind %q", p.Kind)}
	}
	for _, ms := range p.Maps {
		i, err := find("maps", ms.Output)
		if err != nil {
			return b, err
		}
		w, h, err := parseLabel(ms.Label)
		if err != nil {
			return b, err
		}
		if n := outs[i].Len(); n != w*h {
			return b, &ProfileError{Field: "maps", Msg: fmt.Sprintf("map %s (%q) has %d elements, want %d", ms.Label, ms.Output, n, w*h)}
		}
		b.maps = append(b.maps, mapBinding{label: ms.Label, out: i, w: w, h: h})
	}
	if p.Embedding != "" {
		if b.embedding, err = find("embedding", p.Embedding); err != nil {
			return b, err
		}
		s := outs[b.embedding].Shape
		if len(s) != 2 || s[0] < 1 || s[1] < 1 {
			return b, &ProfileError{Field: "embedding", Msg: fmt.Sprintf("output %q has shape %v, want [patches, dim], neither 0", p.Embedding, s)}
		}
		b.embedDim = s[1]
	}
	if !(p.Threshold >= 0 && p.Threshold <= 1) {
		return b, &ProfileError{Field: "threshold", Msg: fmt.Sprintf("%v is outside [0,1]", p.Threshold)}
	}
	return b, nil
}

func parseLabel(label string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(label, "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 {
		return 0, 0, &ProfileError{Field: "maps", Msg: fmt.Sprintf("label %q is not WxH", label)}
	}
	// Bounded before multiplying: 9223372036854775807x9223372036854775807 once overflowed to a
	// map of 1 element, and the first frame panicked allocating it.
	if int64(w) > model.MaxElements || int64(h) > model.MaxElements/int64(w) {
		return 0, 0, &ProfileError{Field: "maps", Msg: fmt.Sprintf("label %q has more than %d elements", label, model.MaxElements)}
	}
	return w, h, nil
}
