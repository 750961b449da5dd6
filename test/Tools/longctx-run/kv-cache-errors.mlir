// A KV cache count must carry both attributes on a one-element i64 tensor;
// a negative count (a state file from elsewhere) is refused like a full
// cache.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not longctx-run %s -e capacity_only 2>&1 | FileCheck %s --check-prefix=ATTRS
// RUN: not longctx-run %s -e wrong_type 2>&1 | FileCheck %s --check-prefix=ATTRS
// RUN: %PYTHON -c "import numpy as np; np.save('%t/state0.npy', np.array([-3], np.int64))"
// RUN: not longctx-run %s -e counted --load-state %t 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// ATTRS: error: argument 0: a KV cache count needs longctx.kv_cache_capacity and longctx.kv_cache_tokens on a one-element i64 tensor
// NEGATIVE: error: argument 0: the KV cache is full: it holds -3 of 8 tokens and a call appends 2

func.func @capacity_only(%n: tensor<1xi64> {longctx.state = 0 : i64,
                                            longctx.kv_cache_capacity = 8 : i64})
    -> tensor<1xi64> {
  return %n : tensor<1xi64>
}

func.func @wrong_type(%n: tensor<2xi64> {longctx.state = 0 : i64,
                                         longctx.kv_cache_capacity = 8 : i64,
                                         longctx.kv_cache_tokens = 2 : i64})
    -> tensor<2xi64> {
  return %n : tensor<2xi64>
}

func.func @counted(%n: tensor<1xi64> {longctx.state = 0 : i64,
                                      longctx.kv_cache_capacity = 8 : i64,
                                      longctx.kv_cache_tokens = 2 : i64})
    -> tensor<1xi64> {
  return %n : tensor<1xi64>
}
