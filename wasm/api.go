//go:build js && wasm

package main

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"time"
	"unsafe"

	"github.com/hack-pad/safejs"

	"github.com/bonafide-pad/bonafide"
	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/model"
)

// api holds everything the JS side can reach: checkers, sessions and low-level models by handle,
// and the buffers one frame needs. It is used from JS's single thread only.
type api struct {
	checkers map[int]*checker
	models   map[int]*lowModel
	nextID   int

	funcs     []safejs.Func
	liveFuncs int // js.Funcs created and not yet released (the soak test watches it)
	exit      chan struct{}

	promise, errorCtor, uint8Array, array safejs.Value

	pix  []byte // the frame's pixels, reused
	blob blob
}

type checker struct {
	c        *liveness.Checker
	sessions map[int]*liveness.Session
}

type lowModel struct {
	m      *model.Model
	s      *model.Runner
	inputs [][]float32

	// Made once at load so that run allocates nothing of its own: the outputs' names and shapes for
	// the blob's header, the feeds' paths for error messages, and room for one input's dims.
	outNames  []string
	outShapes [][]int
	paths     []feedPaths
	dims      []int
}

// feedPaths names the fields of run's feed i in errors: "inputs[i]", "inputs[i].dims", "inputs[i].data".
type feedPaths struct{ feed, dims, data string }

func newLowModel(m *model.Model) *lowModel {
	lm := &lowModel{m: m, s: m.NewRunner(), dims: make([]int, 0, maxListLength)}
	for i, in := range m.Inputs() {
		lm.inputs = append(lm.inputs, make([]float32, in.Len()))
		p := fmt.Sprintf("inputs[%d]", i)
		lm.paths = append(lm.paths, feedPaths{feed: p, dims: p + ".dims", data: p + ".data"})
	}
	for _, o := range m.Outputs() {
		lm.outNames = append(lm.outNames, o.Name)
		lm.outShapes = append(lm.outShapes, o.Shape)
	}
	return lm
}

func newAPI() (*api, error) {
	a := &api{checkers: map[int]*checker{}, models: map[int]*lowModel{}, exit: make(chan struct{}, 1)}
	g := safejs.Global()
	var err error
	for _, c := range []struct {
		dst  *safejs.Value
		name string
	}{{&a.promise, "Promise"}, {&a.errorCtor, "Error"}, {&a.uint8Array, "Uint8Array"}, {&a.array, "Array"}} {
		if *c.dst, err = g.Get(c.name); err != nil {
			return nil, err
		}
		if c.dst.Type() != safejs.TypeFunction {
			return nil, fmt.Errorf("bonafide: the JS global %s is missing", c.name)
		}
	}
	return a, nil
}

// method is one exported function: it gets the JS arguments and returns a value for the promise to
// resolve with, or an error for it to reject with.
type method func(args []safejs.Value) (any, error)

func (a *api) methods() map[string]method {
	return map[string]method{
		"version":      a.version,
		"newChecker":   a.newChecker,
		"setOptions":   a.setOptions,
		"analyze":      a.analyze,
		"startSession": a.startSession,
		"endSession":   a.endSession,
		"closeChecker": a.closeChecker,
		"loadModel":    a.loadModel,
		"run":          a.run,
		"closeModel":   a.closeModel,
		"stats":        a.stats,
		"exit":         a.exitMethod,
	}
}

// object builds the JS object of exported functions. Every call returns a promise; a panic or a
// thrown JS value inside Go rejects it like any other error, with {name, message}.
func (a *api) object() (safejs.Value, error) {
	obj, err := safejs.Global().Get("Object")
	if err == nil {
		obj, err = obj.New()
	}
	if err != nil {
		return obj, err
	}
	ms := a.methods()
	names := make([]string, 0, len(ms))
	for n := range ms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := ms[name]
		f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any { return a.call(m, args) })
		if err != nil {
			return obj, err
		}
		a.funcs = append(a.funcs, f)
		a.liveFuncs++
		if err := obj.Set(name, f.Value()); err != nil {
			return obj, err
		}
	}
	return obj, nil
}

