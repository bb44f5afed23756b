// Package onnx decodes ONNX model files into bonafide's graph IR.
//
// In the default build, decoding goes through github.com/owulveryck/onnx-go
// (onnx.NewModel(backend).UnmarshalBinary) with bonafide's own onnx.Backend, which records the
// operators and initializers onnx-go hands it and builds a graph.Graph for internal/graph to compile
// into an execution plan. The browser build (tag bonafide_lean) builds the same graph.Graph straight
// from the protobuf (decode_lean.go), without onnx-go.
//
// onnx-go alone cannot decode every model people export, so a pre-pass over the protobuf
// (internal/onnxpb) runs first:
//   - weight-only QDQ quantization (INT8/UINT8 initializers → DequantizeLinear) is folded into
//     float32 initializers, since onnx-go cannot read INT8 or UINT8 tensors;
//   - FLOAT16, BFLOAT16 and DOUBLE initializers become FLOAT, small integer types become INT64;
//   - Constant nodes become initializers;
//   - value types are stripped from graph inputs, outputs and value_info, because onnx-go allocates
//     a tensor for each typed value (a declared 1e12-element input would otherwise exhaust memory
//     before any check runs); bonafide reads the declared shapes itself;
//   - unsupported operators, data types and limits are refused with typed errors that name the
//     node, the operator and the opset, before onnx-go sees the graph.
//
// A panic inside onnx-go is recovered and returned as a *DecodeError.
package onnx
