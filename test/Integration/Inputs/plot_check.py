#!/usr/bin/python3
"""Checks a training-curve PNG of `train --plot` / `plot` (runtime/Plot.cpp): prints `<width> <height> rgb
<panels>` (560 pixels a panel), then per panel which series colours are drawn in it: `panel K: train test`,
a colour counting when at least MIN (default 100) pixels are within 24 of it in every channel (lines, dots
and the legend's sample). The colours are Plot.cpp's: train blue, test orange, val green."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from png_info import read_png  # noqa: E402

COLOURS = {"train": 0x1F77B4, "test": 0xFF7F0E, "val": 0x2CA02C}

if __name__ == "__main__":
    w, h, img, _ = read_png(sys.argv[1])
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