// release frees every exported function; the object is dead afterwards.
func (a *api) release() {
	for _, f := range a.funcs {
		f.Release()
		a.liveFuncs--
	}
	a.funcs = nil
}

func (a *api) call(m method, args []safejs.Value) (ret any) {
	defer func() {
		if r := recover(); r != nil {
			ret = a.reject(recovered(r))
		}
	}()
	v, err := m(args)
	if err != nil {
		return a.reject(err)
	}
	p, err := a.promise.Call("resolve", v)
	if err != nil {
		return a.reject(err)
	}
	return p
}

// reject returns a rejected promise whose reason is an Error with the name from classify and the
// actionable fields as properties.
func (a *api) reject(err error) any {
	name, details := classify(err)
	e, jerr := a.errorCtor.New(err.Error())
	if jerr == nil {
		jerr = e.Set("name", name)
	}
	for k, v := range details {
		if jerr == nil {
			jerr = e.Set(k, v)
		}
	}
	if jerr != nil {
		// Building the Error failed (a hostile global?): fall back to a plain object.
		if e, jerr = safejs.ValueOf(map[string]any{"name": name, "message": err.Error()}); jerr != nil {
			return nil
		}
	}
	p, jerr := a.promise.Call("reject", e)
	if jerr != nil {
		return nil
	}
	return p
}

func (a *api) id() int {
	a.nextID++
	return a.nextID
}

func (a *api) checker(args []safejs.Value) (*checker, error) {
	id, err := intArg(args, 0, "checker handle")
	if err != nil {
		return nil, err
	}
	c := a.checkers[id]
	if c == nil {
		return nil, &stateError{what: fmt.Sprintf("checker %d is closed", id)}
	}
	return c, nil
}

// ---------------------------------------------------------------------------------------- methods

func (a *api) version(args []safejs.Value) (any, error) {
	return map[string]any{
		"version":        bonafide.Version(),
		"go":             runtime.Version(),
		"maxImageSide":   face.MaxImageSide,
		"maxImagePixels": face.MaxImagePixels,
		"maxModelBytes":  model.MaxModelBytes,
		"qualityCodes":   anyStrings(face.Codes()),
	}, nil
}

// newChecker(model: Uint8Array, options, faceModel?: Uint8Array) → {id, profile, model, options,
// detector}. Every option is checked here, once, by liveness.New; options in the reply are the ones
// in effect, defaults filled in by Go (the JS side keeps no copy of them). faceModel is BlazeFace's
// ONNX file, which the page fetches (options.detector "blazeface", the default); with
// options.detector "pigo" it is pico's cascade (models/facefinder), which the lean build needs.
func (a *api) newChecker(args []safejs.Value) (any, error) {
	data, err := bytesArg(nil, argOr(args, 0), "model", model.MaxModelBytes)
	if err != nil {
		return nil, err
	}
	o, err := optsOf(argOr(args, 1), "options")
	if err != nil {
		return nil, err
	}
	cfg := liveness.Config{Model: data, Track: true}
	if cfg.Threshold, _, err = o.float("threshold"); err != nil {
		return nil, err
	}
	if t, ok, err := o.boolean("track"); err != nil {
		return nil, err
	} else if ok {
		cfg.Track = t
	}
	if p, ok, err := o.string("profile"); err != nil {
		return nil, err
	} else if ok {
		prof, err := liveness.NamedProfile(p)
		if err != nil {
			return nil, err
		}
		cfg.Profile = &prof
	}
	if cfg.Quality, err = qualityOptions(o); err != nil {
		return nil, err
	}
	if cfg.Session, err = sessionOptions(o); err != nil {
		return nil, err
	}
	if cfg.Detector, _, err = o.string("detector"); err != nil {
		return nil, err
	}
	switch cfg.Detector {
	case "", liveness.DetectorBlazeFace:
		cfg.Detector = liveness.DetectorBlazeFace
		if cfg.FaceModel, err = bytesArg(nil, argOr(args, 2), "faceModel", model.MaxModelBytes); err != nil {
			return nil, err
		}
	case liveness.DetectorPigo:
	default:
		return nil, rangeErrorf("options.detector: unknown detector %q (known: blazeface, pigo)", cfg.Detector)
	}
	if cfg.Pigo, err = pigoOptions(o); err != nil {
		return nil, err
	}
	if cfg.Detector == liveness.DetectorPigo {
		// The browser's (lean) build embeds no cascade: the page passes models/facefinder here.
		// Without it a build that embeds one uses that, and the lean one fails with face's
		// *CascadeError, which says what to pass.
		if fm := argOr(args, 2); fm.Type() != safejs.TypeUndefined && fm.Type() != safejs.TypeNull {
			if cfg.Pigo.Cascade, err = bytesArg(nil, fm, "faceModel (pigo's cascade)", model.MaxModelBytes); err != nil {
				return nil, err
			}
		}
	}
	if cfg.BlazeFace, err = blazeFaceOptions(o); err != nil {
		return nil, err
	}
	c, err := liveness.New(cfg)
	if err != nil {
		return nil, err
	}
	id := a.id()
	a.checkers[id] = &checker{c: c, sessions: map[int]*liveness.Session{}}
	p := c.Profile()
	maps := make([]any, len(p.Maps))
	for i, m := range p.Maps {
		maps[i] = m.Label
	}
	return map[string]any{
		"id": id,
		"profile": map[string]any{
			"kind": p.Kind, "crop": p.Crop.String(), "cropWidth": p.Crop.Width, "cropHeight": p.Crop.Height,
			"threshold": p.Threshold, "maps": maps, "mapRegion": mapRegion(p), "version": p.Version,
		},
		"threshold": c.Threshold(),
		"model":     modelInfo(c.Model()),
		"options":   optionsInfo(c),
		"detector":  cfg.Detector,
	}, nil
}

