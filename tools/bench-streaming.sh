#!/usr/bin/env bash
# Streaming benchmark: tokens/s and peak memory of a compiled streaming
# function at a short and a long stream, and their ratio (the long stream
# should be as fast per token, with the same peak memory).
#
# usage: tools/bench-streaming.sh MODULE.mlir ENTRY SHORT_TOKENS LONG_TOKENS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module=$1 entry=$2 short=$3 long=$4
run() {
  "$root/build/bin/longctx-run" "$module" -e "$entry" --stream-tokens "$1" --seed 1 |
    tee >(cat >&2) | awk '
      /tokens\/s \(/ { for (i = 1; i <= NF; ++i) if ($i == "tokens/s") rate = $(i - 1) }
      /^longctx-run: peak RSS/ { rss = $4 }
      END { print rate, rss }'
}
echo "== $short tokens" >&2
read -r short_rate short_rss < <(run "$short")
echo "== $long tokens" >&2
read -r long_rate long_rss < <(run "$long")
awk -v sr="$short_rate" -v lr="$long_rate" -v sm="$short_rss" -v lm="$long_rss" \
    -v s="$short" -v l="$long" 'BEGIN {
  printf "\nstreaming benchmark (%s)\n", ENVIRON["BENCH_NAME"] ? ENVIRON["BENCH_NAME"] : "longctx"
  printf "  %9d tokens: %9.0f tokens/s, peak RSS %7.1f MiB\n", s, sr, sm
  printf "  %9d tokens: %9.0f tokens/s, peak RSS %7.1f MiB\n", l, lr, lm
  printf "  tokens/s ratio long/short: %.3f (goal >= 0.85)\n", lr / sr
  printf "  peak RSS ratio long/short: %.3f (flat memory: 1.0)\n", lm / sm
}'
