"""Minimal safetensors reader and writer (F32/I32 only) for nnc's checkpoints, without the safetensors package.

File layout (https://huggingface.co/docs/safetensors): u64 little-endian N, then N bytes of JSON header
{"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
(padded with spaces to a multiple of 8), then the tensor bytes, row-major little-endian, offsets relative to
the end of the header. nnc writes parameters under their qualified names (`MLP.dense1.weight`, input-major
[in, out]), optimizer state as `<param>.m` / `<param>.v`, and metadata {"format": "nnc", "model": <name>, "step": <n>, "epoch": <n>} (runtime/Checkpoint.cpp).
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4")}


def write(path, tensors, metadata=None):
    """tensors: list of (name, numpy array) in file order; arrays are stored as F32 (floats) or I32 (ints)."""
    header = {"__metadata__": dict(metadata or {"format": "nnc"})}
    blobs, offset = [], 0
    for name, arr in tensors:
        arr = np.asarray(arr)
        dtype = "I32" if np.issubdtype(arr.dtype, np.integer) else "F32"
        blob = np.ascontiguousarray(arr, dtype=_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read(path):
    """Returns (dict name -> numpy array, metadata dict). Raises ValueError on a malformed file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file ({len(raw)} bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode())
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * dtype.itemsize or end > len(data):
            raise ValueError(f"{path}: tensor {name}: data_offsets {begin}..{end} do not fit shape {info['shape']}")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
    return tensors, metadata