// optionsInfo is what a checker's options are now, for the JS side to carry.
func optionsInfo(c *liveness.Checker) map[string]any {
	q := c.Quality()
	quality := map[string]any{}
	for _, f := range qualityFields(&q) {
		quality[f.name] = *f.dst
	}
	quality["skip"] = anyStrings(q.Skip)
	so := c.SessionOptions()
	return map[string]any{"threshold": c.Threshold(), "quality": quality, "minFrames": so.MinFrames, "maxFrames": so.MaxFrames}
}

// qualityField is one numeric limit of face.QualityOptions under its JS name.
type qualityField struct {
	name string
	dst  *float64
}

func qualityFields(q *face.QualityOptions) []qualityField {
	return []qualityField{
		{"otherFaceRatio", &q.OtherFaceRatio}, {"minFaceFrac", &q.MinFaceFrac}, {"maxFaceFrac", &q.MaxFaceFrac},
		{"outsideMargin", &q.OutsideMargin}, {"maxOutside", &q.MaxOutside}, {"maxOffCentre", &q.MaxOffCentre},
		{"minBrightness", &q.MinBrightness}, {"maxBrightness", &q.MaxBrightness}, {"maxClipped", &q.MaxClipped},
		{"minContrast", &q.MinContrast}, {"minSharpness", &q.MinSharpness}, {"maxRoll", &q.MaxRoll},
		{"maxYaw", &q.MaxYaw}, {"minEyeContrast", &q.MinEyeContrast},
	}
}

// sessionOptions reads minFrames, maxFrames and (for a session) threshold.
func sessionOptions(o opts) (liveness.SessionOptions, error) {
	var so liveness.SessionOptions
	var err error
	if so.MinFrames, _, err = o.int("minFrames"); err != nil {
		return so, err
	}
	so.MaxFrames, _, err = o.int("maxFrames")
	return so, err
}

// mapRegion is where the profile's maps carry evidence: "face" or "crop" (also for profiles that do
// not say).
func mapRegion(p liveness.Profile) string {
	if p.MapRegion == "" {
		return liveness.MapRegionCrop
	}
	return p.MapRegion
}

