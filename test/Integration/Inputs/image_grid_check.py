#!/usr/bin/python3
"""bench/image_grid.py on the pattern of test/Unit/ImagesTest.cpp's GreyGridPixels: three grey 2 x 3 images in 2
columns (values i / 17, with -0.5, 1.5 and NaN clamped), written and read back; prints the PNG's size and whether
every pixel is the one runtime/Images.cpp draws there (frame 40, each source pixel a 2 x 2 block)."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_grid import write_grid  # noqa: E402
from png_info import read_png  # noqa: E402

images = (np.arange(18, dtype=np.float32) / 17).reshape(3, 2, 3)
images.flat[1], images.flat[2], images.flat[3] = -0.5, 1.5, np.nan
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "g.png")
    write_grid(path, images, cols=2)
    w, h, img, filters = read_png(path)
assert all(f == 0 for f in filters), "a row with a filter other than 0"  # as image_grid.py writes them
print("size", w, h)
expected = np.full((14, 18), 40, np.int64)
for k in range(3):
    for y in range(4):
        for x in range(6):
            v = images[k, y // 2, x // 2]
            v = 0.0 if np.isnan(v) else min(1.0, max(0.0, float(v)))
            expected[2 + (k // 2) * 6 + y, 2 + (k % 2) * 8 + x] = int(v * 255 + 0.5)
ok = all((img[:, :, c].astype(np.int64) == expected).all() for c in range(3))
print("pixels", "ok" if ok else "differ")
