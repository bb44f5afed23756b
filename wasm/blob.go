//go:build js && wasm

package main

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
)

// A result leaves Go as one byte blob, copied into one fresh Uint8Array, so that a frame costs one
// bulk copy out whatever the number of fields and maps:
//
//	offset 0   uint32 LE  blobMagic
//	offset 4   uint32 LE  N, the length of the JSON header
//	offset 8   N bytes    JSON header (UTF-8)
//	           zero padding to a multiple of 4
//	           payload: float32 LE maps (analyze) or output tensors (run), then, in a decided
//	           session, the evidence's RGBA bytes; each described in the header by {"offset": byte
//	           offset from the payload's start, "length": elements}
//
// The payload starts at (8+N) rounded up to a multiple of 4, so Float32Array views on it are aligned.
//
// web/engine.mjs decodes it into plain objects whose Float32Arrays are views on the blob's buffer,
// so the worker hands the whole result to the page by transferring that one buffer.
const blobMagic = 0x31464e42 // "BNF1"

// blob builds a header and a float payload without allocating once its buffers have grown.
type blob struct {
	head []byte
	data []byte // float32 payload, appended in order
	out  []byte
}

func (b *blob) reset() {
	b.head = b.head[:0]
	b.data = b.data[:0]
}

// addFloats appends v to the payload and returns its byte offset relative to the payload start.
func (b *blob) addFloats(v []float32) int {
	off := len(b.data)
	if len(v) > 0 {
		b.data = append(b.data, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))...) // wasm is little-endian
	}
	return off
}

// addBytes appends raw bytes (a length that is a multiple of 4 keeps later floats aligned).
func (b *blob) addBytes(v []byte) int {
	off := len(b.data)
	b.data = append(b.data, v...)
	return off
}

// dataStart is where the payload starts in the finished blob.
func (b *blob) dataStart() int { return (8 + len(b.head) + 3) &^ 3 }

// finish lays out the blob in b.out, which is reused by the next call.
func (b *blob) finish() []byte {
	start := b.dataStart()
	n := start + len(b.data)
	if cap(b.out) < n {
		b.out = make([]byte, n, n+n/4)
	}
	b.out = b.out[:n]
	binary.LittleEndian.PutUint32(b.out[0:], blobMagic)
	binary.LittleEndian.PutUint32(b.out[4:], uint32(len(b.head)))
	copy(b.out[8:], b.head)
	clear(b.out[8+len(b.head) : start])
	copy(b.out[start:], b.data)
	return b.out
}

// --- a tiny JSON writer: appends to a byte slice, no reflection, no allocation. ---

func (b *blob) raw(s string)   { b.head = append(b.head, s...) }
func (b *blob) key(k string)   { b.str(k); b.head = append(b.head, ':') }
func (b *blob) comma()         { b.head = append(b.head, ',') }
func (b *blob) int(v int)      { b.head = strconv.AppendInt(b.head, int64(v), 10) }
func (b *blob) boolean(v bool) { b.head = strconv.AppendBool(b.head, v) }

// num writes a float; NaN and ±Inf, which JSON cannot hold, become null (the decoder reads null as NaN).
func (b *blob) num(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.raw("null")
		return
	}
	b.head = strconv.AppendFloat(b.head, v, 'g', -1, 64)
}

func (b *blob) ms(d time.Duration) { b.num(float64(d.Microseconds()) / 1000) }

func (b *blob) str(s string) {
	const hex = "0123456789abcdef"
	b.head = append(b.head, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.head = append(b.head, '\\', c)
		case c < 0x20:
			b.head = append(b.head, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b.head = append(b.head, c)
		}
	}
	b.head = append(b.head, '"')
}

func (b *blob) box(x, y, w, h float64) {
	b.raw(`{"x":`)
	b.num(x)
	b.raw(`,"y":`)
	b.num(y)
	b.raw(`,"width":`)
	b.num(w)
	b.raw(`,"height":`)
	b.num(h)
}

func (b *blob) face(f *face.Face) {
	b.box(f.X, f.Y, f.W, f.H)
	b.raw(`,"score":`)
	b.num(f.Score)
	b.raw(`,"angle":`)
	b.num(f.Angle)
	if f.HasKeypoints {
		b.raw(`,"yaw":`)
		b.num(f.Yaw())
		b.raw(`,"keypoints":[`)
		for i, p := range f.Keypoints {
			if i > 0 {
				b.comma()
			}
			b.raw(`{"name":`)
			b.str(face.KeypointName(i))
			b.raw(`,"x":`)
			b.num(p.X)
			b.raw(`,"y":`)
			b.num(p.Y)
			b.raw("}")
		}
		b.raw("]")
	}
	b.raw("}")
}

