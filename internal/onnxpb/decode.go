package onnxpb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

// FormatError reports bytes that are not a well-formed ONNX protobuf message.
type FormatError struct {
	Path string // where in the message, e.g. "graph.node[3].attribute[0]"
	Msg  string
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return "onnx: malformed model: " + e.Msg
	}
	return "onnx: malformed model at " + e.Path + ": " + e.Msg
}

// Kind is errs.Model.
func (e *FormatError) Kind() errs.Kind { return errs.Model }

func formatErr(path, format string, args ...any) error {
	return &FormatError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// errUnknown tells walk to keep the field as raw bytes.
var errUnknown = errors.New("unknown field")

// decoder bounds what decoding allocates. Every structure it builds is charged against maxBytes
// before it is built, and repeated numeric fields are counted before they are decoded, so that a
// small file cannot make it allocate without bound: 268 MB of one-byte varints once became 8.6 GB
// of int32 and int64 slices before any limit was checked.
type decoder struct {
	maxBytes    int64 // memory the decoded structures may take
	used        int64
	maxElements int64 // elements of one tensor (limits.MaxElements)
	nodes       int
}

// Approximate sizes, in bytes, of the structures the decoder builds (struct, pointer, slack).
const (
	costNode      = 256
	costAttribute = 192
	costTensor    = 256
	costValueInfo = 160
	costDim       = 48
	costString    = 16 // a string or []byte header beyond its bytes
)

// charge accounts n bytes the decoder is about to allocate for what.
func (d *decoder) charge(n int64, what string) error {
	d.used += n
	if d.used > d.maxBytes || n < 0 {
		return &errs.LimitError{Where: "onnx", What: "memory of the decoded model in bytes", Got: d.used, Limit: d.maxBytes,
			Detail: "at " + what}
	}
	return nil
}

// field is one decoded key/value; which part is meaningful depends on typ.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32, fixed64
	b   []byte // bytes
	raw []byte // the whole field, tag included
}

func (d *decoder) walk(b []byte, path string, f func(fl field) error) (unknown []byte, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, formatErr(path, "bad tag: %v", protowire.ParseError(n))
		}
		fl := field{num: num, typ: typ}
		m := 0
		switch typ {
		case protowire.VarintType:
			fl.u, m = protowire.ConsumeVarint(b[n:])
		case protowire.Fixed32Type:
			var v uint32
			v, m = protowire.ConsumeFixed32(b[n:])
			fl.u = uint64(v)
		case protowire.Fixed64Type:
			fl.u, m = protowire.ConsumeFixed64(b[n:])
		case protowire.BytesType:
			fl.b, m = protowire.ConsumeBytes(b[n:])
		default: // groups are obsolete and absent from onnx.proto; skip them whole
			m = protowire.ConsumeFieldValue(num, typ, b[n:])
		}
		if m < 0 {
			return nil, formatErr(path, "field %d: %v", num, protowire.ParseError(m))
		}
		fl.raw = b[:n+m]
		b = b[n+m:]
		if err := f(fl); err != nil {
			if err == errUnknown {
				if err := d.charge(int64(len(fl.raw)), path); err != nil {
					return nil, err
				}
				unknown = append(unknown, fl.raw...)
				continue
			}
			return nil, err
		}
	}
	return unknown, nil
}

func wantType(fl field, path string, want protowire.Type) error {
	if fl.typ != want {
		return formatErr(path, "field %d has wire type %d, want %d", fl.num, fl.typ, want)
	}
	return nil
}

func (d *decoder) getString(fl field, path string) (string, error) {
	if err := wantType(fl, path, protowire.BytesType); err != nil {
		return "", err
	}
	if err := d.charge(costString+int64(len(fl.b)), path); err != nil {
		return "", err
	}
	return string(fl.b), nil
}

