package onnxpb

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bonafide-pad/bonafide/core/errs"
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

// field is one decoded key/value; which part is meaningful depends on typ.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32, fixed64
	b   []byte // bytes
	raw []byte // the whole field, tag included
}

func walk(b []byte, path string, f func(fl field) error) (unknown []byte, err error) {
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

func getString(fl field, path string) (string, error) {
	if err := wantType(fl, path, protowire.BytesType); err != nil {
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

// appendVarints decodes a packed or unpacked repeated varint field.
func appendVarints(dst []int64, fl field, path string) ([]int64, error) {
	switch fl.typ {
	case protowire.VarintType:
		return append(dst, int64(fl.u)), nil
	case protowire.BytesType:
		b := fl.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, formatErr(path, "packed field %d: %v", fl.num, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, formatErr(path, "field %d has wire type %d, want varint", fl.num, fl.typ)
}

func appendFloats(dst []float32, fl field, path string) ([]float32, error) {
	switch fl.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(fl.u))), nil
	case protowire.BytesType:
		if len(fl.b)%4 != 0 {
			return nil, formatErr(path, "packed float field %d has %d bytes", fl.num, len(fl.b))
		}
		for i := 0; i < len(fl.b); i += 4 {
			u := uint32(fl.b[i]) | uint32(fl.b[i+1])<<8 | uint32(fl.b[i+2])<<16 | uint32(fl.b[i+3])<<24
			dst = append(dst, math.Float32frombits(u))
		}
		return dst, nil
	}
	return nil, formatErr(path, "field %d has wire type %d, want fixed32", fl.num, fl.typ)
}

func appendDoubles(dst []float64, fl field, path string) ([]float64, error) {
	switch fl.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(fl.u)), nil
	case protowire.BytesType:
		if len(fl.b)%8 != 0 {
			return nil, formatErr(path, "packed double field %d has %d bytes", fl.num, len(fl.b))
		}
		for i := 0; i < len(fl.b); i += 8 {
			u, _ := protowire.ConsumeFixed64(fl.b[i:])
			dst = append(dst, math.Float64frombits(u))
		}
		return dst, nil
	}
	return nil, formatErr(path, "field %d has wire type %d, want fixed64", fl.num, fl.typ)
}

