package onnxpb

import (
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Marshal serializes the model. Fields the decoder did not model are written back unchanged, after
// the modelled ones (protobuf readers accept fields in any order).
func (m *Model) Marshal() []byte {
	var b []byte
	if m.IRVersion != 0 {
		b = appendInt(b, 1, m.IRVersion)
	}
	b = appendStr(b, 2, m.ProducerName)
	b = appendStr(b, 3, m.ProducerVersion)
	b = appendStr(b, 4, m.Domain)
	if m.ModelVersion != 0 {
		b = appendInt(b, 5, m.ModelVersion)
	}
	b = appendStr(b, 6, m.DocString)
	if m.Graph != nil {
		b = appendMsg(b, 7, m.Graph.marshal())
	}
	for _, os := range m.Opsets {
		var ob []byte
		ob = appendStr(ob, 1, os.Domain)
		ob = appendInt(ob, 2, os.Version)
		b = appendMsg(b, 8, ob)
	}
	for _, kv := range m.Metadata {
		var kb []byte
		kb = appendStr(kb, 1, kv.Key)
		kb = appendStr(kb, 2, kv.Value)
		b = appendMsg(b, 14, kb)
	}
	return append(b, m.unknown...)
}

func (g *Graph) marshal() []byte {
	var b, nb []byte
	for _, n := range g.Nodes {
		// One scratch buffer for every node: a graph of MaxNodes nodes is re-encoded for onnx-go
		// on every load, and a buffer per node was most of that load's allocations.
		nb = n.appendTo(nb[:0])
		b = appendMsg(b, 1, nb)
	}
	b = appendStr(b, 2, g.Name)
	for _, t := range g.Initializers {
		b = appendMsg(b, 5, t.Marshal())
	}
	b = appendStr(b, 10, g.DocString)
	for _, v := range g.Inputs {
		b = appendMsg(b, 11, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMsg(b, 12, v.marshal())
	}
	for _, v := range g.ValueInfo {
		b = appendMsg(b, 13, v.marshal())
	}
	return append(b, g.unknown...)
}

func (n *Node) appendTo(b []byte) []byte {
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendStr(b, 3, n.Name)
	b = appendStr(b, 4, n.OpType)
	for _, a := range n.Attributes {
		b = appendMsg(b, 5, a.marshal())
	}
	b = appendStr(b, 6, n.DocString)
	b = appendStr(b, 7, n.Domain)
	return append(b, n.unknown...)
}

func (a *Attribute) marshal() []byte {
	var b []byte
	b = appendStr(b, 1, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = appendInt(b, 3, a.I)
	case AttrString:
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	case AttrTensor:
		if a.T != nil {
			b = appendMsg(b, 5, a.T.Marshal())
		}
	case AttrFloats:
		var p []byte
		for _, f := range a.Floats {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		b = appendMsg(b, 7, p)
	case AttrInts:
		var p []byte
		for _, v := range a.Ints {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMsg(b, 8, p)
	case AttrStrings:
		for _, s := range a.Strings {
			b = protowire.AppendTag(b, 9, protowire.BytesType)
			b = protowire.AppendBytes(b, s)
		}
	case AttrTensors:
		for _, t := range a.Tensors {
			b = appendMsg(b, 10, t.Marshal())
		}
	}
	b = appendStr(b, 13, a.DocString)
	b = appendInt(b, 20, int64(a.Type))
	b = appendStr(b, 21, a.RefName)
	return append(b, a.unknown...)
}

// Marshal serializes the tensor.
func (t *Tensor) Marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		var p []byte
		for _, d := range t.Dims {
			p = protowire.AppendVarint(p, uint64(d))
		}
		b = appendMsg(b, 1, p)
	}
	b = appendInt(b, 2, int64(t.DataType))
	if len(t.FloatData) > 0 {
		// Packed, written in place: folded int8 weights reach onnx-go this way.
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(4*len(t.FloatData)))
		b = slices.Grow(b, 4*len(t.FloatData))
		for _, f := range t.FloatData {
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	}
	if len(t.Int32Data) > 0 {
		var p []byte
		for _, v := range t.Int32Data {
			p = protowire.AppendVarint(p, uint64(int64(v)))
		}
		b = appendMsg(b, 5, p)
	}
	for _, s := range t.StringData {
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendBytes(b, s)
	}
	if len(t.Int64Data) > 0 {
		var p []byte
		for _, v := range t.Int64Data {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMsg(b, 7, p)
	}
	b = appendStr(b, 8, t.Name)
	if t.RawData != nil {
		b = protowire.AppendTag(b, 9, protowire.BytesType)
		b = protowire.AppendBytes(b, t.RawData)
	}
	if len(t.DoubleData) > 0 {
		var p []byte
		for _, v := range t.DoubleData {
			p = protowire.AppendFixed64(p, math.Float64bits(v))
		}
		b = appendMsg(b, 10, p)
	}
	if len(t.Uint64Data) > 0 {
		var p []byte
		for _, v := range t.Uint64Data {
			p = protowire.AppendVarint(p, v)
		}
		b = appendMsg(b, 11, p)
	}
	b = appendStr(b, 12, t.DocString)
	return append(b, t.unknown...)
}

func (v *ValueInfo) marshal() []byte {
	var b []byte
	b = appendStr(b, 1, v.Name)
	if v.HasType {
		b = appendMsg(b, 2, v.typeRaw)
	}
	b = appendStr(b, 3, v.DocString)
	return b
}

// StripType drops the value's type, leaving only its name. internal/onnx hands onnx-go graphs without
// value types because onnx-go allocates a tensor for every typed graph input, output and value_info.
func (v *ValueInfo) StripType() {
	v.HasType = false
	v.typeRaw = nil
}

// SetTensorType gives the value a tensor type with the given element type and shape.
func (v *ValueInfo) SetTensorType(elem DataType, dims []Dim) {
	var sb []byte
	for _, d := range dims {
		var db []byte
		if d.HasValue {
			db = appendInt(db, 1, d.Value)
		} else if d.Param != "" {
			db = appendStr(db, 2, d.Param)
		}
		sb = appendMsg(sb, 1, db)
	}
	var tb []byte
	tb = appendInt(tb, 1, int64(elem))
	tb = appendMsg(tb, 2, sb)
	v.typeRaw = appendMsg(nil, 1, tb)
	v.HasType, v.NonTensor, v.ElemType, v.HasShape = true, false, elem, true
	v.Dims = append([]Dim(nil), dims...)
}

func appendInt(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendStr(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMsg(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}
