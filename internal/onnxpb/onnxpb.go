// Package onnxpb reads and writes the subset of ONNX's protobuf messages bonafide needs, with
// google.golang.org/protobuf/encoding/protowire and no generated code.
//
// It exists because onnx-go's own decoder cannot read INT8, UINT8 or FLOAT16 tensors, which quantized
// models carry: bonafide rewrites such models into a form onnx-go can decode (internal/onnx) and writes
// quantized models (internal/quant). Fields this package does not model are kept as raw bytes and written
// back unchanged, so a read-modify-write round trip preserves everything it did not touch.
//
// Decoding allocates in proportion to the input's size and never recurses into nested graphs, so a
// hostile file cannot make it allocate or recurse without bound; limits on what the data describes
// (element counts, ranks) are the caller's to enforce.
package onnxpb

import "fmt"

// DataType is TensorProto.DataType.
type DataType int32

const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = map[DataType]string{
	Undefined: "UNDEFINED", Float: "FLOAT", Uint8: "UINT8", Int8: "INT8", Uint16: "UINT16",
	Int16: "INT16", Int32: "INT32", Int64: "INT64", String: "STRING", Bool: "BOOL", Float16: "FLOAT16",
	Double: "DOUBLE", Uint32: "UINT32", Uint64: "UINT64", Complex64: "COMPLEX64",
	Complex128: "COMPLEX128", BFloat16: "BFLOAT16",
}

func (d DataType) String() string {
	if s, ok := dataTypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("DataType(%d)", int32(d))
}

// Size is the element size in bytes in raw_data, or 0 for types without a fixed size.
func (d DataType) Size() int {
	switch d {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Double, Uint64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

const (
	AttrUndefined AttrType = 0
	AttrFloat     AttrType = 1
	AttrInt       AttrType = 2
	AttrString    AttrType = 3
	AttrTensor    AttrType = 4
	AttrGraph     AttrType = 5
	AttrFloats    AttrType = 6
	AttrInts      AttrType = 7
	AttrStrings   AttrType = 8
	AttrTensors   AttrType = 9
	AttrGraphs    AttrType = 10
	AttrSparse    AttrType = 11
	AttrSparses   AttrType = 12
	AttrTypeProto AttrType = 13
	AttrTypes     AttrType = 14
)

// Model is ModelProto.
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph
	Opsets          []OperatorSet
	Metadata        []StringPair
	unknown         []byte
}

// OperatorSet is OperatorSetIdProto.
type OperatorSet struct {
	Domain  string
	Version int64
}

// StringPair is StringStringEntryProto.
type StringPair struct {
	Key, Value string
}

// Graph is GraphProto.
type Graph struct {
	Name         string
	DocString    string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []*ValueInfo
	Outputs      []*ValueInfo
	ValueInfo    []*ValueInfo
	// SparseInitializers counts sparse_initializer entries, which bonafide does not support.
	SparseInitializers int
	unknown            []byte
}

// Node is NodeProto.
type Node struct {
	Inputs     []string
	Outputs    []string
	Name       string
	OpType     string
	Domain     string
	Attributes []*Attribute
	DocString  string
	unknown    []byte
}

// Attr returns the attribute with the given name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attributes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Attribute is AttributeProto. Graph-valued fields are kept as raw bytes: bonafide supports no
// operator with subgraphs and never decodes them.
type Attribute struct {
	Name      string
	Type      AttrType
	F         float32
	I         int64
	S         []byte
	T         *Tensor
	Floats    []float32
	Ints      []int64
	Strings   [][]byte
	Tensors   []*Tensor
	HasGraph  bool
	DocString string
	RefName   string
	unknown   []byte
}

// Tensor is TensorProto. Exactly one of the data fields is normally set; which one depends on
// DataType and on the exporter.
type Tensor struct {
	Name       string
	Dims       []int64
	DataType   DataType
	RawData    []byte
	FloatData  []float32
	Int32Data  []int32
	Int64Data  []int64
	DoubleData []float64
	Uint64Data []uint64
	StringData [][]byte
	DocString  string
	// External is set when the data lives in another file (external_data / data_location).
	External   bool
	HasSegment bool
	unknown    []byte
}

// ValueInfo is ValueInfoProto restricted to tensor types; other types are reported in NonTensor.
type ValueInfo struct {
	Name      string
	DocString string
	// HasType is false when the value carries no type at all (allowed for intermediate values).
	HasType   bool
	NonTensor bool
	ElemType  DataType
	// HasShape is false for tensors of unknown rank.
	HasShape bool
	Dims     []Dim
	typeRaw  []byte
}

// Dim is one TensorShapeProto.Dimension: a value, a symbolic name, or neither (unknown).
type Dim struct {
	Value    int64
	Param    string
	HasValue bool
}

func (d Dim) String() string {
	switch {
	case d.HasValue:
		return fmt.Sprint(d.Value)
	case d.Param != "":
		return d.Param
	}
	return "?"
}