func getInt(fl field, path string) (int64, error) {
	if err := wantType(fl, path, protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(fl.u), nil
}

// countVarints counts the varints of a packed field without decoding them: every varint ends in
// the one byte of it below 0x80.
func countVarints(b []byte, path string, num protowire.Number) (int64, error) {
	if len(b) > 0 && b[len(b)-1] >= 0x80 {
		return 0, formatErr(path, "packed field %d ends inside a varint", num)
	}
	// Eight bytes at a time: the count is the bytes whose top bit is clear (268 MB takes a
	// fraction of a second, even in the browser).
	n := int64(len(b))
	for len(b) >= 8 {
		n -= int64(bits.OnesCount64(binary.LittleEndian.Uint64(b) & 0x8080808080808080))
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			n--
		}
	}
	return n, nil
}

// count returns how many elements a repeated numeric field occurrence holds (packed or not), for
// the wire type a scalar element has (varint, fixed32 or fixed64).
func count(fl field, path string, scalar protowire.Type) (int64, error) {
	if fl.typ == scalar {
		return 1, nil
	}
	if fl.typ != protowire.BytesType {
		return 0, formatErr(path, "field %d has wire type %d, want %d or packed", fl.num, fl.typ, scalar)
	}
	switch scalar {
	case protowire.VarintType:
		return countVarints(fl.b, path, fl.num)
	case protowire.Fixed32Type:
		if len(fl.b)%4 != 0 {
			return 0, formatErr(path, "packed float field %d has %d bytes", fl.num, len(fl.b))
		}
		return int64(len(fl.b) / 4), nil
	default:
		if len(fl.b)%8 != 0 {
			return 0, formatErr(path, "packed double field %d has %d bytes", fl.num, len(fl.b))
		}
		return int64(len(fl.b) / 8), nil
	}
}

// repeated gathers the occurrences of one repeated numeric field, counted but not yet decoded.
type repeated struct {
	fields []field
	n      int64
}

// add counts one occurrence and charges its elements (size bytes each) before anything is decoded.
func (d *decoder) add(r *repeated, fl field, path string, scalar protowire.Type, size int64) error {
	n, err := count(fl, path, scalar)
	if err != nil {
		return err
	}
	r.n += n
	if r.n > d.maxElements {
		return &errs.LimitError{Where: "onnx", What: fmt.Sprintf("element count of field %d at %s", fl.num, path), Got: r.n, Limit: d.maxElements}
	}
	if err := d.charge(n*size, path); err != nil {
		return err
	}
	r.fields = append(r.fields, fl)
	return nil
}

// eachVarint decodes the varints gathered in r, which add has counted and charged.
func (r *repeated) eachVarint(path string, f func(uint64)) error {
	for _, fl := range r.fields {
		if fl.typ == protowire.VarintType {
			f(fl.u)
			continue
		}
		for b := fl.b; len(b) > 0; {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return formatErr(path, "packed field %d: %v", fl.num, protowire.ParseError(n))
			}
			f(v)
			b = b[n:]
		}
	}
	return nil
}

func (r *repeated) int64s(path string) ([]int64, error) {
	if r.n == 0 {
		return nil, nil
	}
	out := make([]int64, 0, r.n)
	err := r.eachVarint(path, func(v uint64) { out = append(out, int64(v)) })
	return out, err
}

func (r *repeated) uint64s(path string) ([]uint64, error) {
	if r.n == 0 {
		return nil, nil
	}
	out := make([]uint64, 0, r.n)
	err := r.eachVarint(path, func(v uint64) { out = append(out, v) })
	return out, err
}

func (r *repeated) int32s(path string) ([]int32, error) {
	if r.n == 0 {
		return nil, nil
	}
	out := make([]int32, 0, r.n)
	err := r.eachVarint(path, func(v uint64) { out = append(out, int32(v)) })
	return out, err
}

func (r *repeated) floats() []float32 {
	if r.n == 0 {
		return nil
	}
	out := make([]float32, 0, r.n)
	for _, fl := range r.fields {
		if fl.typ == protowire.Fixed32Type {
			out = append(out, math.Float32frombits(uint32(fl.u)))
			continue
		}
		for i := 0; i < len(fl.b); i += 4 {
			out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(fl.b[i:])))
		}
	}
	return out
}

