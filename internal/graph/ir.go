package graph

import (
	"fmt"
	"strings"
)

// DType is the element type of a value. At run time every tensor is float32; int64 (and bool, held as
// int64) tensors only exist at compile time, in the shape computations exporters emit, which are
// folded away.
type DType uint8

const (
	Float32 DType = iota
	Int64
)

// Size is the bytes an element of type d takes in a constant (int64 for every integer type).
func (d DType) Size() int64 {
	if d == Int64 {
		return 8
	}
	return 4
}

func (d DType) String() string {
	if d == Int64 {
		return "int64"
	}
	return "float32"
}

// notFloat says what a value of type d that should be float32 is, in words true of the file: the
// decoders read every integer type (int8 and uint8 weights, bool, int32) as int64, so "int64" would
// misname an INT8 weight.
func notFloat(d DType) string {
	if d == Int64 {
		return "an integer tensor (int8 to int64, or bool)"
	}
	return "a " + d.String() + " tensor"
}

// Tensor is a constant: an initializer, a Constant node's value, or a folded result.
type Tensor struct {
	DType DType
	Shape []int
	F     []float32 // Float32 data
	I     []int64   // Int64 data
}

// Len is the number of elements.
func (t *Tensor) Len() int { return numElements(t.Shape) }

// Floats returns the data as float32 whatever the dtype.
func (t *Tensor) Floats() []float32 {
	if t.DType == Float32 {
		return t.F
	}
	f := make([]float32, len(t.I))
	for i, v := range t.I {
		f[i] = float32(v)
	}
	return f
}

// Ints returns the data as int64 whatever the dtype (floats truncate toward zero).
func (t *Tensor) Ints() []int64 {
	if t.DType == Int64 {
		return t.I
	}
	out := make([]int64, len(t.F))
	for i, v := range t.F {
		out[i] = int64(v)
	}
	return out
}

// AttrKind is the type of an attribute's value.
type AttrKind uint8

const (
	AttrFloat AttrKind = iota + 1
	AttrInt
	AttrString
	AttrTensor
	AttrFloats
	AttrInts
	AttrStrings
)

// Attr is one node attribute.
type Attr struct {
	Kind    AttrKind
	F       float32
	I       int64
	S       string
	T       *Tensor
	Floats  []float32
	Ints    []int64
	Strings []string
}

// Node is one operator application.
type Node struct {
	Name   string
	Op     string
	Domain string
	// Inputs and Outputs are value names; an empty input name is an omitted optional input.
	Inputs  []string
	Outputs []string
	Attrs   map[string]Attr
}

func (n *Node) label() string {
	if n.Name != "" {
		return fmt.Sprintf("%s %q", n.Op, n.Name)
	}
	return n.Op
}

// Dim is one dimension of a declared input shape: a value, or a symbolic name such as "batch".
type Dim struct {
	Value int // valid when Param is empty
	Param string
}

// ValueInfo declares a graph input or output.
type ValueInfo struct {
	Name  string
	DType DType
	// Dims is nil when the rank is unknown.
	Dims []Dim
}

func (v ValueInfo) String() string {
	parts := make([]string, len(v.Dims))
	for i, d := range v.Dims {
		if d.Param != "" {
			parts[i] = d.Param
		} else {
			parts[i] = fmt.Sprint(d.Value)
		}
	}
	return fmt.Sprintf("%s %s[%s]", v.Name, v.DType, strings.Join(parts, ","))
}

// Graph is a model's computation as decoded from ONNX.
type Graph struct {
	// Opset is the version of the default ("" / "ai.onnx") operator set.
	Opset        int
	Nodes        []*Node
	Initializers map[string]*Tensor
	Inputs       []ValueInfo // graph inputs that are not initializers
	Outputs      []ValueInfo
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
