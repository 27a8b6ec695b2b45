//===- Import.cpp - A PyTorch state dict as an nnc checkpoint -------------===//
//
// `nnc import FILE --pytorch STATE -o CKPT`: the state dict's tensors (the
// names and layouts `nnc export --pytorch` writes, Layouts.h) mapped back to
// the model's parameters and buffers, written as a checkpoint without
// optimizer state ("optimizer_state": "none"; runtime/Checkpoint.h), which
// `./model train --resume CKPT` fine-tunes.
//
//===----------------------------------------------------------------------===//
#include "Layouts.h"

namespace nnc {

bool importPyTorch(const Program &prog, const std::string &path,
                   const std::string &out, Diagnostics &diags) {
  if (!prog.steps.empty()) {
    diags.error(prog.modelLoc,
                prog.modelName +
                    " trains several models in steps: importing the weights "
                    "of one of them is not supported yet");
    return false;
  }
  TensorFile in;
  if (!readTensorFile(path, in, diags))
    return false;
  std::vector<Layout> l = layouts(prog);
  TensorFile ck;
  ck.metadata = {{"format", "nnc"},
                 {"model", prog.modelName},
                 {"step", "0"},
                 {"epoch", "0"},
                 {"optimizer_state", "none"}};
  auto take = [&](const Param &p, Layout layout) {
    std::string name = torchName(prog, p.name);
    auto it = in.tensors.find(name);
    Tensor want; // the shape PyTorch keeps
    want.shape = p.shape;
    want.data.resize(want.size());
    want = convert(want, layout, /*toTorch=*/true);
    auto text = [](const std::vector<int64_t> &s) {
      std::string r = "[";
      for (size_t i = 0; i < s.size(); ++i)
        r += (i ? ", " : "") + std::to_string(s[i]);
      return r + "]";
    };
    if (it == in.tensors.end()) {
      diags.error(path + ": has no tensor '" + name + "' " + text(want.shape) +
                  " (model " + prog.modelName + "'s " + p.name + ")");
      return false;
    }
    if (it->second.shape != want.shape) {
      diags.error(path + ": tensor '" + name + "' has shape " +
                  text(it->second.shape) + ", PyTorch's layout of " + p.name +
                  " is " + text(want.shape));
      return false;
    }
    Tensor t = convert(it->second, layout, /*toTorch=*/false);
    t.dtype = "F32";
    ck.tensors[p.name] = std::move(t);
    in.tensors.erase(it);
    return true;
  };
  for (size_t i = 0; i < prog.params.size(); ++i)
    if (!take(prog.params[i], l[i]))
      return false;
  for (const Param &b : prog.buffers)
    if (!b.carried && !take(b, Layout::Same))
      return false;
  if (!in.tensors.empty()) {
    diags.error(path + ": tensor '" + in.tensors.begin()->first +
                "' is not a parameter or buffer of model " + prog.modelName);
    return false;
  }
  return writeTensorFile(out, ck, diags);
}

} // namespace nnc
