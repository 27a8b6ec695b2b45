//===- Checkpoint.h - Save and load params + optimizer state ----*- C++ -*-===//
//
// Checkpoints are safetensors files (huggingface.co/docs/safetensors): an
// 8-byte little-endian header length N, N bytes of JSON (padded with spaces
// to a multiple of 8), then the raw little-endian tensor data. The header maps
// every param, state and buffer slot name to {"dtype": "F32"|"I32", "shape":
// [...], "data_offsets": [begin, end]} (offsets relative to the data section)
// and holds `__metadata__` {"format": "nnc", "model": name, "step": "t",
// "epoch": "e"} (string values, as the format requires).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_CHECKPOINT_H
#define NNRT_CHECKPOINT_H

#include "Arena.h"
#include "Descriptor.h"

#include <cstdint>
#include <string>

namespace nnrt {

struct CheckpointMeta {
  int64_t step = 0;  ///< optimizer steps taken (t of the last step)
  int64_t epoch = 0; ///< completed epochs
};

/// Writes `path` atomically: path.tmp.<pid>, fsync, rename. On failure the
/// temporary file is removed and Error("path: ...") thrown; `path` is then
/// untouched.
void saveCheckpoint(const std::string &path, const ModelDesc &d,
                    const Arena &arena, const CheckpointMeta &meta);

/// Checks the whole file against the model (header length, JSON, names,
/// dtypes, shapes, offsets, file size) before copying anything into the
/// arena. Throws Error("path: ...") on any mismatch.
CheckpointMeta loadCheckpoint(const std::string &path, const ModelDesc &d,
                              Arena &arena);

} // namespace nnrt

#endif // NNRT_CHECKPOINT_H
