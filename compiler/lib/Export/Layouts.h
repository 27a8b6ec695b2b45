//===- Layouts.h - nnc's tensor layouts against PyTorch's -------*- C++ -*-===//
//
// Which parameters PyTorch keeps in another layout (a dense weight [out, in],
// a convolution's OIHW), found from how the forward graph uses them, the
// conversions both ways and the state-dict names; shared by `nnc export
// --pytorch` (PyTorch.cpp) and `nnc import` (Import.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_EXPORT_LAYOUTS_H
#define NNC_EXPORT_LAYOUTS_H

#include "nnc/Export.h"

#include <string>
#include <vector>

namespace nnc {

/// How a parameter's PyTorch layout differs from nnc's.
enum class Layout {
  Same,
  Transposed, ///< a matmul's right operand [in, out]: PyTorch [out, in]
  Conv,       ///< HWCF: PyTorch OIHW
};

/// Every parameter's layout, from its uses in prog.forward (scan bodies too).
std::vector<Layout> layouts(const Program &prog);

/// `t` in the other layout: nnc's to PyTorch's (`toTorch`) or back.
Tensor convert(const Tensor &t, Layout layout, bool toTorch);

/// "MLP.dense1.weight" -> "dense1.weight" (the trained model's own prefix).
std::string torchName(const Program &prog, const std::string &name);

} // namespace nnc

#endif // NNC_EXPORT_LAYOUTS_H