func qualityOptions(o opts) (face.QualityOptions, error) {
	var q face.QualityOptions
	qo, ok, err := o.object("quality")
	if !ok || err != nil {
		return q, err
	}
	fields := qualityFields(&q)
	if err := qo.onlyKeys(func(k string) bool {
		return k == "skip" || slices.ContainsFunc(fields, func(f qualityField) bool { return f.name == k })
	}, "a limit of the quality gate (or skip)"); err != nil {
		return q, err
	}
	for _, f := range fields {
		if *f.dst, _, err = qo.float(f.name); err != nil {
			return q, err
		}
	}
	if q.Skip, _, err = qo.strings("skip"); err != nil {
		return q, err
	}
	return q, nil
}

// blazeFaceOptions reads options.blazeface: {minScore?, maxFaces?}.
func blazeFaceOptions(o opts) (face.BlazeFaceOptions, error) {
	var d face.BlazeFaceOptions
	do, ok, err := o.object("blazeface")
	if !ok || err != nil {
		return d, err
	}
	if d.MinScore, _, err = do.float("minScore"); err != nil {
		return d, err
	}
	d.MaxFaces, _, err = do.int("maxFaces")
	return d, err
}

// pigoOptions reads options.pigo: {minSize?, maxSize?, minSizeFrac?, maxAngle?, minScore?, upright?}.
func pigoOptions(o opts) (face.PigoOptions, error) {
	var d face.PigoOptions
	do, ok, err := o.object("pigo")
	if !ok || err != nil {
		return d, err
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"minSizeFrac", &d.MinSizeFrac}, {"maxAngle", &d.MaxAngle}, {"minScore", &d.MinScore}} {
		if *f.dst, _, err = do.float(f.name); err != nil {
			return d, err
		}
	}
	if d.MinSize, _, err = do.int("minSize"); err != nil {
		return d, err
	}
	if d.MaxSize, _, err = do.int("maxSize"); err != nil {
		return d, err
	}
	d.Upright, _, err = do.boolean("upright")
	return d, err
}

// setOptions(id, {threshold?, quality?, minFrames?, maxFrames?, resetTracking?}) → the options in
// effect (as newChecker's). quality replaces the whole gate and minFrames/maxFrames both session
// defaults (the JS side merges partial updates over what Go returned); nothing changes unless
// every option is valid.
func (a *api) setOptions(args []safejs.Value) (any, error) {
	c, err := a.checker(args)
	if err != nil {
		return nil, err
	}
	o, err := optsOf(argOr(args, 1), "options")
	if err != nil {
		return nil, err
	}
	// Read and check everything first, then apply: a bad option changes nothing.
	t, setT, err := o.float("threshold")
	if err != nil {
		return nil, err
	}
	if setT && t == 0 {
		// 0 is "the default" wherever a threshold is given: newChecker's (liveness.Config) and a
		// session's (liveness.SessionOptions) read it so, and here it once set a threshold of 0.
		t = c.c.Profile().Threshold
	}
	_, setQ, err := o.get("quality")
	if err != nil {
		return nil, err
	}
	q, err := qualityOptions(o)
	if err != nil {
		return nil, err
	}
	so, err := sessionOptions(o)
	if err != nil {
		return nil, err
	}
	setS := so != (liveness.SessionOptions{})
	reset, _, err := o.boolean("resetTracking")
	if err != nil {
		return nil, err
	}
	old := c.c.Threshold()
	if setT {
		if err := c.c.SetThreshold(t); err != nil {
			return nil, err
		}
	}
	oldQ := c.c.Quality()
	if setQ {
		if err := c.c.SetQuality(q); err != nil {
			c.c.SetThreshold(old) //nolint:errcheck // it was valid
			return nil, err
		}
	}
	if setS {
		if err := c.c.SetSessionOptions(so); err != nil {
			c.c.SetThreshold(old) //nolint:errcheck // it was valid
			c.c.SetQuality(oldQ)  //nolint:errcheck // it was valid
			return nil, err
		}
	}
	if reset {
		c.c.ResetTracking()
	}
	return optionsInfo(c.c), nil
}

