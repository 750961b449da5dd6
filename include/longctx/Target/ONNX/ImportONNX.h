//===- ImportONNX.h - Import ONNX models as linalg on tensors ---*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Reads an ONNX model (a serialised onnx.ModelProto) and builds one
// func.func of linalg, tensor, arith and math ops on statically shaped
// tensors: graph inputs become arguments, graph outputs results and
// initializers dense constants. Shape computations on constants (Shape,
// Gather, Concat, ConstantOfShape, Range, ...) are folded while importing.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_TARGET_ONNX_IMPORTONNX_H
#define LONGCTX_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace mlir::longctx {

/// Options of the ONNX importer.
struct ONNXImportOptions {
  /// Name of the emitted function.
  std::string funcName = "main";
  /// Values of symbolic dimensions (`dim_param`) of the graph inputs.
  llvm::StringMap<int64_t> dimParams;
  /// When set, every graph input and output of rank greater than this
  /// dimension is tagged `longctx.stream_dim = <dim>` (the sequence
  /// dimension), so that `longctx-run --stream-tokens` can stream it.
  std::optional<int64_t> streamDim;
};

/// Registers the dialects the importer emits.
void registerONNXImportDialects(DialectRegistry &registry);

/// Imports the serialised ONNX model in `bytes`. Errors name the node (its
/// name and operator type) or the graph value they concern.
llvm::Expected<OwningOpRef<ModuleOp>>
importONNXModel(llvm::StringRef bytes, MLIRContext *context,
                const ONNXImportOptions &options = {});

/// Reads `path` and imports it; a missing or unreadable file is an error.
llvm::Expected<OwningOpRef<ModuleOp>>
importONNXFile(llvm::StringRef path, MLIRContext *context,
               const ONNXImportOptions &options = {});

} // namespace mlir::longctx

#endif // LONGCTX_TARGET_ONNX_IMPORTONNX_H