// encodeResult writes an analysis (and, in a session, the verdict so far) as a blob.
func (b *blob) encodeResult(r *liveness.Result, width, height int, v *liveness.Verdict) []byte {
	b.reset()
	b.raw(`{"live":`)
	b.boolean(r.Live)
	b.raw(`,"scored":`)
	b.boolean(r.Scored)
	b.raw(`,"score":`)
	b.num(r.Score)
	b.raw(`,"threshold":`)
	b.num(r.Threshold)
	b.raw(`,"frame":{"width":`)
	b.int(width)
	b.raw(`,"height":`)
	b.int(height)
	b.raw(`},"face":`)
	if r.Face != nil {
		b.face(r.Face)
	} else {
		b.raw("null")
	}
	b.raw(`,"faces":[`)
	for i := range r.Faces {
		if i > 0 {
			b.comma()
		}
		b.face(&r.Faces[i])
	}
	b.raw(`],"crop":`)
	b.crop(r.Crop, r.Face != nil)
	b.raw(`,"quality":{"ok":`)
	b.boolean(r.Quality.OK)
	b.raw(`,"reasons":[`)
	for i, q := range r.Quality.Reasons {
		if i > 0 {
			b.comma()
		}
		b.raw(`{"code":`)
		b.str(q.Code)
		b.raw(`,"value":`)
		b.num(q.Value)
		b.raw(`,"limit":`)
		b.num(q.Limit)
		b.raw("}")
	}
	b.raw(`]},"maps":[`)
	n := 0
	for _, m := range r.Maps {
		if m.Data == nil {
			continue
		}
		if n > 0 {
			b.comma()
		}
		n++
		b.raw(`{"label":`)
		b.str(m.Label)
		b.raw(`,"width":`)
		b.int(m.W)
		b.raw(`,"height":`)
		b.int(m.H)
		b.raw(`,"offset":`)
		b.int(b.addFloats(m.Data))
		b.raw(`,"length":`)
		b.int(len(m.Data))
		b.raw("}")
	}
	b.raw(`],"referenceScore":`)
	b.num(r.ReferenceScore)
	b.raw(`,"timings":{"detect":`)
	b.ms(r.Timings.Detect)
	b.raw(`,"crop":`)
	b.ms(r.Timings.Crop)
	b.raw(`,"infer":`)
	b.ms(r.Timings.Infer)
	b.raw(`,"total":`)
	b.ms(r.Timings.Total)
	b.raw("}")
	if v != nil {
		b.raw(`,"verdict":`)
		b.verdict(v)
	}
	b.raw("}")
	return b.finish()
}

// crop writes the window the model saw, or null.
func (b *blob) crop(c face.CropInfo, ok bool) {
	w := c.Window
	if !ok || w.Empty() {
		b.raw("null")
		return
	}
	b.box(float64(w.Min.X), float64(w.Min.Y), float64(w.Dx()), float64(w.Dy()))
	b.raw(`,"scale":`)
	b.num(c.Scale)
	b.raw(`,"outputWidth":`)
	b.int(c.Width)
	b.raw(`,"outputHeight":`)
	b.int(c.Height)
	b.raw("}")
}

func (b *blob) floatList(v []float64) {
	b.raw("[")
	for i, s := range v {
		if i > 0 {
			b.comma()
		}
		b.num(s)
	}
	b.raw("]")
}

// verdict writes a session's verdict; its evidence ("best", the frame number, -1 when none, and
// "bestFrame") carries the pixels of the window the model saw in that frame, which the JS side
// turns into an ImageBitmap.
func (b *blob) verdict(v *liveness.Verdict) {
	b.raw(`{"decision":`)
	b.str(v.Decision)
	b.raw(`,"score":`)
	b.num(v.Score)
	b.raw(`,"threshold":`)
	b.num(v.Threshold)
	b.raw(`,"frames":`)
	b.int(v.Frames)
	b.raw(`,"usable":`)
	b.int(v.Usable)
	b.raw(`,"scores":`)
	b.floatList(v.Scores)
	b.raw(`,"frameScores":`)
	b.floatList(v.FrameScores)
	b.raw(`,"best":`)
	if e := v.Best; e != nil {
		b.int(e.Frame)
		b.raw(`,"bestFrame":{"index":`)
		b.int(e.Frame)
		b.raw(`,"score":`)
		b.num(e.Score)
		b.raw(`,"box":`)
		b.crop(e.Crop, true)
		b.raw(`,"image":`)
		if img := e.Image; img != nil && !img.Rect.Empty() && img.Stride == 4*img.Rect.Dx() {
			n := 4 * img.Rect.Dx() * img.Rect.Dy()
			b.raw(`{"width":`)
			b.int(img.Rect.Dx())
			b.raw(`,"height":`)
			b.int(img.Rect.Dy())
			b.raw(`,"offset":`)
			b.int(b.addBytes(img.Pix[:n]))
			b.raw(`,"length":`)
			b.int(n)
			b.raw("}")
		} else {
			b.raw("null")
		}
		b.raw("}")
	} else {
		b.raw(`-1,"bestFrame":null`)
	}
	b.raw(`,"reasons":[`)
	for i, r := range v.Reasons {
		if i > 0 {
			b.comma()
		}
		b.str(r)
	}
	b.raw("]}")
}

// encodeOutputs writes a low-level run's outputs.
func (b *blob) encodeOutputs(names []string, shapes [][]int, outs [][]float32) []byte {
	b.reset()
	b.raw(`{"outputs":[`)
	for i, o := range outs {
		if i > 0 {
			b.comma()
		}
		b.raw(`{"name":`)
		b.str(names[i])
		b.raw(`,"dims":[`)
		for j, d := range shapes[i] {
			if j > 0 {
				b.comma()
			}
			b.int(d)
		}
		b.raw(`],"offset":`)
		b.int(b.addFloats(o))
		b.raw(`,"length":`)
		b.int(len(o))
		b.raw("}")
	}
	b.raw("]}")
	return b.finish()
}
