//===- Export.h - A trained model out of nnc, and weights into it -*- C++
//-*-===//
//
// `nnc export FILE.nn --load CKPT -o model.onnx` writes the model's inference
// graph (Program::forward: eval mode) with the checkpoint's weights as an ONNX
// model; `--pytorch -o DIR` writes DIR/model.py (an nn.Module computing the
// same graph) and DIR/model.safetensors (the weights in PyTorch's names and
// layouts). `nnc import FILE.nn --pytorch STATE -o CKPT` is the way back: a
// PyTorch state dict (safetensors) into an nnc checkpoint, for fine-tuning.
// docs/export.md describes the mappings.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_EXPORT_H
#define NNC_EXPORT_H

#include "nnc/Diagnostics.h"
#include "nnc/Program.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nnc {

/// One tensor of a safetensors file: F32 or I32 (as `bits`, little-endian).
struct Tensor {
  std::string dtype = "F32"; ///< "F32" or "I32"
  std::vector<int64_t> shape;
  std::vector<float> data; ///< F32 values (I32 tensors: converted)
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

struct TensorFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// The axes of x (shape `from`) that nn.unbroadcast sums to reach `to`:
/// the leading ones broadcasting adds and those it stretches from 1.
std::vector<int64_t> unbroadcastAxes(const std::vector<int64_t> &from,
                                     const std::vector<int64_t> &to);

/// Reads a safetensors file; on any defect (short file, bad JSON, offsets out
/// of range, a size that does not match the shape, a dtype other than
/// F32/I32) reports `path: ...` through `diags` and returns false.
bool readTensorFile(const std::string &path, TensorFile &out,
                    Diagnostics &diags);
/// Writes `bytes` to `path` atomically: path.tmp.<pid>, fsync, rename (a
/// failure leaves what was at `path` as it was).
bool writeFileAtomic(const std::string &path, const std::string &bytes,
                     Diagnostics &diags);

/// Whether `a` and `b` name the same file (existing or not).
bool sameFile(const std::string &a, const std::string &b);

/// Writes a safetensors file (F32 and I32 tensors, in name order),
/// atomically.
bool writeTensorFile(const std::string &path, const TensorFile &file,
                     Diagnostics &diags);

/// The checkpoint's tensors for prog's params and (non-carried) buffers,
/// checked against their shapes; reports a missing or misshapen one, or a
/// checkpoint of another run than `run`'s (the trained model's name).
bool loadWeights(const Program &prog, const std::string &path,
                 const std::string &run, TensorFile &weights,
                 Diagnostics &diags);

/// Writes prog's inference graph with `weights` as an ONNX model (opset 17).
/// An op that has no ONNX form is an error at its source location.
bool exportOnnx(const Program &prog, const TensorFile &weights,
                const std::string &out, Diagnostics &diags);

/// Writes DIR/model.py and DIR/model.safetensors (PyTorch names/layouts).
bool exportPyTorch(const Program &prog, const TensorFile &weights,
                   const std::string &dir, Diagnostics &diags);

/// Reads a PyTorch state dict (safetensors, the names and layouts
/// exportPyTorch writes) and writes an nnc checkpoint of prog's params and
/// buffers (optimizer state: none; training starts it afresh).
bool importPyTorch(const Program &prog, const std::string &state,
                   const std::string &out, Diagnostics &diags);

} // namespace nnc

#endif // NNC_EXPORT_H
