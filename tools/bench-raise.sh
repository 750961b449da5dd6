#!/usr/bin/env bash
# What raising buys: the unfused causal attention of
# test/Examples/attention-vs-unfused.mlir (matmul -> scale + mask -> softmax
# -> matmul, N x N scores in memory) as written, against the same function
# after --longctx-raise-attention (one longctx.attention, flash-style), both
# compiled by longctx and run in one longctx-run process on the same inputs
# (--baseline), which also checks that their results agree. 4 heads, d = 64.
#
# usage: tools/bench-raise.sh [N ...]   (default: 4096)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/build/bench"
mkdir -p "$work"
lengths=("$@")
((${#lengths[@]})) || lengths=(4096)
printf "%-7s %12s %12s %10s\n" N "raised s" "unraised s" speed-up
for n in "${lengths[@]}"; do
  src="$work/raise-$n-unfused.mlir"
  sed -e "s/1024/$n/g" "$root/test/Examples/attention-vs-unfused.mlir" |
    sed -e '/^func.func @fused/,/^}/d' -e '/^\/\/ \(RUN\|CHECK\)/d' > "$src"
  # One module: @unfused as written and @raised, its raised copy.
  { cat "$src"
    sed -n '/^func.func @unfused/,/^}/p' "$src" | sed -e 's/@unfused/@raised/' |
      cat <(sed -n '/^#/p' "$src") - |
      "$root/build/bin/longctx-opt" --longctx-raise-attention |
      sed -n '/func.func @raised/,/^  }/p' | sed -e 's/^  //'
  } > "$work/raise-$n.mlir"
  grep -q "longctx.attention" "$work/raise-$n.mlir" || { echo "not raised" >&2; exit 1; }
  out=$("$root/build/bin/longctx-run" "$work/raise-$n.mlir" -e raised \
          --baseline unfused --repeat 3 --seed 1)
  grep -q "vs baseline: .*PASS" <<<"$out" || { echo "$out"; echo "results differ" >&2; exit 1; }
  raised=$(sed -n 's/.*ran @raised in \([0-9.]*\) s.*/\1/p' <<<"$out")
  unraised=$(sed -n 's/.*baseline @unfused in \([0-9.]*\) s.*/\1/p' <<<"$out")
  awk -v n="$n" -v r="$raised" -v u="$unraised" \
    'BEGIN { printf "%-7d %12.4f %12.4f %9.2fx\n", n, r, u, u / r }'
done
