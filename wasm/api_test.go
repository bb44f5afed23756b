//go:build js && wasm

package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/hack-pad/safejs"

	"github.com/bonafide-pad/bonafide"
	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/core/model"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
	"github.com/bonafide-pad/bonafide/models"
)

// These tests run in headless Chromium through wasmbrowsertest (installed as go_js_wasm_exec):
// GOOS=js GOARCH=wasm go test ./wasm/. They call the exported functions the way web/engine.mjs
// does, through JS, and await the promises they return.

// ------------------------------------------------------------------------------------ test models

func dim(v int64) onnxpb.Dim { return onnxpb.Dim{Value: v, HasValue: true} }

func valueInfo(name string, dims ...int64) *onnxpb.ValueInfo {
	v := &onnxpb.ValueInfo{Name: name}
	ds := make([]onnxpb.Dim, len(dims))
	for i, d := range dims {
		ds[i] = dim(d)
	}
	v.SetTensorType(onnxpb.Float, ds)
	return v
}

func ints(name string, v ...int64) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrInts, Ints: v}
}

// pyramidModel is a tiny pyramid-binary net on 16×16 crops: a strided Conv and Sigmoid give the
// 8×8 live map, average pools the 4×4 and 2×2 ones, and their mean the score. meta false leaves
// out the bonafide.* metadata.
func pyramidModel(meta bool) []byte {
	w := &onnxpb.Tensor{Name: "w", Dims: []int64{1, 3, 2, 2}, DataType: onnxpb.Float}
	for i := range 12 {
		w.FloatData = append(w.FloatData, float32(i%5-2)/7)
	}
	g := &onnxpb.Graph{
		Name:         "pyramid16",
		Initializers: []*onnxpb.Tensor{w},
		Inputs:       []*onnxpb.ValueInfo{valueInfo("input", 1, 3, 16, 16)},
		Outputs: []*onnxpb.ValueInfo{valueInfo("score", 1, 1), valueInfo("map8", 1, 1, 8, 8),
			valueInfo("map4", 1, 1, 4, 4), valueInfo("map2", 1, 1, 2, 2)},
		Nodes: []*onnxpb.Node{
			{OpType: "Conv", Name: "conv", Inputs: []string{"input", "w"}, Outputs: []string{"c"},
				Attributes: []*onnxpb.Attribute{ints("kernel_shape", 2, 2), ints("strides", 2, 2)}},
			{OpType: "Sigmoid", Name: "sig", Inputs: []string{"c"}, Outputs: []string{"map8"}},
			{OpType: "AveragePool", Name: "p4", Inputs: []string{"map8"}, Outputs: []string{"map4"},
				Attributes: []*onnxpb.Attribute{ints("kernel_shape", 2, 2), ints("strides", 2, 2)}},
			{OpType: "AveragePool", Name: "p2", Inputs: []string{"map4"}, Outputs: []string{"map2"},
				Attributes: []*onnxpb.Attribute{ints("kernel_shape", 2, 2), ints("strides", 2, 2)}},
			{OpType: "GlobalAveragePool", Name: "gap", Inputs: []string{"map2"}, Outputs: []string{"m1"}},
			{OpType: "Flatten", Name: "flat", Inputs: []string{"m1"}, Outputs: []string{"score"}},
		},
	}
	m := &onnxpb.Model{IRVersion: 7, ProducerName: "bonafide wasm test", Graph: g,
		Opsets: []onnxpb.OperatorSet{{Version: 13}}}
	if meta {
		m.Metadata = []onnxpb.StringPair{
			{Key: liveness.KeyKind, Value: liveness.KindPyramidBinary},
			{Key: liveness.KeyCrop, Value: "size=16x16 scale=1.5 square=true"},
			{Key: liveness.KeyInput, Value: "input"},
			{Key: liveness.KeyScore, Value: "score"},
			{Key: liveness.KeyMaps, Value: "8x8:map8,4x4:map4,2x2:map2"},
			{Key: liveness.KeyThreshold, Value: "0.5"},
		}
	}
	return m.Marshal()
}

// withVersion returns model with bonafide.version set to v.
func withVersion(t *testing.T, model []byte, v string) []byte {
	t.Helper()
	m, err := onnxpb.DecodeModel(model)
	if err != nil {
		t.Fatal(err)
	}
	m.Metadata = append(m.Metadata, onnxpb.StringPair{Key: liveness.KeyVersion, Value: v})
	return m.Marshal()
}

// unsupportedModel uses Det, an operator bonafide does not implement.
func unsupportedModel() []byte {
	g := &onnxpb.Graph{
		Name:    "det",
		Inputs:  []*onnxpb.ValueInfo{valueInfo("x", 2, 2)},
		Outputs: []*onnxpb.ValueInfo{valueInfo("y")},
		Nodes:   []*onnxpb.Node{{OpType: "Det", Name: "the_det", Inputs: []string{"x"}, Outputs: []string{"y"}}},
	}
	return (&onnxpb.Model{IRVersion: 7, Graph: g, Opsets: []onnxpb.OperatorSet{{Version: 13}}}).Marshal()
}

// ---------------------------------------------------------------------------------------- helpers

type harness struct {
	t   *testing.T
	a   *api
	obj safejs.Value
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	a, err := newAPI()
	if err != nil {
		t.Fatal(err)
	}
	obj, err := a.object()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.release)
	return &harness{t: t, a: a, obj: obj}
}

