// The driver lists the dialect, the passes and the pipeline.
// RUN: longctx-opt --help | FileCheck %s --check-prefix=HELP
// RUN: longctx-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS

// HELP-DAG: --longctx-lower-to-cpu
// HELP-DAG: --longctx-attention-to-infini
// HELP-DAG: --longctx-decompose-infini
// HELP-DAG: --convert-longctx-to-linalg
// DIALECTS: longctx
