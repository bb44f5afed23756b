//go:build !bonafide_lean

package onnx

import (
	"cmp"
	"fmt"
	"slices"

	onnxgo "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gorgonia.org/tensor"
)

// backend is bonafide's onnx.Backend. onnx-go calls it once per value (NewNode/AddNode, SetName,
// SetTensor for initializers), once per input edge (weighted by the input's position), and once
// per operator (ApplyOperation, in graph order). It records all of it; Decode then builds the
// graph IR from the record.
type backend struct {
	nodes []*valueNode
	// from and to hold the edges by source (the operator's output value) and by target, indexed
	// by node id (NewNode numbers the nodes densely from 0).
	from, to [][]edge
	// pool hands each list its first two slots from a shared chunk: a graph of MaxNodes nodes
	// would otherwise allocate two lists per node, which a browser's collector pays for.
	pool []edge
	ops  []opCall
}

type valueNode struct {
	id   int64
	name string
	t    tensor.Tensor
}

func (n *valueNode) ID() int64                       { return n.id }
func (n *valueNode) SetName(s string)                { n.name = s }
func (n *valueNode) GetName() string                 { return n.name }
func (n *valueNode) SetTensor(t tensor.Tensor) error { n.t = t; return nil }
func (n *valueNode) GetTensor() tensor.Tensor        { return n.t }

type edge struct {
	f, t   *valueNode
	weight float64
}

func (e edge) From() graph.Node         { return e.f }
func (e edge) To() graph.Node           { return e.t }
func (e edge) ReversedEdge() graph.Edge { return edge{f: e.t, t: e.f, weight: e.weight} }
func (e edge) Weight() float64          { return e.weight }

type opCall struct {
	op      string
	attrs   map[string]interface{}
	outputs []*valueNode
}

var _ onnxgo.Backend = (*backend)(nil)

// newBackend sizes its lists for a graph of ops operators and about values values, so that a
// graph of MaxNodes nodes does not regrow them (each regrowth copies and the browser's collector
// rescans them).
func newBackend(ops, values int) *backend {
	return &backend{nodes: make([]*valueNode, 0, values), from: make([][]edge, 0, values), to: make([][]edge, 0, values),
		ops: make([]opCall, 0, ops)}
}

func (b *backend) addEdge(lists [][]edge, id int64, e edge) [][]edge {
	for int64(len(lists)) <= id {
		lists = append(lists, nil)
	}
	if l := lists[id]; len(l) > 0 {
		lists[id] = append(l, e)
		return lists
	}
	if len(b.pool) < 2 {
		b.pool = make([]edge, 2048)
	}
	b.pool[0] = e
	lists[id], b.pool = b.pool[:1:2], b.pool[2:]
	return lists
}

// edges returns the list of id, or nil.
func edges(lists [][]edge, id int64) []edge {
	if id < 0 || id >= int64(len(lists)) {
		return nil
	}
	return lists[id]
}

func (b *backend) NewNode() graph.Node {
	return &valueNode{id: int64(len(b.nodes))}
}

func (b *backend) AddNode(n graph.Node) {
	vn, ok := n.(*valueNode)
	if !ok || vn.id != int64(len(b.nodes)) {
		panic(fmt.Sprintf("onnx: backend: unexpected node %v", n))
	}
	b.nodes = append(b.nodes, vn)
}

func (b *backend) NewWeightedEdge(from, to graph.Node, weight float64) graph.WeightedEdge {
	return edge{f: from.(*valueNode), t: to.(*valueNode), weight: weight}
}

// SetWeightedEdge keeps every edge, parallel ones included: a node may read the same value twice
// (Mul(x, x)), which a simple graph would collapse into one edge.
func (b *backend) SetWeightedEdge(e graph.WeightedEdge) {
	ed := e.(edge)
	b.from = b.addEdge(b.from, ed.f.id, ed)
	b.to = b.addEdge(b.to, ed.t.id, ed)
}

func (b *backend) ApplyOperation(op onnxgo.Operation, outputs ...graph.Node) error {
	call := opCall{op: op.Name, attrs: op.Attributes, outputs: make([]*valueNode, 0, len(outputs))}
	for _, o := range outputs {
		vn, ok := o.(*valueNode)
		if !ok {
			return fmt.Errorf("onnx: backend: unexpected output node %v", o)
		}
		call.outputs = append(call.outputs, vn)
	}
	b.ops = append(b.ops, call)
	return nil
}

// inputsOf lists an operator's input values in order, as onnx-go's weighted edges give them.
func (b *backend) inputsOf(call opCall) []string {
	if len(call.outputs) == 0 {
		return nil
	}
	es := edges(b.from, call.outputs[0].id)
	byWeight := func(x, y edge) int { return cmp.Compare(x.weight, y.weight) }
	if !slices.IsSortedFunc(es, byWeight) { // onnx-go adds them in order; sort a copy otherwise
		es = slices.Clone(es)
		slices.SortStableFunc(es, byWeight)
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.t.name
	}
	return names
}

// gonum's graph.Directed, for onnx-go's benefit.

func (b *backend) Node(id int64) graph.Node {
	if id < 0 || id >= int64(len(b.nodes)) {
		return nil
	}
	return b.nodes[id]
}

func (b *backend) Nodes() graph.Nodes {
	ns := make([]graph.Node, len(b.nodes))
	for i, n := range b.nodes {
		ns[i] = n
	}
	return iterator.NewOrderedNodes(ns)
}

func (b *backend) From(id int64) graph.Nodes {
	var ns []graph.Node
	for _, e := range edges(b.from, id) {
		ns = append(ns, e.t)
	}
	return iterator.NewOrderedNodes(ns)
}

func (b *backend) To(id int64) graph.Nodes {
	var ns []graph.Node
	for _, e := range edges(b.to, id) {
		ns = append(ns, e.f)
	}
	return iterator.NewOrderedNodes(ns)
}

func (b *backend) HasEdgeBetween(x, y int64) bool {
	return b.HasEdgeFromTo(x, y) || b.HasEdgeFromTo(y, x)
}

func (b *backend) HasEdgeFromTo(u, v int64) bool { return b.Edge(u, v) != nil }

func (b *backend) Edge(u, v int64) graph.Edge {
	for _, e := range edges(b.from, u) {
		if e.t.id == v {
			return e
		}
	}
	return nil
}