// jsErr is a rejection reason as the JS side sees it.
type jsErr struct {
	name, message string
	v             safejs.Value
}

func (e *jsErr) Error() string { return e.name + ": " + e.message }

// await waits for a promise. Blocking here is fine: the test's goroutine is not a JS callback, so
// the event loop runs while it waits.
func await(p safejs.Value) (safejs.Value, error) {
	type outcome struct {
		v   safejs.Value
		err error
	}
	ch := make(chan outcome, 1)
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		ch <- outcome{v: args[0]}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onOK.Release()
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		e := &jsErr{v: args[0]}
		if n, err := args[0].Get("name"); err == nil {
			e.name, _ = n.String()
		}
		if m, err := args[0].Get("message"); err == nil {
			e.message, _ = m.String()
		}
		ch <- outcome{err: e}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onErr.Release()
	if _, err := p.Call("then", onOK, onErr); err != nil {
		return safejs.Undefined(), fmt.Errorf("not a promise: %w", err)
	}
	o := <-ch
	return o.v, o.err
}

func (h *harness) call(name string, args ...any) (safejs.Value, error) {
	h.t.Helper()
	p, err := h.obj.Call(name, args...)
	if err != nil {
		h.t.Fatalf("%s threw instead of returning a promise: %v", name, err)
	}
	return await(p)
}

func (h *harness) must(name string, args ...any) safejs.Value {
	h.t.Helper()
	v, err := h.call(name, args...)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	return v
}

// wantErr checks that err is a rejection with the given name and a message containing each part.
func wantErr(t *testing.T, err error, name string, parts ...string) *jsErr {
	t.Helper()
	var je *jsErr
	if !errors.As(err, &je) {
		t.Fatalf("got %v, want a %s rejection", err, name)
	}
	if je.name != name {
		t.Fatalf("got %s (%s), want %s", je.name, je.message, name)
	}
	for _, p := range parts {
		if !strings.Contains(je.message, p) {
			t.Errorf("message %q lacks %q", je.message, p)
		}
	}
	return je
}

func u8(b []byte) safejs.Value {
	ctor, _ := safejs.Global().Get("Uint8Array")
	v, _ := ctor.New(len(b))
	safejs.CopyBytesToJS(v, b)
	return v
}

func goBytes(t *testing.T, v safejs.Value) []byte {
	t.Helper()
	n, err := v.Length()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(b, v); err != nil {
		t.Fatal(err)
	}
	return b
}

// jsObject builds a JS object; values may be safejs.Values, nested maps and []any (arrays).
func jsObject(t *testing.T, m map[string]any) safejs.Value {
	t.Helper()
	ctor, _ := safejs.Global().Get("Object")
	o, err := ctor.New()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		if err := o.Set(k, jsValue(t, v)); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func jsValue(t *testing.T, v any) any {
	switch v := v.(type) {
	case map[string]any:
		return jsObject(t, v)
	case []any:
		ctor, _ := safejs.Global().Get("Array")
		items := make([]any, len(v))
		for i, e := range v {
			items[i] = jsValue(t, e)
		}
		a, err := ctor.Call("of", items...)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	return v
}

func intOf(t *testing.T, v safejs.Value) int {
	t.Helper()
	n, err := v.Int()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// decodeBlob reads blob.go's format the way web/engine.mjs does.
func decodeBlob(t *testing.T, b []byte, head any) (floats func(off, n int) []float32) {
	t.Helper()
	if len(b) < 8 || binary.LittleEndian.Uint32(b) != blobMagic {
		t.Fatalf("not a blob: % x", b[:min(8, len(b))])
	}
	n := int(binary.LittleEndian.Uint32(b[4:]))
	if err := json.Unmarshal(b[8:8+n], head); err != nil {
		t.Fatalf("header %q: %v", b[8:8+n], err)
	}
	start := (8 + n + 3) &^ 3
	return func(off, n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[start+off+4*i:]))
		}
		return out
	}
}

// payload returns n bytes at off in a blob's payload.
func payload(b []byte, off, n int) []byte {
	start := (8 + int(binary.LittleEndian.Uint32(b[4:])) + 3) &^ 3
	return b[start+off : start+off+n]
}

type resultHead struct {
	Live      bool     `json:"live"`
	Scored    bool     `json:"scored"`
	Score     *float64 `json:"score"`
	Threshold float64  `json:"threshold"`
	Frame     struct{ Width, Height int }
	Face      *struct {
		X, Y, Width, Height, Score, Angle float64
		Yaw                               *float64
		Keypoints                         []struct {
			Name string
			X, Y float64
		}
	}
	Faces []struct{ X, Y, Width, Height float64 }
	Crop  *struct {
		X, Y, Width, Height, Scale float64
		OutputWidth                int `json:"outputWidth"`
	}
	Quality struct {
		OK      bool `json:"ok"`
		Reasons []struct {
			Code         string
			Value, Limit *float64
		}
	}
	Maps []struct {
		Label                         string
		Width, Height, Offset, Length int
	}
	Timings struct{ Detect, Crop, Infer, Total float64 }
	Verdict *struct {
		Decision    string
		Frames      int
		Usable      int
		Best        int
		BestFrame   *bestFrameHead `json:"bestFrame"`
		Scores      []float64
		FrameScores []*float64 `json:"frameScores"`
		Reasons     []string
		Score       *float64
	}
}

