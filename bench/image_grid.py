#!/usr/bin/python3
"""Writes a grid of images as an 8-bit RGB PNG with zlib alone (Debian's python3 here has neither PIL nor
matplotlib), laid out as the compiled binaries' `sample` command lays them out (runtime/Images.cpp): values
clamped to [lo, hi] and scaled to 0..255, each image drawn at twice its size, `cols` columns on a dark
(40, 40, 40) 2-pixel frame. Used by bench/gan_torch.py and bench/vae_torch.py (--out FILE.png)."""
import os
import struct
import zlib

import numpy as np

SCALE, GAP, FRAME = 2, 2, 40


def grid_pixels(images, cols, lo=0.0, hi=1.0):
    """images: array [n, h, w] (grey) or [n, h, w, 3] (RGB) -> uint8 [height, width, 3]."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=3)
    n, h, w, _ = images.shape
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    v = np.nan_to_num((images - lo) / (hi - lo), nan=0.0)
    v = (np.clip(v, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    v = v.repeat(SCALE, axis=1).repeat(SCALE, axis=2)  # [n, 2h, 2w, 3]
    hs, ws = h * SCALE, w * SCALE
    out = np.full((rows * (hs + GAP) + GAP, cols * (ws + GAP) + GAP, 3), FRAME, np.uint8)
    for k in range(n):
        y, x = GAP + (k // cols) * (hs + GAP), GAP + (k % cols) * (ws + GAP)
        out[y:y + hs, x:x + ws] = v[k]
    return out


def write_png(path, rgb):
    """rgb: uint8 [height, width, 3]. Written to a temporary name and renamed, so path is whole or untouched."""
    height, width, _ = rgb.shape

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))  # filter type 0 on every row
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_grid(path, images, cols, lo=0.0, hi=1.0):
    write_png(path, grid_pixels(images, cols, lo, hi))
