// RUN: longctx-import-onnx --help | FileCheck %s
// RUN: not longctx-import-onnx 2>&1 | FileCheck %s --check-prefix=NOARG

// CHECK: longctx-import-onnx: import an ONNX model as linalg on tensors
// CHECK: --dim=<string>
// CHECK: --func-name=<string>
// CHECK: -o <filename>
// CHECK: --stream-dim=<long>
// NOARG: longctx-import-onnx: Not enough positional command line arguments specified!