type bestFrameHead struct {
	Index int
	Score float64
	Box   *struct{ X, Y, Width, Height float64 }
	Image *struct{ Width, Height, Offset, Length int }
}

func greyFrame(w, h int, v byte) []byte {
	b := make([]byte, 4*w*h)
	for i := range b {
		b[i] = v
		if i%4 == 3 {
			b[i] = 255
		}
	}
	return b
}

// ------------------------------------------------------------------------------------------ tests

func TestLoadModelAndRun(t *testing.T) {
	h := newHarness(t)
	bytes := pyramidModel(false)
	info := h.must("loadModel", u8(bytes), nil)
	id := intOf(t, mustGet(t, info, "id"))
	in0, _ := mustGet(t, info, "inputs").Index(0)
	if name, _ := mustGet(t, in0, "name").String(); name != "input" {
		t.Fatalf("input name %q", name)
	}

	x := make([]float32, 3*16*16)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	list := jsValue(t, []any{map[string]any{"data": u8(f32bytes(x)), "dims": []any{1, 3, 16, 16}}})
	out := goBytes(t, h.must("run", id, list))

	var head struct {
		Outputs []struct {
			Name           string
			Dims           []int
			Offset, Length int
		}
	}
	floats := decodeBlob(t, out, &head)
	m, err := model.Load(bytes, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.RunFloat32(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(head.Outputs) != len(want) {
		t.Fatalf("%d outputs, want %d", len(head.Outputs), len(want))
	}
	for i, o := range head.Outputs {
		if o.Name != m.Outputs()[i].Name || !slices.Equal(o.Dims, m.Outputs()[i].Shape) {
			t.Errorf("output %d: %s %v, want %s %v", i, o.Name, o.Dims, m.Outputs()[i].Name, m.Outputs()[i].Shape)
		}
		got := floats(o.Offset, o.Length)
		for j := range want[i] {
			if got[j] != want[i][j] {
				t.Fatalf("output %s[%d] = %v, want %v (same engine, must be identical)", o.Name, j, got[j], want[i][j])
			}
		}
	}

	// With out: the same blob written into it when it fits (its byte count comes back), a fresh
	// blob when it does not, a TypeError when out is not a Uint8Array.
	room := u8(make([]byte, len(out)+8))
	n := h.must("run", id, list, room)
	if n.Type() != safejs.TypeNumber || intOf(t, n) != len(out) {
		t.Fatalf("run with room for the blob: %v, want the byte count %d", n, len(out))
	}
	if got := goBytes(t, room); !slices.Equal(got[:len(out)], out) || !slices.Equal(got[len(out):], make([]byte, 8)) {
		t.Errorf("run with out: the blob written there differs from run's, or it wrote past its end")
	}
	small := u8(make([]byte, len(out)-1))
	if got := goBytes(t, h.must("run", id, list, small)); !slices.Equal(got, out) {
		t.Errorf("run with out too small: not the same fresh blob")
	}
	if !slices.Equal(goBytes(t, small), make([]byte, len(out)-1)) {
		t.Errorf("run with out too small wrote into it")
	}
	_, err = h.call("run", id, list, "not a buffer")
	wantErr(t, err, nameType, "out")
	_, err = h.call("run", id, list, jsValue(t, map[string]any{}))
	wantErr(t, err, nameType, "out")

	// Input errors are InputErrors that give the shapes.
	badList := jsValue(t, []any{map[string]any{"data": u8(f32bytes(x)), "dims": []any{1, 3, 8, 32}}})
	_, err = h.call("run", id, badList)
	wantErr(t, err, nameInput, "[1 3 8 32]", "[1 3 16 16]")
	shortList := jsValue(t, []any{map[string]any{"data": u8(f32bytes(x[:10])), "dims": []any{1, 3, 16, 16}}})
	_, err = h.call("run", id, shortList)
	wantErr(t, err, nameInput, "10 float32 values")
	_, err = h.call("run", id, "not an array")
	wantErr(t, err, nameType, "inputs")

	h.must("closeModel", id)
	_, err = h.call("run", id, list)
	wantErr(t, err, nameState, "closed")
}

func mustGet(t *testing.T, v safejs.Value, name string) safejs.Value {
	t.Helper()
	f, err := v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func f32bytes(v []float32) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))...)
}

func TestModelErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		method  string
		model   []byte
		options map[string]any
		errName string
		parts   []string
	}{
		{"garbage bytes", "loadModel", []byte("this is not an ONNX file at all"), nil, nameModel, nil},
		{"unsupported op", "loadModel", unsupportedModel(), nil, nameModel, []string{"Det", "the_det", "opset 13"}},
		{"no metadata", "newChecker", pyramidModel(false), nil, nameModel, []string{"bonafide metadata"}},
		{"unsupported op in a checker", "newChecker", unsupportedModel(), nil, nameModel, []string{"Det"}},
		{"threshold out of range", "newChecker", pyramidModel(true), map[string]any{"threshold": 2.0}, nameRange, []string{"threshold"}},
		{"quality limit out of range", "newChecker", pyramidModel(true), map[string]any{"quality": map[string]any{"minFaceFrac": 5.0}}, nameRange, []string{"MinFaceFrac"}},
		{"unknown quality limit", "newChecker", pyramidModel(true), map[string]any{"quality": map[string]any{"maxOffCenter": 0.3}}, nameType, []string{"maxOffCenter", "options.quality"}},
		{"session options out of range", "newChecker", pyramidModel(true), map[string]any{"minFrames": 9, "maxFrames": 3}, nameRange, []string{"MinFrames"}},
		{"unknown quality code", "newChecker", pyramidModel(true), map[string]any{"quality": map[string]any{"skip": []any{"no_such_code"}}}, nameRange, []string{"no_such_code"}},
		{"option of the wrong type", "newChecker", pyramidModel(true), map[string]any{"threshold": "high"}, nameType, []string{"options.threshold", "number"}},
		{"unknown profile", "newChecker", pyramidModel(true), map[string]any{"profile": "nope"}, nameRange, []string{"nope"}},
		{"model for another major version", "newChecker", withVersion(t, pyramidModel(true), "999.0.0"), nil, nameModel, []string{"999.0.0", liveness.KeyVersion, bonafide.Version()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts any
			if tt.options != nil {
				opts = jsObject(t, tt.options)
			}
			_, err := h.call(tt.method, u8(tt.model), opts, u8(models.BlazeFaceFront))
			je := wantErr(t, err, tt.errName, tt.parts...)
			if tt.name == "model for another major version" {
				if f, _ := mustGet(t, je.v, "field").String(); f != liveness.KeyVersion {
					t.Errorf("error.field = %q, want %s", f, liveness.KeyVersion)
				}
				if v, _ := mustGet(t, je.v, "modelVersion").String(); v != "999.0.0" {
					t.Errorf("error.modelVersion = %q, want 999.0.0", v)
				}
			}
			if tt.name == "unsupported op" {
				if op, _ := mustGet(t, je.v, "op").String(); op != "Det" {
					t.Errorf("error.op = %q, want Det", op)
				}
			}
		})
	}
	_, err := h.call("loadModel", "a string")
	wantErr(t, err, nameType, "Uint8Array")
}

func newChecker(t *testing.T, h *harness) int {
	t.Helper()
	info := h.must("newChecker", u8(pyramidModel(true)), nil, u8(models.BlazeFaceFront))
	if d, _ := mustGet(t, info, "detector").String(); d != liveness.DetectorBlazeFace {
		t.Fatalf("detector %q, want blazeface", d)
	}
	prof := mustGet(t, info, "profile")
	if k, _ := mustGet(t, prof, "kind").String(); k != liveness.KindPyramidBinary {
		t.Fatalf("profile kind %q", k)
	}
	// The test model's metadata does not say where its maps carry evidence: the whole crop.
	if r, _ := mustGet(t, prof, "mapRegion").String(); r != liveness.MapRegionCrop {
		t.Fatalf("profile mapRegion %q", r)
	}
	return intOf(t, mustGet(t, info, "id"))
}

func TestAnalyzeWithoutFace(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	const w, hh = 64, 48
	out := goBytes(t, h.must("analyze", id, u8(greyFrame(w, hh, 128)), w, hh))
	var r resultHead
	decodeBlob(t, out, &r)
	if r.Scored || r.Live || r.Score != nil || r.Face != nil || r.Crop != nil || len(r.Maps) != 0 {
		t.Errorf("a blank frame was scored: %+v", r)
	}
	if r.Frame.Width != w || r.Frame.Height != hh || r.Threshold != 0.5 {
		t.Errorf("frame %+v threshold %v", r.Frame, r.Threshold)
	}
	if r.Quality.OK || len(r.Quality.Reasons) == 0 || r.Quality.Reasons[0].Code != face.NoFace {
		t.Errorf("quality %+v, want no_face", r.Quality)
	}
	if r.Timings.Total < r.Timings.Detect || r.Timings.Total <= 0 {
		t.Errorf("timings %+v", r.Timings)
	}
	// A Uint8ClampedArray (what ImageData holds) is accepted as well.
	clamped, _ := safejs.Global().Get("Uint8ClampedArray")
	buf, _ := u8(greyFrame(w, hh, 10)).Get("buffer")
	cl, _ := clamped.New(buf)
	h.must("analyze", id, cl, w, hh)
}

func TestAnalyzeErrors(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	tests := []struct {
		name    string
		args    []any
		errName string
		parts   []string
	}{
		{"short buffer", []any{id, u8(make([]byte, 100)), 64, 48}, nameFrame, []string{"100 bytes", "64×48"}},
		{"empty frame", []any{id, u8(nil), 0, 0}, nameFrame, []string{"empty"}},
		{"too wide", []any{id, u8(make([]byte, 4*20000)), 20000, 1}, nameLimit, []string{"width"}},
		{"not bytes", []any{id, "pixels", 1, 1}, nameType, []string{"pixels", "Uint8Array"}},
		{"width not a number", []any{id, u8(make([]byte, 4)), "1", 1}, nameType, []string{"width"}},
		{"negative height", []any{id, u8(make([]byte, 4)), 1, -1}, nameRange, []string{"height"}},
		{"unknown checker", []any{999, u8(make([]byte, 4)), 1, 1}, nameState, []string{"closed"}},
		{"unknown session", []any{id, u8(make([]byte, 4)), 1, 1, 12345}, nameState, []string{"session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.call("analyze", tt.args...)
			wantErr(t, err, tt.errName, tt.parts...)
		})
	}
	// Errors lose nothing: the checker still works.
	h.must("analyze", id, u8(greyFrame(8, 8, 1)), 8, 8)
	h.must("closeChecker", id)
	_, err := h.call("analyze", id, u8(greyFrame(8, 8, 1)), 8, 8)
	wantErr(t, err, nameState)
}