// analyze(id, pixels: Uint8Array|Uint8ClampedArray RGBA, width, height, session?, reset?,
// timestampMs?) → blob (see blob.go). reset forgets the tracked face first (independent images
// rather than video); timestampMs, the video frame's time, reaches the face tracker. In a session
// the frame goes to the liveness.Session, whose verdict (with its evidence) the blob carries.
// The frame's bytes cross once, in; the result crosses once, out.
func (a *api) analyze(args []safejs.Value) (any, error) {
	c, err := a.checker(args)
	if err != nil {
		return nil, err
	}
	w, err := intArg(args, 2, "width")
	if err != nil {
		return nil, err
	}
	h, err := intArg(args, 3, "height")
	if err != nil {
		return nil, err
	}
	var sess *liveness.Session
	if s := argOr(args, 4); s.Type() != safejs.TypeUndefined && s.Type() != safejs.TypeNull {
		sid, err := intArg(args, 4, "session handle")
		if err != nil {
			return nil, err
		}
		if sid != 0 {
			if sess = c.sessions[sid]; sess == nil {
				return nil, &stateError{what: fmt.Sprintf("session %d is closed", sid)}
			}
		}
	}
	if a.pix, err = bytesArg(a.pix, argOr(args, 1), "pixels", 4*face.MaxImagePixels); err != nil {
		return nil, err
	}
	img, err := face.FrameRGBA(a.pix, w, h)
	if err != nil {
		return nil, err
	}
	if reset := argOr(args, 5); reset.Type() == safejs.TypeBoolean {
		if b, _ := reset.Bool(); b {
			c.c.ResetTracking()
		}
	}
	ts := time.Duration(-1)
	if tv := argOr(args, 6); tv.Type() != safejs.TypeUndefined && tv.Type() != safejs.TypeNull {
		ms, err := tv.Float()
		if tv.Type() != safejs.TypeNumber || err != nil {
			return nil, typeErrorf("timestampMs: want a number, got %s", tv.Type())
		}
		if !(ms >= 0 && ms < 1e12) {
			return nil, rangeErrorf("timestampMs: want a time in milliseconds in [0, 1e12), got %v", ms)
		}
		ts = time.Duration(ms * float64(time.Millisecond))
	}
	var (
		r  *liveness.Result
		v  liveness.Verdict
		vp *liveness.Verdict
	)
	switch {
	case sess != nil && ts >= 0:
		r, v, err = sess.AnalyzeAt(img, ts)
		vp = &v
	case sess != nil:
		r, v, err = sess.Analyze(img)
		vp = &v
	case ts >= 0:
		r, err = c.c.AnalyzeAt(img, ts)
	default:
		r, err = c.c.Analyze(img)
	}
	if err != nil {
		return nil, err
	}
	return a.bytesOut(a.blob.encodeResult(r, w, h, vp))
}

// bytesOut copies b into a fresh Uint8Array (fresh, so that the worker can transfer its buffer).
func (a *api) bytesOut(b []byte) (any, error) {
	u, err := a.uint8Array.New(len(b))
	if err != nil {
		return nil, err
	}
	if _, err := safejs.CopyBytesToJS(u, b); err != nil {
		return nil, err
	}
	return u, nil
}

// startSession(id, {minFrames?, maxFrames?, threshold?}) → session handle. Absent options are the
// checker's (newChecker's minFrames and maxFrames, its threshold); the liveness.Session resets the
// face tracker: a session is a new look at the camera.
func (a *api) startSession(args []safejs.Value) (any, error) {
	c, err := a.checker(args)
	if err != nil {
		return nil, err
	}
	o, err := optsOf(argOr(args, 1), "options")
	if err != nil {
		return nil, err
	}
	so, err := sessionOptions(o)
	if err != nil {
		return nil, err
	}
	if so.Threshold, _, err = o.float("threshold"); err != nil {
		return nil, err
	}
	if len(c.sessions) >= maxSessions {
		return nil, rangeErrorf("%d sessions are open on this checker: end some first", len(c.sessions))
	}
	s, err := c.c.NewSession(so)
	if err != nil {
		return nil, err
	}
	id := a.id()
	c.sessions[id] = s
	return id, nil
}

// maxSessions bounds what a page can make the Go side hold (each session keeps its frames' scores,
// bounded by liveness.MaxSessionFrames, and up to two evidence crops).
const maxSessions = 64