// DecodeModel parses a serialized ModelProto.
func DecodeModel(b []byte) (*Model, error) {
	m := &Model{}
	var err error
	m.unknown, err = walk(b, "model", func(fl field) error {
		const p = "model"
		var err error
		switch fl.num {
		case 1:
			m.IRVersion, err = getInt(fl, p)
		case 2:
			m.ProducerName, err = getString(fl, p)
		case 3:
			m.ProducerVersion, err = getString(fl, p)
		case 4:
			m.Domain, err = getString(fl, p)
		case 5:
			m.ModelVersion, err = getInt(fl, p)
		case 6:
			m.DocString, err = getString(fl, p)
		case 7:
			if err = wantType(fl, p, protowire.BytesType); err != nil {
				return err
			}
			if m.Graph != nil {
				// protobuf merges repeated occurrences of a message field; no exporter writes two
				// graphs, and merging would hide a corrupted file, so refuse.
				return formatErr(p, "more than one graph")
			}
			m.Graph, err = decodeGraph(fl.b, "graph")
		case 8:
			if err = wantType(fl, p, protowire.BytesType); err != nil {
				return err
			}
			var os OperatorSet
			_, err = walk(fl.b, "model.opset_import", func(f field) error {
				const p = "model.opset_import"
				var err error
				switch f.num {
				case 1:
					os.Domain, err = getString(f, p)
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
			kv, err = decodeStringPair(fl.b, "model.metadata_props")
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

func decodeStringPair(b []byte, path string) (StringPair, error) {
	var kv StringPair
	_, err := walk(b, path, func(f field) error {
		var err error
		switch f.num {
		case 1:
			kv.Key, err = getString(f, path)
		case 2:
			kv.Value, err = getString(f, path)
		default:
			return errUnknown
		}
		return err
	})
	return kv, err
}

func decodeGraph(b []byte, path string) (*Graph, error) {
	g := &Graph{}
	var err error
	g.unknown, err = walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var n *Node
			n, err = decodeNode(fl.b, fmt.Sprintf("%s.node[%d]", path, len(g.Nodes)))
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name, err = getString(fl, path)
		case 5:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = DecodeTensor(fl.b, fmt.Sprintf("%s.initializer[%d]", path, len(g.Initializers)))
			g.Initializers = append(g.Initializers, t)
		case 10:
			g.DocString, err = getString(fl, path)
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
			var vi *ValueInfo
			vi, err = decodeValueInfo(fl.b, fmt.Sprintf("%s.%s[%d]", path, name, len(*list)))
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

func decodeNode(b []byte, path string) (*Node, error) {
	n := &Node{}
	var err error
	n.unknown, err = walk(b, path, func(fl field) error {
		var err error
		var s string
		switch fl.num {
		case 1:
			s, err = getString(fl, path)
			n.Inputs = append(n.Inputs, s)
		case 2:
			s, err = getString(fl, path)
			n.Outputs = append(n.Outputs, s)
		case 3:
			n.Name, err = getString(fl, path)
		case 4:
			n.OpType, err = getString(fl, path)
		case 5:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var a *Attribute
			a, err = decodeAttribute(fl.b, fmt.Sprintf("%s.attribute[%d]", path, len(n.Attributes)))
			n.Attributes = append(n.Attributes, a)
		case 6:
			n.DocString, err = getString(fl, path)
		case 7:
			n.Domain, err = getString(fl, path)
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

func decodeAttribute(b []byte, path string) (*Attribute, error) {
	a := &Attribute{}
	var err error
	a.unknown, err = walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			a.Name, err = getString(fl, path)
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
			a.T, err = DecodeTensor(fl.b, path+".t")
		case 7:
			a.Floats, err = appendFloats(a.Floats, fl, path)
		case 8:
			a.Ints, err = appendVarints(a.Ints, fl, path)
		case 9:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			a.Strings = append(a.Strings, fl.b)
		case 10:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = DecodeTensor(fl.b, path+".tensors")
			a.Tensors = append(a.Tensors, t)
		case 6, 11:
			a.HasGraph = true
			return errUnknown
		case 13:
			a.DocString, err = getString(fl, path)
		case 21:
			a.RefName, err = getString(fl, path)
		default:
			return errUnknown
		}
		return err
	})
	if err != nil {
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

// DecodeTensor parses a serialized TensorProto; path names it in errors.
func DecodeTensor(b []byte, path string) (*Tensor, error) {
	t := &Tensor{}
	var err error
	t.unknown, err = walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			t.Dims, err = appendVarints(t.Dims, fl, path)
		case 2:
			var v int64
			v, err = getInt(fl, path)
			t.DataType = DataType(v)
		case 3:
			t.HasSegment = true
			return errUnknown
		case 4:
			t.FloatData, err = appendFloats(t.FloatData, fl, path)
		case 5:
			var v []int64
			v, err = appendVarints(nil, fl, path)
			for _, x := range v {
				t.Int32Data = append(t.Int32Data, int32(x))
			}
		case 6:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			t.StringData = append(t.StringData, fl.b)
		case 7:
			t.Int64Data, err = appendVarints(t.Int64Data, fl, path)
		case 8:
			t.Name, err = getString(fl, path)
		case 9:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			t.RawData = fl.b
		case 10:
			t.DoubleData, err = appendDoubles(t.DoubleData, fl, path)
		case 11:
			var v []int64
			v, err = appendVarints(nil, fl, path)
			for _, x := range v {
				t.Uint64Data = append(t.Uint64Data, uint64(x))
			}
		case 12:
			t.DocString, err = getString(fl, path)
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
	return t, nil
}

func decodeValueInfo(b []byte, path string) (*ValueInfo, error) {
	v := &ValueInfo{}
	_, err := walk(b, path, func(fl field) error {
		var err error
		switch fl.num {
		case 1:
			v.Name, err = getString(fl, path)
		case 2:
			if err = wantType(fl, path, protowire.BytesType); err != nil {
				return err
			}
			v.HasType = true
			v.typeRaw = fl.b
			err = v.decodeType(fl.b, path+".type")
		case 3:
			v.DocString, err = getString(fl, path)
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

func (v *ValueInfo) decodeType(b []byte, path string) error {
	sawTensor := false
	_, err := walk(b, path, func(fl field) error {
		if fl.num != 1 { // sequence, map, optional, sparse tensor ...
			v.NonTensor = true
			return errUnknown
		}
		if err := wantType(fl, path, protowire.BytesType); err != nil {
			return err
		}
		sawTensor = true
		_, err := walk(fl.b, path+".tensor_type", func(f field) error {
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
				_, err := walk(f.b, path+".shape", func(d field) error {
					if d.num != 1 {
						return errUnknown
					}
					if err := wantType(d, path, protowire.BytesType); err != nil {
						return err
					}
					var dim Dim
					_, err := walk(d.b, path+".shape.dim", func(x field) error {
						var err error
						switch x.num {
						case 1:
							dim.Value, err = getInt(x, path)
							dim.HasValue = true
						case 2:
							dim.Param, err = getString(x, path)
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
