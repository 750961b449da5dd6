// Models exported with a dynamic sequence axis, each spelling its mask one
// way PyTorch code does (python/longctx/mask_models.py), are raised at every
// length (a key-padding mask from the attention_mask input, combined with
// the causal one, as a [1, 1, 1, N] mask operand, also after upstream
// elementwise fusion has merged it into the scores' op): below the importer's folding limit the mask arrives as a constant,
// above it as the generics that compute it (fills, triu/tril, casts,
// comparisons of aranges, logical or), which the raise fuses and reads as a
// predicate on the query and key positions. At 4096 tokens the raised models
// match the NumPy reference; rewritten into Infini-attention or Titans MAG
// at 4096 and 65,536 tokens, so do the rewritten models (at 65,536 Titans'
// O(N^2) attention is checked against NumPy at 768 rows, its memory over
// every token).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: for s in bool_triu additive tril_eq0 where_finfo window pad_bool pad_additive; do \
// RUN:   for n in 1 64 2048 2049 65536 1048576; do \
// RUN:     longctx-import-onnx %longctx_src/test/Examples/onnx/masks_$s.onnx --dim seq=$n | \
// RUN:       longctx-opt --longctx-raise-attention 2>&1 | \
// RUN:       grep -o -e "longctx.attention ins.*" -e "remark.*" | \
// RUN:       sed -e "s/^.*, tensor<\(1x4x[0-9]*\)x16xf32>) /$s $n: \1 /" -e "s/ scale.*//" \
// RUN:         -e "s/mask(%[a-z0-9_]* : /mask(/"; \
// RUN:   done; \
// RUN: done | FileCheck %s --check-prefix=RAISED --implicit-check-not=remark
//
// RUN: %PYTHON -m longctx.mask_models %t/n4096 4096
// RUN: for s in bool_triu additive tril_eq0 where_finfo; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/masks_$s.onnx --dim seq=4096 | \
// RUN:     longctx-opt --longctx-raise-attention -o %t/$s.mlir && \
// RUN:   longctx-run %t/$s.mlir --input %t/n4096/x.npy --expected %t/n4096/expected.npy | \
// RUN:     grep -q "all 1 checked results match" && echo "$s matches"; \
// RUN: done | FileCheck %s --check-prefix=MATCH
// RUN: for s in pad_bool pad_additive; do \
// RUN:   for fuse in "" --linalg-fuse-elementwise-ops; do \
// RUN:     longctx-import-onnx %longctx_src/test/Examples/onnx/masks_$s.onnx --dim seq=4096 | \
// RUN:       longctx-opt $fuse --longctx-raise-attention -o %t/$s.mlir && \
// RUN:     longctx-run %t/$s.mlir --input %t/n4096/x.npy --input %t/n4096/pad.npy \
// RUN:       --expected %t/n4096/expected.pad.npy | \
// RUN:       grep -q "all 1 checked results match" && echo "$s $fuse matches"; \
// RUN:   done; \
// RUN: done | FileCheck %s --check-prefix=PAD
// At 16,384 tokens the raised model needs no N x N scores: under 1 GiB.
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_pad_bool.onnx --dim seq=16384 | \
// RUN:   longctx-opt --longctx-raise-attention -o %t/pad16384.mlir
// RUN: longctx-run %t/pad16384.mlir | FileCheck %s --check-prefix=BOUNDED
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_window.onnx --dim seq=4096 | \
// RUN:   longctx-opt --longctx-raise-attention -o %t/window.mlir
// RUN: longctx-run %t/window.mlir --input %t/n4096/x.npy \
// RUN:   --expected %t/n4096/expected.window.npy | FileCheck %s
//
// RUN: %PYTHON -m longctx.mask_models %t/i4096 4096 --infini 512
// RUN: %PYTHON -m longctx.mask_models %t/i65536 65536 --infini 512
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_additive.onnx --dim seq=4096 | \
// RUN:   longctx-opt --longctx-raise-attention \
// RUN:     --longctx-attention-to-infini="segment-length=512 update-rule=delta" -o %t/infini4096.mlir
// RUN: longctx-run %t/infini4096.mlir --input %t/i4096/x.npy --expected %t/i4096/expected.npy \
// RUN:   --atol 1e-4 --rtol 1e-4 | FileCheck %s
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_bool_triu.onnx --dim seq=65536 | \
// RUN:   longctx-opt --longctx-raise-attention \
// RUN:     --longctx-attention-to-infini="segment-length=512 update-rule=delta" -o %t/infini65536.mlir
// RUN: longctx-run %t/infini65536.mlir --input %t/i65536/x.npy --expected %t/i65536/expected.npy \
// RUN:   --atol 1e-4 --rtol 1e-4 | FileCheck %s
//
// RUN: %PYTHON -m longctx.mask_models %t/t4096 4096 --titans 64
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_where_finfo.onnx --dim seq=4096 | \
// RUN:   longctx-opt --longctx-raise-attention \
// RUN:     --longctx-attention-to-titans="theta=0.001" -o %t/titans4096.mlir
// RUN: longctx-run %t/titans4096.mlir --input %t/t4096/x.npy --expected %t/t4096/expected.npy | \
// RUN:   FileCheck %s
// RUN: %PYTHON -m longctx.mask_models %t/t65536 65536 --titans 64 --no-expected
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/masks_tril_eq0.onnx --dim seq=65536 | \
// RUN:   longctx-opt --longctx-raise-attention \
// RUN:     --longctx-attention-to-titans="theta=0.001" -o %t/titans65536.mlir
// RUN: longctx-run %t/titans65536.mlir --input %t/t65536/x.npy --output-dir %t/t65536/out | \
// RUN:   FileCheck %s --check-prefix=RAN
// RUN: %PYTHON -m longctx.mask_models %t/t65536 65536 --titans 64 \
// RUN:   --check %t/t65536/out/result0.npy | FileCheck %s --check-prefix=ROWS

