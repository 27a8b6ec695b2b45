#!/usr/bin/python3
"""Checks a training-curve PNG of `train --plot` / `plot` (runtime/Plot.cpp): prints `<width> <height> rgb
<panels>` (560 pixels a panel), then per panel which series colours are drawn in it: `panel K: train test`,
a colour counting when at least MIN (default 100) pixels are within 24 of it in every channel (lines, dots
and the legend's sample). The colours are Plot.cpp's: train blue, test orange, val green."""
import struct
import sys
import zlib

import numpy as np

COLOURS = {"train": 0x1F77B4, "test": 0xFF7F0E, "val": 0x2CA02C}

def read_png(path):
    """Width, height and uint8 [h, w, 3] of an 8-bit RGB PNG: png_info.py's reader on plain Python ints
    (a chart is mostly Paeth-filtered rows; this is about 5x faster there). Every chunk's CRC is checked."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], "bad CRC"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color = ihdr[:4]
    assert depth == 8 and color == 2, f"expected 8-bit RGB, got depth {depth} color type {color}"
    raw, stride = zlib.decompress(idat), w * 3
    assert len(raw) == h * (stride + 1), "wrong amount of image data"
    rows, prev = [], [0] * stride
    for y in range(h):
        f, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        out = list(line)
        if f == 1:
            for x in range(3, stride):
                out[x] = (out[x] + out[x - 3]) & 255
        elif f == 2:
            out = [(a + b) & 255 for a, b in zip(line, prev)]
        elif f == 3:
            for x in range(stride):
                out[x] = (line[x] + ((out[x - 3] if x >= 3 else 0) + prev[x]) // 2) & 255
        elif f == 4:
            for x in range(stride):
                a = out[x - 3] if x >= 3 else 0
                b = prev[x]
                c = prev[x - 3] if x >= 3 else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                out[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            assert f == 0, f"bad filter {f}"
        rows.append(out)
        prev = out
    return w, h, np.array(rows, np.uint8).reshape(h, w, 3)


if __name__ == "__main__":
    w, h, img = read_png(sys.argv[1])
    least = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    panels = w // 560
    print(w, h, "rgb", panels)
    img = img.astype(np.int32)
    for k in range(panels):
        part = img[:, 560 * k:560 * (k + 1)]
        drawn = []
        for name, rgb in COLOURS.items():
            want = np.array([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255])
            n = int((np.abs(part - want) <= 24).all(axis=2).sum())
            if n >= least:
                drawn.append(name)
        print(f"panel {k}:", " ".join(drawn) or "-")