func TestSessionRetake(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	sid := intOf(t, h.must("startSession", id, jsObject(t, map[string]any{"minFrames": 1, "maxFrames": 3})))
	want := []string{liveness.DecisionPending, liveness.DecisionPending, liveness.DecisionRetake}
	for i, d := range want {
		var r resultHead
		decodeBlob(t, goBytes(t, h.must("analyze", id, u8(greyFrame(32, 32, 90)), 32, 32, sid)), &r)
		if r.Verdict == nil {
			t.Fatal("no verdict in a session")
		}
		if r.Verdict.Decision != d || r.Verdict.Frames != i+1 || r.Verdict.Usable != 0 || r.Verdict.Best != -1 {
			t.Errorf("frame %d: verdict %+v, want %s", i, r.Verdict, d)
		}
		if r.Verdict.Score != nil {
			t.Errorf("score %v without usable frames", *r.Verdict.Score)
		}
		if len(r.Verdict.Reasons) != 1 || r.Verdict.Reasons[0] != face.NoFace {
			t.Errorf("reasons %v", r.Verdict.Reasons)
		}
	}
	// Outside a session there is no verdict.
	var r resultHead
	decodeBlob(t, goBytes(t, h.must("analyze", id, u8(greyFrame(32, 32, 90)), 32, 32)), &r)
	if r.Verdict != nil {
		t.Error("verdict outside a session")
	}
	_, err := h.call("startSession", id, jsObject(t, map[string]any{"minFrames": 5, "maxFrames": 2}))
	wantErr(t, err, nameRange, "MinFrames")
	h.must("endSession", id, sid)
	_, err = h.call("analyze", id, u8(greyFrame(32, 32, 90)), 32, 32, sid)
	wantErr(t, err, nameState, "session")
}

func TestSetOptions(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	got := h.must("setOptions", id, jsObject(t, map[string]any{"threshold": 0.8, "resetTracking": true, "maxFrames": 12,
		"quality": map[string]any{"minBrightness": 10.0, "skip": []any{"face_off_centre"}}}))
	wantOptions := func(threshold, minBrightness float64, maxFrames int) {
		t.Helper()
		if f, _ := mustGet(t, got, "threshold").Float(); f != threshold {
			t.Errorf("threshold %v, want %v", f, threshold)
		}
		q := mustGet(t, got, "quality")
		if f, _ := mustGet(t, q, "minBrightness").Float(); f != minBrightness {
			t.Errorf("quality.minBrightness %v, want %v", f, minBrightness)
		}
		if f, _ := mustGet(t, q, "maxBrightness").Float(); f != face.DefaultMaxBrightness {
			t.Errorf("quality.maxBrightness %v, want the default %v", f, face.DefaultMaxBrightness)
		}
		if n := intOf(t, mustGet(t, got, "maxFrames")); n != maxFrames {
			t.Errorf("maxFrames %d, want %d", n, maxFrames)
		}
	}
	wantOptions(0.8, 10, 12)
	var r resultHead
	decodeBlob(t, goBytes(t, h.must("analyze", id, u8(greyFrame(16, 16, 1)), 16, 16)), &r)
	if r.Threshold != 0.8 {
		t.Errorf("threshold in result %v", r.Threshold)
	}
	_, err := h.call("setOptions", id, jsObject(t, map[string]any{"threshold": -1.0}))
	wantErr(t, err, nameRange, "threshold")
	_, err = h.call("setOptions", id, jsObject(t, map[string]any{"quality": map[string]any{"minBrightness": 200.0, "maxBrightness": 100.0}}))
	wantErr(t, err, nameRange, "MaxBrightness")
	// A bad option among good ones changes nothing.
	_, err = h.call("setOptions", id, jsObject(t, map[string]any{"threshold": 0.3, "quality": map[string]any{"minBrightness": 20.0}, "minFrames": 50, "maxFrames": 12}))
	wantErr(t, err, nameRange, "MinFrames")
	_, err = h.call("setOptions", id, jsObject(t, map[string]any{"threshold": 0.3, "quality": map[string]any{"minBrightnes": 20.0}}))
	wantErr(t, err, nameType, "minBrightnes")
	got = h.must("setOptions", id, jsObject(t, map[string]any{}))
	wantOptions(0.8, 10, 12)
}

