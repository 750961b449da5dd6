// longctx-run takes an .onnx model directly: it imports it (the entry is
// named by -e) and compiles and runs it like an .mlir file; import errors are
// reported with exit code 1.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-run %longctx_src/test/Examples/onnx/attention_causal.onnx \
// RUN:   --input %longctx_src/test/Examples/onnx/attention_causal.x.npy \
// RUN:   --expected %longctx_src/test/Examples/onnx/attention_causal.expected.npy | FileCheck %s
// RUN: longctx-run %longctx_src/test/Examples/onnx/attention_causal.onnx -e model \
// RUN:   --input %longctx_src/test/Examples/onnx/attention_causal.x.npy \
// RUN:   --expected %longctx_src/test/Examples/onnx/attention_causal.expected.npy | FileCheck %s --check-prefix=NAMED
// RUN: %PYTHON -c "open('%t/bad.onnx', 'wb').write(b'\xff\xff\xff\xff junk')"
// RUN: not longctx-run %t/bad.onnx 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not longctx-run %t/missing.onnx 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK: compiled @main from 'attention_causal.onnx'
// CHECK: result 0: {{.*}} PASS
// NAMED: compiled @model from 'attention_causal.onnx'
// NAMED: result 0: {{.*}} PASS
// BAD: longctx-run: error: '{{.*}}bad.onnx': not a valid ONNX model (the protobuf message does not parse: truncated or corrupt file)
// MISSING: longctx-run: error: cannot open '{{.*}}missing.onnx': No such file or directory