func (a *api) endSession(args []safejs.Value) (any, error) {
	c, err := a.checker(args)
	if err != nil {
		return nil, err
	}
	sid, err := intArg(args, 1, "session handle")
	if err != nil {
		return nil, err
	}
	delete(c.sessions, sid)
	return nil, nil
}

func (a *api) closeChecker(args []safejs.Value) (any, error) {
	id, err := intArg(args, 0, "checker handle")
	if err != nil {
		return nil, err
	}
	delete(a.checkers, id)
	return nil, nil
}

// loadModel(bytes, {batch?, dims?}) → {id, inputs, outputs, metadata, …}
func (a *api) loadModel(args []safejs.Value) (any, error) {
	data, err := bytesArg(nil, argOr(args, 0), "model", model.MaxModelBytes)
	if err != nil {
		return nil, err
	}
	o, err := optsOf(argOr(args, 1), "options")
	if err != nil {
		return nil, err
	}
	var mo model.Options
	if mo.Batch, _, err = o.int("batch"); err != nil {
		return nil, err
	}
	if dims, ok, err := o.object("dims"); err != nil {
		return nil, err
	} else if ok {
		keys, err := objectKeys(dims.v)
		if err != nil {
			return nil, err
		}
		mo.Dims = map[string]int{}
		for _, k := range keys {
			if mo.Dims[k], _, err = dims.int(k); err != nil {
				return nil, err
			}
		}
	}
	m, err := model.Load(data, mo)
	if err != nil {
		return nil, err
	}
	lm := newLowModel(m)
	id := a.id()
	a.models[id] = lm
	info := modelInfo(m)
	info["id"] = id
	return info, nil
}