// TestCheckerOptions: the options a checker reports are Go's, defaults filled in, so that the JS
// side keeps no copy of them.
func TestCheckerOptions(t *testing.T) {
	h := newHarness(t)
	info := h.must("newChecker", u8(pyramidModel(true)), jsObject(t, map[string]any{"minFrames": 3, "quality": map[string]any{"maxRoll": 20.0}}), u8(models.BlazeFaceFront))
	o := mustGet(t, info, "options")
	gate, err := face.NewQualityGate(face.QualityOptions{MaxRoll: 20})
	if err != nil {
		t.Fatal(err)
	}
	want := gate.Options()
	q := mustGet(t, o, "quality")
	for _, f := range qualityFields(&want) {
		if got, _ := mustGet(t, q, f.name).Float(); got != *f.dst {
			t.Errorf("quality.%s = %v, want %v", f.name, got, *f.dst)
		}
	}
	if got, _ := mustGet(t, q, "maxOutside").Float(); got != face.DefaultMaxOutside {
		t.Errorf("quality.maxOutside = %v, want %v", got, face.DefaultMaxOutside)
	}
	if n := intOf(t, mustGet(t, o, "minFrames")); n != 3 {
		t.Errorf("minFrames %d", n)
	}
	if n := intOf(t, mustGet(t, o, "maxFrames")); n != liveness.DefaultMaxFrames {
		t.Errorf("maxFrames %d", n)
	}
	if f, _ := mustGet(t, o, "threshold").Float(); f != 0.5 {
		t.Errorf("threshold %v, want the model's 0.5", f)
	}
}

// TestSessionEvidence runs a session on frames of one synthetic face, with timestamps: it decides,
// and its verdict carries the evidence frame's number, score, box and pixels.
func TestSessionEvidence(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	h.must("setOptions", id, jsObject(t, map[string]any{"quality": map[string]any{"skip": anyStrings(face.Codes())}}))
	sid := intOf(t, h.must("startSession", id, jsObject(t, map[string]any{"minFrames": 2, "maxFrames": 4})))
	var (
		r      resultHead
		blob   []byte
		frames [][]byte
		scores []float64
	)
	for i := 0; i < 4; i++ {
		img := facetest.Face(160, 120, 80+float64(i), 60, 60, 0)
		frames = append(frames, img.Pix)
		blob = goBytes(t, h.must("analyze", id, u8(img.Pix), 160, 120, sid, false, float64(1000+33*i)))
		r = resultHead{}
		decodeBlob(t, blob, &r)
		if r.Score == nil {
			t.Fatalf("frame %d: no face scored: %+v", i, r)
		}
		scores = append(scores, *r.Score)
		if r.Verdict.Decision != liveness.DecisionPending {
			break
		}
	}
	v := r.Verdict
	bf := v.BestFrame
	if v.Decision != liveness.DecisionLive && v.Decision != liveness.DecisionSpoof || bf == nil || v.Best != bf.Index || bf.Score != scores[bf.Index] || bf.Image == nil {
		t.Fatalf("verdict %+v, evidence %+v, scores %v", v, bf, scores)
	}
	if len(v.FrameScores) != len(scores) || *v.FrameScores[bf.Index] != bf.Score {
		t.Errorf("frame scores %v, scores %v", v.FrameScores, scores)
	}
	x, y := int(bf.Box.X), int(bf.Box.Y)
	if bf.Image.Width != min(160, x+int(bf.Box.Width))-max(0, x) || bf.Image.Length != 4*bf.Image.Width*bf.Image.Height {
		t.Fatalf("evidence image %+v for box %+v", bf.Image, bf.Box)
	}
	src := frames[bf.Index]
	row := payload(blob, bf.Image.Offset, 4*bf.Image.Width)
	i := 4 * (max(0, y)*160 + max(0, x))
	if !slices.Equal(row, src[i:i+len(row)]) {
		t.Error("the evidence image's first row is not the frame's")
	}
	_, err := h.call("analyze", id, u8(frames[0]), 160, 120, sid, false, -5.0)
	wantErr(t, err, nameRange, "timestampMs")
}

// TestPanicsAndThrownValuesReject checks the boundary itself: a panic in a method and a JS
// exception met on the way both reject the promise; neither kills the Go program.
func TestPanicsAndThrownValuesReject(t *testing.T) {
	h := newHarness(t)
	p := h.a.call(func([]safejs.Value) (any, error) {
		var m map[string]int
		m["boom"] = 1 // assignment to a nil map panics
		return nil, nil
	}, nil)
	_, err := await(p.(safejs.Value))
	wantErr(t, err, nameInternal, "internal error", "nil map")

	p = h.a.call(func([]safejs.Value) (any, error) {
		j, _ := safejs.Global().Get("JSON")
		return j.Call("parse", "{not json")
	}, nil)
	_, err = await(p.(safejs.Value))
	wantErr(t, err, nameGenericErr, "JSON")

	// A throwing property getter is not tested: wasm_exec.js's valueGet has no try/catch, so such
	// an exception unwinds through Go's stack and no Go code can catch it. engine.mjs therefore
	// hands Go only plain data it built itself (see main.go).
	// The API still answers.
	h.must("version")
}

// TestVersion: version() reports the release (the VERSION file), which web/bonafide.mjs compares
// with its own to catch a stale or mixed copy of the files.
func TestVersion(t *testing.T) {
	h := newHarness(t)
	if v, _ := mustGet(t, h.must("version"), "version").String(); v != bonafide.Version() {
		t.Fatalf("version() = %q, want %q", v, bonafide.Version())
	}
}

func TestNoFuncLeaks(t *testing.T) {
	h := newHarness(t)
	id := newChecker(t, h)
	funcs := func() int { return intOf(t, mustGet(t, h.must("stats", false), "funcs")) }
	before := funcs()
	if before != len(h.a.methods()) {
		t.Fatalf("%d live funcs, want one per method (%d)", before, len(h.a.methods()))
	}
	frame := u8(greyFrame(40, 30, 70))
	for range 200 {
		h.must("analyze", id, frame, 40, 30)
	}
	_, _ = h.call("analyze", id, frame, 1, 1) // errors too
	if after := funcs(); after != before {
		t.Errorf("live funcs went from %d to %d over 200 frames", before, after)
	}
	st := h.must("stats", true)
	if n := intOf(t, mustGet(t, st, "checkers")); n != 1 {
		t.Errorf("%d checkers", n)
	}
	h.a.release()
	if h.a.liveFuncs != 0 {
		t.Errorf("%d funcs left after release", h.a.liveFuncs)
	}
}

