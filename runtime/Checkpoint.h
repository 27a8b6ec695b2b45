//===- Checkpoint.h - Save and load params + optimizer state ----*- C++ -*-===//
//
// Checkpoints are safetensors files (huggingface.co/docs/safetensors): an
// 8-byte little-endian header length N, N bytes of JSON (padded with spaces
// to a multiple of 8), then the raw little-endian tensor data. The header maps
// every param, state and buffer slot name to {"dtype": "F32"|"I32", "shape":
// [...], "data_offsets": [begin, end]} (offsets relative to the data section)
// and holds `__metadata__` {"format": "nnc", "model": name, "step": "t",
// "epoch": "e"} (string values, as the format requires) and, from `train
// --save`, where the run stands: "step_in_epoch" (steps done in epoch e + 1,
// 0 at an epoch's end), "epochs" (the run's last epoch), "seed", "batch"
// and the epoch's running sums ("loss_sum" and "train_seconds" as C99 hex
// floats, so they round-trip exactly; "samples", "correct", "labels"), so a
// resumed run prints the same epoch line and ends with the same bits. A run
// with --val also records "val" (the fraction, a hex float), and once an
// epoch has been validated "best_val_loss" (hex float) and "best_epoch".
// A checkpoint written by `nnc import` holds "optimizer_state": "none" and
// no optimizer state: loading it sets that state to zeros.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_CHECKPOINT_H
#define NNRT_CHECKPOINT_H

#include "Arena.h"
#include "Descriptor.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace nnrt {

struct CheckpointMeta {
  int64_t step = 0;  ///< optimizer steps taken (t of the last step)
  int64_t epoch = 0; ///< completed epochs
  /// Where a run of `train --save` stands (0 / false in other checkpoints).
  bool hasRun = false;
  int64_t stepInEpoch = 0; ///< steps done in epoch `epoch` (0-based)
  int64_t epochs = 0;      ///< the run's last epoch
  int64_t seed = 0, batch = 0;
  double lossSum = 0, trainSeconds = 0;
  int64_t samples = 0, correct = 0, labels = 0;
  /// train --val: the held-out fraction (0: none), the lowest validation
  /// loss so far and its epoch (0: none yet).
  double val = 0, bestVal = INFINITY;
  int64_t bestEpoch = 0;
};

/// Writes `path` atomically: path.tmp.<pid> in the same directory, fsync,
/// rename, fsync of the directory; the previous file stays whole until the
/// rename. Leftover path.tmp.<digits> files (of a killed save) are removed
/// first. On failure (a full disk, a file-size limit, an unwritable path) the
/// temporary file is removed and RunError("path: cannot save checkpoint:
/// ... (the previous checkpoint is intact)") thrown.
void saveCheckpoint(const std::string &path, const ModelDesc &d,
                    const Arena &arena, const CheckpointMeta &meta);

/// Checks the whole file against the model (header length, JSON, names,
/// dtypes, shapes, offsets, file size) before copying anything into the
/// arena. Throws Error("path: ...") on any mismatch.
CheckpointMeta loadCheckpoint(const std::string &path, const ModelDesc &d,
                              Arena &arena);

/// Checks before training that `path` can be saved: its directory exists and
/// a file can be created there (Error otherwise), so a typo does not cost a
/// run.
void checkSavePath(const std::string &path);

} // namespace nnrt

#endif // NNRT_CHECKPOINT_H