func objectKeys(v safejs.Value) ([]string, error) {
	obj, err := safejs.Global().Get("Object")
	if err != nil {
		return nil, err
	}
	keys, err := obj.Call("keys", v)
	if err != nil {
		return nil, err
	}
	n, err := arrayLength(keys, "options.dims")
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		k, err := keys.Index(i)
		if err == nil {
			out[i], err = k.String()
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func modelInfo(m *model.Model) map[string]any {
	tensors := func(ts []model.TensorInfo) []any {
		out := make([]any, len(ts))
		for i, t := range ts {
			out[i] = map[string]any{"name": t.Name, "dims": anyInts(t.Shape)}
		}
		return out
	}
	meta := map[string]any{}
	for k, v := range m.Metadata() {
		meta[k] = v
	}
	ops := map[string]any{}
	for k, v := range m.Ops() {
		ops[k] = v
	}
	return map[string]any{
		"inputs": tensors(m.Inputs()), "outputs": tensors(m.Outputs()), "metadata": meta, "opset": m.Opset(),
		"params": float64(m.Params()), "macs": float64(m.MACs()), "producer": m.Producer(), "ops": ops,
		"arenaBytes": float64(m.ArenaBytes()),
	}
}

// run(id, [{data: Uint8Array (float32 bytes), dims}], one per model input in order, out?) → blob. Its
// own work allocates nothing per call (TestRunGlueAllocs): paths and names were made at load, the
// dims are read into a reused slice and the blob's buffers are reused; what remains is syscall/js's.
// out, a Uint8Array: where the blob fits, it is written there and its byte count comes back instead
// (the Worker's shared buffer, SharedChannel in web/engine.mjs: a fresh array per run costs its page
// faults, 0.2 ms for BlazeFace front's 61 KB in Chromium); where it does not, a fresh blob as without.
func (a *api) run(args []safejs.Value) (any, error) {
	id, err := intArg(args, 0, "model handle")
	if err != nil {
		return nil, err
	}
	lm := a.models[id]
	if lm == nil {
		return nil, &stateError{what: fmt.Sprintf("model %d is closed", id)}
	}
	feeds := argOr(args, 1)
	n, err := a.arrayLen(feeds, "inputs")
	if err != nil {
		return nil, err
	}
	ins := lm.m.Inputs()
	if n != len(ins) {
		name := "" // a model of constants takes no input to name
		if len(ins) > 0 {
			name = ins[0].Name
		}
		return nil, &errs.InputError{Input: name, Msg: fmt.Sprintf("got %d inputs, the model takes %d (%v)", n, len(ins), ins)}
	}
	for i, in := range ins {
		paths := &lm.paths[i]
		feed, err := feeds.Index(i)
		if err != nil {
			return nil, err
		}
		fo, err := optsOf(feed, paths.feed)
		if err != nil {
			return nil, err
		}
		dv, ok, err := fo.get("dims")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, typeErrorf("%s: missing", paths.dims)
		}
		if lm.dims, err = a.intArrayInto(lm.dims[:0], dv, paths.dims); err != nil {
			return nil, err
		}
		if !slices.Equal(lm.dims, in.Shape) {
			return nil, &errs.InputError{Input: in.Name, Msg: fmt.Sprintf("shape %v, the model wants %v", lm.dims, in.Shape)}
		}
		data, _, err := fo.get("data")
		if err != nil {
			return nil, err
		}
		buf := lm.inputs[i]
		var dst []byte
		if len(buf) > 0 {
			dst = unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 4*len(buf))
		}
		got, err := bytesArg(dst[:0:len(dst)], data, paths.data, len(dst))
		if err != nil {
			return nil, err
		}
		if len(got) != len(dst) {
			return nil, &errs.InputError{Input: in.Name, Msg: fmt.Sprintf("%d float32 values, shape %v needs %d", len(got)/4, in.Shape, len(buf))}
		}
	}
	out := argOr(args, 2)
	room := -1
	if out.Type() != safejs.TypeUndefined {
		// Checked before the run: a bad out is the caller's error whatever the outputs' size.
		if ok, err := out.InstanceOf(a.uint8Array); err != nil || !ok {
			return nil, typeErrorf("out: want a Uint8Array, got %s", out.Type())
		}
		if room, err = out.Length(); err != nil {
			return nil, typeErrorf("out: want a Uint8Array: %v", err)
		}
	}
	outs, err := lm.s.RunFloat32(lm.inputs...)
	if err != nil {
		return nil, err
	}
	blob := a.blob.encodeOutputs(lm.outNames, lm.outShapes, outs)
	if len(blob) <= room {
		n, err := safejs.CopyBytesToJS(out, blob)
		if err != nil {
			return nil, typeErrorf("out: want a Uint8Array: %v", err)
		}
		if n != len(blob) {
			return nil, typeErrorf("out: copied %d of %d bytes", n, len(blob))
		}
		return float64(n), nil
	}
	return a.bytesOut(blob)
}

func (a *api) closeModel(args []safejs.Value) (any, error) {
	id, err := intArg(args, 0, "model handle")
	if err != nil {
		return nil, err
	}
	delete(a.models, id)
	return nil, nil
}

// stats(gc?) → Go heap figures and handle counts, for leak checks. gc runs a collection first so
// that figures compare across calls.
func (a *api) stats(args []safejs.Value) (any, error) {
	if g := argOr(args, 0); g.Type() == safejs.TypeBoolean {
		if b, _ := g.Bool(); b {
			runtime.GC()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sessions := 0
	for _, c := range a.checkers {
		sessions += len(c.sessions)
	}
	return map[string]any{
		"heapAlloc": float64(ms.HeapAlloc), "heapInuse": float64(ms.HeapInuse), "heapSys": float64(ms.HeapSys),
		"sys": float64(ms.Sys), "numGC": float64(ms.NumGC), "mallocs": float64(ms.Mallocs), "frees": float64(ms.Frees),
		"goroutines": runtime.NumGoroutine(), "funcs": a.liveFuncs,
		"checkers": len(a.checkers), "models": len(a.models), "sessions": sessions,
	}, nil
}

// exit drops every handle and lets main return: the Go program ends and the JS side can drop the
// instance.
func (a *api) exitMethod(args []safejs.Value) (any, error) {
	clear(a.checkers)
	clear(a.models)
	select {
	case a.exit <- struct{}{}:
	default:
	}
	return nil, nil
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func anyInts(s []int) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