func TestExit(t *testing.T) {
	h := newHarness(t)
	newChecker(t, h)
	h.must("exit")
	select {
	case <-h.a.exit:
	default:
		t.Fatal("exit did not signal main")
	}
	if len(h.a.checkers) != 0 {
		t.Error("exit kept checkers")
	}
}

func TestEncodeResult(t *testing.T) {
	var b blob
	r := &liveness.Result{Scored: true, Score: 0.25, Threshold: 0.5,
		Face:    &face.Face{Box: face.Box{X: 10, Y: 20, W: 30, H: 30}, Score: 9, Angle: -11.25},
		Quality: face.Quality{Reasons: []face.Reason{{Code: face.TooDark, Value: 20, Limit: 45}}},
		Maps: []liveness.Map{{Label: "2x2", W: 2, H: 2, Data: []float32{0.1, 0.2, 0.3, float32(math.Inf(1))}},
			{Label: "1x1", W: 1, H: 1, Data: []float32{0.5}}},
		ReferenceScore: math.NaN()}
	r.Faces = []face.Face{*r.Face}
	r.Crop.Window.Max.X, r.Crop.Window.Max.Y = 40, 50
	r.Crop.Width, r.Crop.Height, r.Crop.Scale = 16, 16, 1.5
	ev := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range ev.Pix {
		ev.Pix[i] = byte(i * 11)
	}
	v := &liveness.Verdict{Decision: "spoof", Score: math.NaN(), Scores: []float64{0.25}, FrameScores: []float64{math.NaN(), 0.25},
		Best: &liveness.Evidence{Frame: 1, Score: 0.25, Crop: r.Crop, Image: ev}, Reasons: []string{`we"ird`}}
	var head resultHead
	enc := b.encodeResult(r, 100, 80, v)
	floats := decodeBlob(t, enc, &head)
	if head.Score == nil || *head.Score != 0.25 || head.Face.Angle != -11.25 || head.Crop.Width != 40 || head.Crop.OutputWidth != 16 {
		t.Errorf("head %+v", head)
	}
	if len(head.Quality.Reasons) != 1 || head.Quality.Reasons[0].Code != face.TooDark || *head.Quality.Reasons[0].Limit != 45 {
		t.Errorf("reasons %+v", head.Quality.Reasons)
	}
	if head.Verdict.Reasons[0] != `we"ird` || head.Verdict.Score != nil || len(head.Verdict.FrameScores) != 2 || head.Verdict.FrameScores[0] != nil {
		t.Errorf("verdict %+v", head.Verdict)
	}
	if bf := head.Verdict.BestFrame; head.Verdict.Best != 1 || bf == nil || bf.Index != 1 || bf.Score != 0.25 || bf.Box == nil || bf.Box.Width != 40 ||
		bf.Image == nil || bf.Image.Width != 3 || bf.Image.Height != 2 || bf.Image.Length != 24 {
		t.Fatalf("evidence %+v", head.Verdict.BestFrame)
	}
	if got := payload(enc, head.Verdict.BestFrame.Image.Offset, 24); !slices.Equal(got, ev.Pix) {
		t.Errorf("evidence pixels % x, want % x", got, ev.Pix)
	}
	if len(head.Maps) != 2 || head.Maps[1].Offset%4 != 0 {
		t.Fatalf("maps %+v", head.Maps)
	}
	if got := floats(head.Maps[0].Offset, 4); got[2] != 0.3 || !math.IsInf(float64(got[3]), 1) {
		t.Errorf("map 2x2 = %v", got)
	}
	if got := floats(head.Maps[1].Offset, 1); got[0] != 0.5 {
		t.Errorf("map 1x1 = %v", got)
	}
	// A second encode reuses the buffers and stays correct.
	r.Maps = r.Maps[:1]
	var head2 resultHead
	floats = decodeBlob(t, b.encodeResult(r, 100, 80, nil), &head2)
	if head2.Verdict != nil || len(head2.Maps) != 1 || floats(head2.Maps[0].Offset, 1)[0] != 0.1 {
		t.Errorf("second encode: %+v", head2)
	}
	allocs := testing.AllocsPerRun(20, func() { b.encodeResult(r, 100, 80, v) })
	if allocs > 0 {
		t.Errorf("encodeResult allocates %v times per frame", allocs)
	}
}

