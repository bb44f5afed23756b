//go:build bonafide_lean

package onnx

import "github.com/bonafide-pad/bonafide/internal/graph"

// decodeGraph builds the graph straight from the protobuf (the lean browser build; see buildDirect).
func decodeGraph(p *prepared) (*graph.Graph, error) { return p.buildDirect() }
