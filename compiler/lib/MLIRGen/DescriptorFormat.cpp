//===- DescriptorFormat.cpp - How the model descriptor spells values ------===//
#include "DescriptorFormat.h"

#include <cstdio>

namespace nnc {

std::string fmt(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string shapeStr(mlir::RankedTensorType t) {
  return t.getRank() == 0 ? "scalar" : dimsStr(t.getShape());
}

std::string dimsStr(llvm::ArrayRef<int64_t> dims) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(dims, os, ",");
  return s;
}

void printInit(llvm::raw_ostream &os, const Init &init) {
  os << "init ";
  switch (init.kind) {
  case Init::Zeros:
    os << "zeros";
    break;
  case Init::Const:
    os << "const " << fmt(init.a);
    break;
  case Init::Uniform:
    os << "uniform " << fmt(init.a) << " " << fmt(init.b);
    break;
  case Init::Normal:
    os << "normal " << fmt(init.a) << " " << fmt(init.b);
    break;
  case Init::Literal:
    os << "literal";
    for (float v : init.values)
      os << " " << fmt(v);
    break;
  }
  os << "\n";
}

} // namespace nnc