func (r *repeated) doubles() []float64 {
	if r.n == 0 {
		return nil
	}
	out := make([]float64, 0, r.n)
	for _, fl := range r.fields {
		if fl.typ == protowire.Fixed64Type {
			out = append(out, math.Float64frombits(fl.u))
			continue
		}
		for i := 0; i < len(fl.b); i += 8 {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(fl.b[i:])))
		}
	}
	return out
}

// DecodeModel parses a serialized ModelProto within the default limits (limits.DefaultMaxMemory
// for the decoded structures).
func DecodeModel(b []byte) (*Model, error) { return DecodeModelWithin(b, limits.DefaultMaxMemory) }

// DecodeModelWithin parses a serialized ModelProto. maxBytes bounds the memory of the decoded
// structures (weights decoded from packed fields included; raw_data is not copied); each tensor is
// bounded by limits.MaxElements and the graph by limits.MaxNodes. Over a limit the error is an
// *errs.LimitError, returned before the allocation it would have caused.
func DecodeModelWithin(b []byte, maxBytes int64) (*Model, error) {
	d := &decoder{maxBytes: maxBytes, maxElements: limits.MaxElements}
	m := &Model{}
	var err error
	m.unknown, err = d.walk(b, "model", func(fl field) error {
		const p = "model"
		var err error
		switch fl.num {
		case 1:
			m.IRVersion, err = getInt(fl, p)
		case 2:
			m.ProducerName, err = d.getString(fl, p)
		case 3:
			m.ProducerVersion, err = d.getString(fl, p)
		case 4:
			m.Domain, err = d.getString(fl, p)
		case 5:
			m.ModelVersion, err = getInt(fl, p)
		case 6:
			m.DocString, err = d.getString(fl, p)
		case 7:
			if err = wantType(fl, p, protowire.BytesType); err != nil {
				return err
			}
			if m.Graph != nil {
				// protobuf merges repeated occurrences of a message field; no exporter writes two
				// graphs, and merging would hide a corrupted file, so refuse.
				return formatErr(p, "more than one graph")
			}
			m.Graph, err = d.decodeGraph(fl.b, "graph")
		case 8:
			if err = wantType(fl, p, protowire.BytesType); err != nil {
				return err
			}
			if err = d.charge(costString+32, "model.opset_import"); err != nil {
				return err
			}
			var os OperatorSet
			_, err = d.walk(fl.b, "model.opset_import", func(f field) error {
				const p = "model.opset_import"
				var err error
				switch f.num {
				case 1:
					os.Domain, err = d.getString(f, p)
				case 2:
					os.Version, err = getInt(f, p)
				default:
					return errUnknown
				}
				return err
			})
			m.Opsets = append(m.Opsets, os)
		case 14:
			if err = wantType(fl, p, protowire.BytesType); err != nil {
				return err
			}
			var kv StringPair
			kv, err = d.decodeStringPair(fl.b, "model.metadata_props")
			m.Metadata = append(m.Metadata, kv)
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (d *decoder) decodeStringPair(b []byte, path string) (StringPair, error) {
	var kv StringPair
	_, err := d.walk(b, path, func(f field) error {
		var err error
		switch f.num {
		case 1:
			kv.Key, err = d.getString(f, path)
		case 2:
			kv.Value, err = d.getString(f, path)
		default:
			return errUnknown
		}
		return err
	})
	return kv, err
}

func (d *decoder) decodeGraph(b []byte, path string) (*Graph, error) {
	g := &Graph{}
	var err error
	g.unknown, err = d.walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			if d.nodes++; d.nodes > limits.MaxNodes {
				return &errs.LimitError{Where: "onnx", What: "node count", Got: int64(d.nodes), Limit: limits.MaxNodes, Detail: "or more"}
			}
			var n *Node
			n, err = d.decodeNode(fl.b, path+".node["+strconv.Itoa(len(g.Nodes))+"]")
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name, err = d.getString(fl, path)
		case 5:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = d.decodeTensor(fl.b, path+".initializer["+strconv.Itoa(len(g.Initializers))+"]")
			g.Initializers = append(g.Initializers, t)
		case 10:
			g.DocString, err = d.getString(fl, path)
		case 11, 12, 13:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var list *[]*ValueInfo
			name := ""
			switch fl.num {
			case 11:
				list, name = &g.Inputs, "input"
			case 12:
				list, name = &g.Outputs, "output"
			default:
				list, name = &g.ValueInfo, "value_info"
			}
			if fl.num == 12 && len(g.Outputs) >= limits.MaxOutputs {
				return &errs.LimitError{Where: "onnx", What: "output count", Got: int64(len(g.Outputs)) + 1, Limit: limits.MaxOutputs, Detail: "or more"}
			}
			var vi *ValueInfo
			vi, err = d.decodeValueInfo(fl.b, path+"."+name+"["+strconv.Itoa(len(*list))+"]")
			*list = append(*list, vi)
		case 15:
			g.SparseInitializers++
			return errUnknown
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func (d *decoder) decodeNode(b []byte, path string) (*Node, error) {
	if err := d.charge(costNode, path); err != nil {
		return nil, err
	}
	n := &Node{}
	// The input and output names share one list, sized by a first look at the fields (the walk
	// below reports malformed ones): one allocation per node instead of up to four.
	if nIn, nOut := countNames(b); nIn+nOut > 0 {
		names := make([]string, 0, nIn+nOut)
		if nIn > 0 {
			n.Inputs = names[:0:nIn]
		}
		if nOut > 0 {
			n.Outputs = names[nIn : nIn : nIn+nOut]
		}
	}
	var err error
	n.unknown, err = d.walk(b, path, func(fl field) error {
		var err error
		var s string
		switch fl.num {
		case 1:
			s, err = d.getString(fl, path)
			n.Inputs = append(n.Inputs, s)
		case 2:
			s, err = d.getString(fl, path)
			n.Outputs = append(n.Outputs, s)
		case 3:
			n.Name, err = d.getString(fl, path)
		case 4:
			n.OpType, err = d.getString(fl, path)
		case 5:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var a *Attribute
			a, err = d.decodeAttribute(fl.b, path+".attribute["+strconv.Itoa(len(n.Attributes))+"]")
			n.Attributes = append(n.Attributes, a)
		case 6:
			n.DocString, err = d.getString(fl, path)
		case 7:
			n.Domain, err = d.getString(fl, path)
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// countNames counts a NodeProto's input (1) and output (2) fields, stopping at the first malformed
// field.
func countNames(b []byte) (in, out int) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			break
		}
		if typ == protowire.BytesType {
			switch num {
			case 1:
				in++
			case 2:
				out++
			}
		}
		b = b[n+m:]
	}
	return in, out
}

func (d *decoder) decodeAttribute(b []byte, path string) (*Attribute, error) {
	if err := d.charge(costAttribute, path); err != nil {
		return nil, err
	}
	a := &Attribute{}
	var floats, ints repeated
	var err error
	a.unknown, err = d.walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			a.Name, err = d.getString(fl, path)
		case 20:
			var v int64
			v, err = getInt(fl, path)
			a.Type = AttrType(v)
		case 2:
			if err = wantType(fl, path, protowire.Fixed32Type); err != nil {
				return err
			}
			a.F = math.Float32frombits(uint32(fl.u))
		case 3:
			a.I, err = getInt(fl, path)
		case 4:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			a.S = fl.b
		case 5:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			a.T, err = d.decodeTensor(fl.b, path+".t")
		case 7:
			err = d.add(&floats, fl, path, protowire.Fixed32Type, 4)
		case 8:
			err = d.add(&ints, fl, path, protowire.VarintType, 8)
		case 9:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			if err = d.charge(costString, path); err != nil {
				return err
			}
			a.Strings = append(a.Strings, fl.b)
		case 10:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = d.decodeTensor(fl.b, path+".tensors")
			a.Tensors = append(a.Tensors, t)
		case 6, 11:
			a.HasGraph = true
			return errUnknown
		case 13:
			a.DocString, err = d.getString(fl, path)
		case 21:
			a.RefName, err = d.getString(fl, path)
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	a.Floats = floats.floats()
	if a.Ints, err = ints.int64s(path); err != nil {
		return nil, err
	}
	if a.Type == AttrUndefined {
		// IR version < 3 files carry no type; infer it from the field that is set, as onnx does.
		a.Type = a.inferType()
	}
	return a, nil
}

func (a *Attribute) inferType() AttrType {
	switch {
	case a.T != nil:
		return AttrTensor
	case a.HasGraph:
		return AttrGraph
	case len(a.Floats) > 0:
		return AttrFloats
	case len(a.Ints) > 0:
		return AttrInts
	case len(a.Strings) > 0:
		return AttrStrings
	case len(a.Tensors) > 0:
		return AttrTensors
	case a.S != nil:
		return AttrString
	case a.F != 0:
		return AttrFloat
	}
	return AttrInt
}

// DecodeTensor parses a serialized TensorProto within the default limits; path names it in errors.
func DecodeTensor(b []byte, path string) (*Tensor, error) {
	d := &decoder{maxBytes: limits.DefaultMaxMemory, maxElements: limits.MaxElements}
	return d.decodeTensor(b, path)
}

// decodeTensor counts every repeated data field before decoding any of it: a tensor's elements
// are bounded by maxElements and charged against the budget first. raw_data stays a slice of the
// input.
func (d *decoder) decodeTensor(b []byte, path string) (*Tensor, error) {
	if err := d.charge(costTensor, path); err != nil {
		return nil, err
	}
	t := &Tensor{}
	var dims, f32, i32, i64, f64, u64 repeated
	var err error
	t.unknown, err = d.walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			err = d.add(&dims, fl, path, protowire.VarintType, 8)
			if err == nil && dims.n > limits.MaxRank {
				err = &errs.LimitError{Where: "onnx", What: "rank of the tensor at " + path, Got: dims.n, Limit: limits.MaxRank}
			}
		case 2:
			var v int64
			v, err = getInt(fl, path)
			t.DataType = DataType(v)
		case 3:
			t.HasSegment = true
			return errUnknown
		case 4:
			err = d.add(&f32, fl, path, protowire.Fixed32Type, 4)
		case 5:
			err = d.add(&i32, fl, path, protowire.VarintType, 4)
		case 6:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			if err = d.charge(costString, path); err != nil {
				return err
			}
			if len(t.StringData) >= int(d.maxElements) {
				return &errs.LimitError{Where: "onnx", What: "element count of string_data at " + path, Got: int64(len(t.StringData)) + 1, Limit: d.maxElements}
			}
			t.StringData = append(t.StringData, fl.b)
		case 7:
			err = d.add(&i64, fl, path, protowire.VarintType, 8)
		case 8:
			t.Name, err = d.getString(fl, path)
		case 9:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			t.RawData = fl.b
		case 10:
			err = d.add(&f64, fl, path, protowire.Fixed64Type, 8)
		case 11:
			err = d.add(&u64, fl, path, protowire.VarintType, 8)
		case 12:
			t.DocString, err = d.getString(fl, path)
		case 13:
			t.External = true
			return errUnknown
		case 14:
			var v int64
			v, err = getInt(fl, path)
			if v == 1 {
				t.External = true
			}
			return errUnknown
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if t.Dims, err = dims.int64s(path); err != nil {
		return nil, err
	}
	t.FloatData = f32.floats()
	if t.Int32Data, err = i32.int32s(path); err != nil {
		return nil, err
	}
	if t.Int64Data, err = i64.int64s(path); err != nil {
		return nil, err
	}
	t.DoubleData = f64.doubles()
	if t.Uint64Data, err = u64.uint64s(path); err != nil {
		return nil, err
	}
	return t, nil
}

func (d *decoder) decodeValueInfo(b []byte, path string) (*ValueInfo, error) {
	if err := d.charge(costValueInfo, path); err != nil {
		return nil, err
	}
	v := &ValueInfo{}
	_, err := d.walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			v.Name, err = d.getString(fl, path)
		case 2:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			v.HasType = true
			v.typeRaw = fl.b
			err = d.decodeType(v, fl.b, path+".type")
		case 3:
			v.DocString, err = d.getString(fl, path)
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (d *decoder) decodeType(v *ValueInfo, b []byte, path string) error {
	sawTensor := false
	_, err := d.walk(b, path, func(fl field) error {
		if fl.num != 1 { // sequence, map, optional, sparse tensor ...
			v.NonTensor = true
			return errUnknown
		}
		if err := wantType(fl, path, protowire.BytesType); err != nil {
			return err
		}
		sawTensor = true
		_, err := d.walk(fl.b, path+".tensor_type", func(f field) error {
			switch f.num {
			case 1:
				e, err := getInt(f, path)
				v.ElemType = DataType(e)
				return err
			case 2:
				if err := wantType(f, path, protowire.BytesType); err != nil {
					return err
				}
				v.HasShape = true
				_, err := d.walk(f.b, path+".shape", func(dl field) error {
					if dl.num != 1 {
						return errUnknown
					}
					if err := wantType(dl, path, protowire.BytesType); err != nil {
						return err
					}
					if len(v.Dims) >= limits.MaxRank {
						return &errs.LimitError{Where: "onnx", What: "rank of the value at " + path, Got: int64(len(v.Dims)) + 1, Limit: limits.MaxRank}
					}
					if err := d.charge(costDim, path); err != nil {
						return err
					}
					var dim Dim
					_, err := d.walk(dl.b, path+".shape.dim", func(x field) error {
						var err error
						switch x.num {
						case 1:
							dim.Value, err = getInt(x, path)
							dim.HasValue = true
						case 2:
							dim.Param, err = d.getString(x, path)
						default:
							return errUnknown
						}
						return err
					})
					v.Dims = append(v.Dims, dim)
					return err
				})
				return err
			}
			return errUnknown
		})
		return err
	})
	if err == nil && !sawTensor {
		v.NonTensor = true
	}
	return err
}

// CheckPrefix reports a *FormatError when b, the first bytes of a file of at most max bytes,
// cannot begin a ModelProto: a bad tag, a known field of the wrong wire type, or a field longer than
// max. It lets a reader refuse a stream that is not ONNX after a few bytes instead of after max bytes
// of it: /dev/zero begins with tag 0, and random bytes soon declare a field longer than any model. A
// field that runs past the end of b is not an error.
func CheckPrefix(b []byte, max int64) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			if len(b) < 10 && protowire.ParseError(n) == io.ErrUnexpectedEOF {
				return nil
			}
			return formatErr("model", "bad tag: %v", protowire.ParseError(n))
		}
		// An unknown field may be anything DecodeModel skips, groups included (refusing them here
		// refused files that decode); a known field must have its own wire type.
		switch {
		case (num == 1 || num == 5) && typ != protowire.VarintType: // ir_version, model_version
			return formatErr("model", "field %d has wire type %d", num, typ)
		case (num >= 2 && num <= 4 || num >= 6 && num <= 8 || num == 14) && typ != protowire.BytesType: // strings, messages
			return formatErr("model", "field %d has wire type %d", num, typ)
		}
		if typ == protowire.BytesType {
			l, m := protowire.ConsumeVarint(b[n:])
			if m < 0 {
				if len(b)-n < 10 {
					return nil
				}
				return formatErr("model", "field %d: bad length: %v", num, protowire.ParseError(m))
			}
			if l > uint64(max) {
				return formatErr("model", "field %d declares %d bytes, more than a model file may hold (%d)", num, l, max)
			}
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil // runs past the prefix (or is malformed further on, which decoding will say)
		}
		b = b[n+m:]
	}
	return nil
}
