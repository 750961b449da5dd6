"""Checks a `longctx-run --flops F --peak` report: the printed fraction of
peak is the entry's GFLOP/s over the printed peak (to the printed digits),
and the peak is positive."""
import re
import sys

text = open(sys.argv[1]).read()
gflops = float(re.search(r"longctx-run: ([0-9.]+) GFLOP/s\n", text).group(1))
peak, fraction = re.search(
    r"FMA peak \([^)]*\): ([0-9.]+) GFLOP/s; the entry reaches ([0-9.]+)%", text).groups()
peak, fraction = float(peak), float(fraction)
assert peak > 0, peak
expected = 100.0 * gflops / peak
# Both numbers are printed to 1 decimal.
tolerance = 0.1 + 100.0 * 0.05 / peak * (1 + gflops / peak)
assert abs(fraction - expected) <= tolerance, (fraction, expected)
print("consistent")
