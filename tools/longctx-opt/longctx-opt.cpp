//===- longctx-opt.cpp - longctx modular optimizer driver -----------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::longctx::registerAllDialects(registry);
  mlir::longctx::registerAllExtensions(registry);
  mlir::longctx::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "longctx modular optimizer driver\n", registry));
}
