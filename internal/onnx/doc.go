// Package onnx decodes ONNX model files into bonafide's graph IR.
//
// In the default build, decoding goes through github.com/owulveryck/onnx-go
// (onnx.NewModel(backend).UnmarshalBinary) with bonafide's own onnx.Backend, which records the
// operators and initializers onnx-go hands it and builds a graph.Graph for internal/graph to compile
// into an execution plan. The browser build (tag bonafide_lean) builds the same graph.Graph straight
// from the protobuf (decode_lean.go), without onnx-go.
//
// Both decoders fill one small IR, graph.Graph, and graph.Compile builds the plan from it: Compile
// is the one place that judges a model (its opset, the domains, the operators, the limits on nodes,
// outputs, elements and memory). TestDirectMatchesOnnxGo checks that the two decoders fill equal
// IRs for every ONNX file in the repository. With onnx-go, the operators in order, their inputs,
// outputs and attributes and the weights are what onnx-go hands the backend; what onnx-go does not
// pass on comes from the file: node names and domains, the declared inputs and outputs, the
// initializers' declared dims.
//
// The protobuf is read first by internal/onnxpb in every build, within the memory budget: onnx-go's
// generated decoder would turn 268 MB of one-byte varints into gigabytes before anything could
// count them. A pre-pass then only rewrites what onnx-go cannot read, so that both decoders see
// the same graph:
//   - weight-only QDQ quantization (INT8/UINT8 initializers → DequantizeLinear) is folded into
//     float32 initializers, since onnx-go cannot read INT8 or UINT8 tensors;
//   - FLOAT16, BFLOAT16 and DOUBLE initializers become FLOAT, small integer types become INT64;
//   - Constant nodes become initializers;
//   - value types are stripped from graph inputs, outputs and value_info, because onnx-go allocates
//     a tensor for each typed value (a declared 1e12-element input would otherwise exhaust memory
//     before any check runs); bonafide reads the declared shapes itself.
//
// What the pre-pass refuses is what the decoders cannot represent or read (subgraph attributes,
// string tensors, external data, a malformed DequantizeLinear), and what would make them allocate
// past the memory budget; it does not judge the model. A panic inside onnx-go is recovered and
// returned as a *DecodeError.
package onnx
