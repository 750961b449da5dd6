#!/usr/bin/env python3
"""Writes the PTX embedded in the gpu.binary ops of an .mlir file.

Reads the output of `longctx-lower-to-nvvm{format=isa}` (or of
`gpu-module-to-binary{format=isa}`) and writes the `assembly = "..."` string
of each `#gpu.object` to OUT (the first) or OUT.1, OUT.2, ... (the others),
unescaped, so that `ptxas` can assemble it. Exits 1 when there is none.

    python3 tools/extract-ptx.py lowered.mlir -o kernel.ptx
"""
import argparse
import re
import sys


def unescape(text):
    """Undoes MLIR's string-attribute escaping (\\XX hex, \\\\, \\")."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "\\\"":
                out.append(ord(nxt))
                i += 2
                continue
            if re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 1:i + 3] or ""):
                out.append(int(text[i + 1:i + 3], 16))
                i += 3
                continue
            if nxt == "n":
                out.append(10)
                i += 2
                continue
            if nxt == "t":
                out.append(9)
                i += 2
                continue
        out.extend(c.encode("utf-8"))
        i += 1
    return bytes(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help=".mlir file ('-' for stdin)")
    parser.add_argument("-o", "--output", required=True, help="PTX file")
    args = parser.parse_args()
    text = sys.stdin.read() if args.input == "-" else open(args.input).read()
    blobs = re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', text)
    if not blobs:
        print(f"extract-ptx: no PTX assembly in '{args.input}' (was it "
              "lowered with format=isa?)", file=sys.stderr)
        return 1
    for i, blob in enumerate(blobs):
        path = args.output if i == 0 else f"{args.output}.{i}"
        with open(path, "wb") as f:
            f.write(unescape(blob))
    return 0


if __name__ == "__main__":
    sys.exit(main())
