// The fuzz targets' committed corpus (test/fuzz) replayed: every input of
// the .npy reader, the ONNX importer and the parse-verify-pipeline path
// runs without a crash (tools/fuzz.sh fuzzes from it with libFuzzer, in
// the sanitized build, whose fuzz targets are libFuzzer's).
// UNSUPPORTED: libfuzzer
// RUN: longctx-fuzz-npy %longctx_src/test/fuzz/npy | FileCheck %s --check-prefix=NPY
// RUN: longctx-fuzz-onnx %longctx_src/test/fuzz/onnx | FileCheck %s --check-prefix=ONNX
// RUN: longctx-fuzz-mlir %longctx_src/test/fuzz/mlir | FileCheck %s --check-prefix=MLIR
// NPY: ran 10 inputs
// ONNX: ran 7 inputs
// MLIR: ran 11 inputs