// RAISED: bool_triu 1: 1x4x1{{$}}
// RAISED: bool_triu 64: 1x4x64 causal{{$}}
// RAISED: bool_triu 2048: 1x4x2048 causal{{$}}
// RAISED: bool_triu 2049: 1x4x2049 causal{{$}}
// RAISED: bool_triu 65536: 1x4x65536 causal{{$}}
// RAISED: bool_triu 1048576: 1x4x1048576 causal{{$}}
// RAISED: additive 1: 1x4x1{{$}}
// RAISED: additive 64: 1x4x64 causal{{$}}
// RAISED: additive 2048: 1x4x2048 causal{{$}}
// RAISED: additive 2049: 1x4x2049 causal{{$}}
// RAISED: additive 65536: 1x4x65536 causal{{$}}
// RAISED: additive 1048576: 1x4x1048576 causal{{$}}
// RAISED: tril_eq0 1: 1x4x1{{$}}
// RAISED: tril_eq0 64: 1x4x64 causal{{$}}
// RAISED: tril_eq0 2048: 1x4x2048 causal{{$}}
// RAISED: tril_eq0 2049: 1x4x2049 causal{{$}}
// RAISED: tril_eq0 65536: 1x4x65536 causal{{$}}
// RAISED: tril_eq0 1048576: 1x4x1048576 causal{{$}}
// RAISED: where_finfo 1: 1x4x1{{$}}
// RAISED: where_finfo 64: 1x4x64 causal{{$}}
// RAISED: where_finfo 2048: 1x4x2048 causal{{$}}
// RAISED: where_finfo 2049: 1x4x2049 causal{{$}}
// RAISED: where_finfo 65536: 1x4x65536 causal{{$}}
// RAISED: where_finfo 1048576: 1x4x1048576 causal{{$}}
// RAISED: window 1: 1x4x1{{$}}
// RAISED: window 64: 1x4x64 causal window(8){{$}}
// RAISED: window 2048: 1x4x2048 causal window(8){{$}}
// RAISED: window 2049: 1x4x2049 causal window(8){{$}}
// RAISED: window 65536: 1x4x65536 causal window(8){{$}}
// RAISED: window 1048576: 1x4x1048576 causal window(8){{$}}
// RAISED: pad_bool 1: 1x4x1 mask(tensor<1x1x1x1xi1>){{$}}
// RAISED: pad_bool 64: 1x4x64 mask(tensor<1x1x1x64xi1>) causal{{$}}
// RAISED: pad_bool 2048: 1x4x2048 mask(tensor<1x1x1x2048xi1>) causal{{$}}
// RAISED: pad_bool 2049: 1x4x2049 mask(tensor<1x1x1x2049xi1>) causal{{$}}
// RAISED: pad_bool 65536: 1x4x65536 mask(tensor<1x1x1x65536xi1>) causal{{$}}
// RAISED: pad_bool 1048576: 1x4x1048576 mask(tensor<1x1x1x1048576xi1>) causal{{$}}
// RAISED: pad_additive 1: 1x4x1 mask(tensor<1x1x1x1xf32>){{$}}
// RAISED: pad_additive 64: 1x4x64 mask(tensor<1x1x1x64xf32>) causal{{$}}
// RAISED: pad_additive 2048: 1x4x2048 mask(tensor<1x1x1x2048xf32>) causal{{$}}
// RAISED: pad_additive 2049: 1x4x2049 mask(tensor<1x1x1x2049xf32>) causal{{$}}
// RAISED: pad_additive 65536: 1x4x65536 mask(tensor<1x1x1x65536xf32>) causal{{$}}
// RAISED: pad_additive 1048576: 1x4x1048576 mask(tensor<1x1x1x1048576xf32>) causal{{$}}

// MATCH: bool_triu matches
// MATCH: additive matches
// MATCH: tril_eq0 matches
// MATCH: where_finfo matches

// PAD: pad_bool  matches
// PAD: pad_bool --linalg-fuse-elementwise-ops matches
// PAD: pad_additive  matches
// PAD: pad_additive --linalg-fuse-elementwise-ops matches

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

// BOUNDED: peak RSS {{[0-9]{1,3}\.[0-9]}} MiB

// RAN: ran @main
// ROWS: rows 0:256: {{.*}} PASS
// ROWS: rows 32640:32896: {{.*}} PASS
// ROWS: rows 65280:65536: {{.*}} PASS
