#!/usr/bin/python3
"""Reads an 8-bit RGB PNG (as runtime/Images.cpp writes them) with zlib alone and prints `<width> <height> rgb`,
then for a reconstruct grid (pairs side by side, 2x scale, 2-pixel frames): whether the first original and
its reconstruction differ and whether the reconstruction has any contrast. read_png is also
image_grid_check.py's and plot_check.py's reader."""
import struct
import sys
import zlib

import numpy as np


def read_png(path):
    """Width, height, uint8 [h, w, 3] and each row's filter type of an 8-bit RGB PNG (every chunk's CRC
    checked, all five filters undone, on plain Python ints: a chart of mostly Paeth-filtered rows reads
    about 5x faster so than with NumPy per pixel)."""
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
    rows, prev, filters = [], [0] * stride, []
    for y in range(h):
        f, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        filters.append(f)
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
    return w, h, np.array(rows, np.uint8).reshape(h, w, 3), filters


if __name__ == "__main__":
    w, h, img, _ = read_png(sys.argv[1])
    print(w, h, "rgb")
    orig = img[2:58, 2:58, 0].astype(float)
    recon = img[2:58, 60:116, 0].astype(float)
    print("pair-differ", int(abs(orig - recon).max() > 0), "recon-std-positive", int(recon.std() > 1))