// TestDetectors: BlazeFace (the default) needs its model's bytes; pigo takes its cascade's there
// (which the lean build needs; this test build embeds one); both find the face in a synthetic
// frame, and BlazeFace's result carries the keypoints (named) and the yaw.
func TestDetectors(t *testing.T) {
	h := newHarness(t)
	_, err := h.call("newChecker", u8(pyramidModel(true)), nil)
	wantErr(t, err, nameType, "faceModel", "Uint8Array")
	_, err = h.call("newChecker", u8(pyramidModel(true)), nil, u8([]byte("not a model")))
	wantErr(t, err, nameModel, "BlazeFace")
	_, err = h.call("newChecker", u8(pyramidModel(true)), jsObject(t, map[string]any{"detector": "haar"}))
	wantErr(t, err, nameRange, "haar")
	_, err = h.call("newChecker", u8(pyramidModel(true)), jsObject(t, map[string]any{"blazeface": map[string]any{"minScore": 2.0}}), u8(models.BlazeFaceFront))
	wantErr(t, err, nameRange, "MinScore")
	_, err = h.call("newChecker", u8(pyramidModel(true)), jsObject(t, map[string]any{"detector": "pigo"}), u8(models.BlazeFaceFront))
	wantErr(t, err, nameModel, "cascade")

	img := facetest.Face(320, 240, 160, 120, 100, 0)
	for _, det := range []string{liveness.DetectorBlazeFace, liveness.DetectorPigo} {
		faceFile := u8(models.BlazeFaceFront)
		if det == liveness.DetectorPigo {
			faceFile = safejs.Undefined() // the embedded cascade
		}
		info := h.must("newChecker", u8(pyramidModel(true)), jsObject(t, map[string]any{"detector": det}), faceFile)
		if d, _ := mustGet(t, info, "detector").String(); d != det {
			t.Errorf("detector %q, want %q", d, det)
		}
		id := intOf(t, mustGet(t, info, "id"))
		var r resultHead
		// With a timestamp (ms), as a video frame.
		decodeBlob(t, goBytes(t, h.must("analyze", id, u8(img.Pix), 320, 240, 0, false, 1234.5)), &r)
		if r.Face == nil {
			t.Fatalf("%s: no face", det)
		}
		if det == liveness.DetectorPigo {
			if r.Face.Keypoints != nil || r.Face.Yaw != nil {
				t.Errorf("pigo gave keypoints %+v", r.Face)
			}
			continue
		}
		k := r.Face.Keypoints
		if len(k) != face.NumKeypoints || k[0].Name != "right_eye" || k[5].Name != "left_ear" || r.Face.Yaw == nil {
			t.Fatalf("keypoints %+v, yaw %v", k, r.Face.Yaw)
		}
		if !(k[0].X < k[1].X && k[2].Y > k[0].Y && k[3].Y > k[2].Y) {
			t.Errorf("keypoints out of place: %+v", k)
		}
		_, err := h.call("analyze", id, u8(img.Pix), 320, 240, 0, false, -5)
		wantErr(t, err, nameRange, "timestampMs")
	}
}

// TestRunGlueAllocs bounds what the JS glue of run allocates in Go per call (reading the feeds,
// copying in, the blob out): the engine's own Run allocates nothing (core/model's benchmarks), and
// every allocation here is garbage made per frame. syscall/js itself allocates a few per JS call
// it makes (argument slices), which is what remains.
func TestRunGlueAllocs(t *testing.T) {
	h := newHarness(t)
	info := h.must("loadModel", u8(pyramidModel(false)), nil)
	id := intOf(t, mustGet(t, info, "id"))
	x := make([]float32, 3*16*16)
	list := jsValue(t, []any{map[string]any{"data": u8(f32bytes(x)), "dims": []any{1, 3, 16, 16}}})
	idv, err := safejs.ValueOf(id)
	if err != nil {
		t.Fatal(err)
	}
	// Both ways a run's blob leaves Go: a fresh Uint8Array, or written into the caller's out (the
	// Worker's shared buffer), which must not cost more glue than the fresh one.
	for _, c := range []struct {
		name      string
		args      []safejs.Value
		wantCount bool // the blob went into out: run returns its byte count
	}{
		{"fresh blob", []safejs.Value{idv, list.(safejs.Value)}, false},
		{"into out", []safejs.Value{idv, list.(safejs.Value), u8(make([]byte, 1<<16))}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := h.a.run(c.args)
			if err != nil {
				t.Fatal(err)
			}
			if _, isCount := v.(float64); isCount != c.wantCount {
				t.Fatalf("run returned %T, want the byte count: %v", v, c.wantCount)
			}
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := h.a.run(c.args); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("run's glue, %s: %.0f allocations per call", c.name, allocs)
			if allocs > maxRunGlueAllocs {
				t.Errorf("run's glue allocates %.0f times per call, want at most %d", allocs, maxRunGlueAllocs)
			}
		})
	}
}

// maxRunGlueAllocs: 34 measured on 2026-12-06 in Chromium (47 before run's paths, names and dims
// were made once at load), all of them inside safejs/syscall/js's calls, a few per JS call.
const maxRunGlueAllocs = 40

func BenchmarkRunGlue(b *testing.B) {
	a, err := newAPI()
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(pyramidModel(false), model.Options{})
	if err != nil {
		b.Fatal(err)
	}
	a.models[1] = newLowModel(m)
	x := make([]float32, 3*16*16)
	list, err := safejs.ValueOf([]any{map[string]any{"dims": []any{1, 3, 16, 16}}})
	if err != nil {
		b.Fatal(err)
	}
	feed, _ := list.Index(0)
	if err := feed.Set("data", u8(f32bytes(x))); err != nil {
		b.Fatal(err)
	}
	one, _ := safejs.ValueOf(1)
	args := []safejs.Value{one, list}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.run(args); err != nil {
			b.Fatal(err)
		}
	}
}
