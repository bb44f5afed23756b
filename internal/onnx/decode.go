package onnx

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/internal/graph"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// Decoded is a model decoded into the graph IR, with what the file says about itself.
type Decoded struct {
	Graph *graph.Graph
	// Metadata is the model's metadata_props in file order.
	Metadata        []onnxpb.StringPair
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	// FoldedDequantize counts DequantizeLinear nodes folded into float weights.
	FoldedDequantize int
}

// Decode reads an ONNX model file. maxMemory bounds the memory the model's weights may take once
// decoded (as float32), and what the decoder allocates on the way (limits.DefaultMaxMemory when 0):
// a file over it is refused before its weights are decoded.
func Decode(data []byte, maxMemory int64) (*Decoded, error) {
	if maxMemory <= 0 {
		maxMemory = limits.DefaultMaxMemory
	}
	if len(data) > limits.MaxModelBytes {
		return nil, limitErr("model size in bytes", int64(len(data)), limits.MaxModelBytes)
	}
	if len(data) == 0 {
		return nil, &onnxpb.FormatError{Msg: "empty file"}
	}
	pbm, err := onnxpb.DecodeModelWithin(data, maxMemory)
	if err != nil {
		return nil, err
	}
	p, err := prepare(pbm, maxMemory)
	if err != nil {
		return nil, err
	}
	g, err := decodeGraph(p)
	if err != nil {
		return nil, err
	}
	return &Decoded{Graph: g, Metadata: p.metadata, IRVersion: pbm.IRVersion, ProducerName: pbm.ProducerName,
		ProducerVersion: pbm.ProducerVersion, FoldedDequantize: p.folded}, nil
}

// buildDirect builds the graph IR from the protobuf alone, without onnx-go. The browser build
// (tag bonafide_lean) decodes this way: onnx-go's gogo/protobuf calls reflect.Value.MethodByName,
// which makes the Go linker keep every exported method of every type in the binary (gorgonia's
// tensor and gonum included): on 2026-12-05 the wasm was 1.78 MB gzipped (-9) this way and 5.56 MB
// through onnx-go (GOOS=js GOARCH=wasm GOEXPERIMENT=simd go build -trimpath -ldflags='-s -w'
// ./wasm, with and without -tags bonafide_lean; build/web/sizes.json has the current size). Tests
// check that both paths give the same graph for every test model.
func (p *prepared) buildDirect() (*graph.Graph, error) {
	pg := p.pb.Graph
	g := &graph.Graph{Opset: p.opset, Initializers: map[string]*graph.Tensor{}, Inputs: p.inputs, Outputs: p.outputs}
	for _, t := range pg.Initializers {
		gt, err := tensorFromPB(t)
		if err != nil {
			return nil, fmt.Errorf("onnx: initializer %q: %w", t.Name, err)
		}
		g.Initializers[t.Name] = gt
	}
	for name, t := range p.side {
		g.Initializers[name] = t
	}
	for _, pn := range pg.Nodes {
		// The protobuf is discarded after this: the node may keep its slices.
		n := &graph.Node{Name: pn.Name, Op: pn.OpType, Domain: pn.Domain, Inputs: pn.Inputs, Outputs: pn.Outputs}
		if len(pn.Attributes) > 0 {
			n.Attrs = make(map[string]graph.Attr, len(pn.Attributes))
		}
		for _, a := range pn.Attributes {
			ga, ok, err := attrFromPB(a)
			if err != nil {
				return nil, &graph.AttrError{Node: pn.Name, Op: pn.OpType, Attr: a.Name, Msg: err.Error()}
			}
			if ok {
				n.Attrs[a.Name] = ga
			}
		}
		g.Nodes = append(g.Nodes, n)
	}
	return g, nil
}

// tensorFromPB converts a normalised (FLOAT or integer) tensor.
func tensorFromPB(t *onnxpb.Tensor) (*graph.Tensor, error) {
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[i] = int(d)
	}
	if t.DataType == onnxpb.Float {
		if t.RawData == nil && t.FloatData != nil {
			// float_data, or an initializer the pre-pass folded: the protobuf is discarded after
			// the build, so the graph takes the slice instead of a copy.
			return &graph.Tensor{DType: graph.Float32, Shape: shape, F: t.FloatData}, nil
		}
		f, err := t.Float32s()
		if err != nil {
			return nil, err
		}
		return &graph.Tensor{DType: graph.Float32, Shape: shape, F: f}, nil
	}
	v, err := t.Int64s()
	if err != nil {
		return nil, err
	}
	return &graph.Tensor{DType: graph.Int64, Shape: shape, I: v}, nil
}

func attrFromPB(a *onnxpb.Attribute) (graph.Attr, bool, error) {
	switch a.Type {
	case onnxpb.AttrFloat:
		return graph.Attr{Kind: graph.AttrFloat, F: a.F}, true, nil
	case onnxpb.AttrInt:
		return graph.Attr{Kind: graph.AttrInt, I: a.I}, true, nil
	case onnxpb.AttrString:
		return graph.Attr{Kind: graph.AttrString, S: string(a.S)}, true, nil
	case onnxpb.AttrFloats:
		return graph.Attr{Kind: graph.AttrFloats, Floats: append([]float32{}, a.Floats...)}, true, nil
	case onnxpb.AttrInts:
		return graph.Attr{Kind: graph.AttrInts, Ints: append([]int64{}, a.Ints...)}, true, nil
	case onnxpb.AttrStrings:
		ss := make([]string, len(a.Strings))
		for i, s := range a.Strings {
			ss[i] = string(s)
		}
		return graph.Attr{Kind: graph.AttrStrings, Strings: ss}, true, nil
	case onnxpb.AttrTensor:
		if a.T == nil {
			return graph.Attr{}, false, fmt.Errorf("tensor attribute without a tensor")
		}
		t, err := tensorFromPB(a.T)
		if err != nil {
			return graph.Attr{}, false, err
		}
		return graph.Attr{Kind: graph.AttrTensor, T: t}, true, nil
	case onnxpb.AttrUndefined:
		return graph.Attr{}, false, nil
	}
	return graph.Attr{}, false, fmt.Errorf("attribute type %d is not supported", a.Type)
}
