//===- CheckNumerics.cpp - The train step's numerics checks ---------------===//
//
// See CheckNumerics.h. The checks are plain dataflow (a code threaded from
// one nn.check_finite to the next and returned), so they need no side
// effects and cannot reorder the step; the runtime reads the code from its
// `numerics` slot after the step and prints the table's line for it.
//
//===----------------------------------------------------------------------===//
#include "CheckNumerics.h"

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace nnc::grad {

namespace {

/// The first file:line:col in `loc` (a fused or call-site location: the
/// first one found).
FileLineColLoc fileLoc(Location loc) {
  FileLineColLoc found;
  loc->walk([&](Location l) {
    if (auto f = dyn_cast<FileLineColLoc>(l)) {
      found = f;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

std::string sourceLine(NumericsTable &table, StringRef file, unsigned line) {
  auto [it, inserted] = table.sources.try_emplace(file.str());
  if (inserted) {
    if (auto buf = llvm::MemoryBuffer::getFile(file)) {
      StringRef rest = (*buf)->getBuffer();
      while (!rest.empty()) {
        auto [l, r] = rest.split('\n');
        it->second.push_back(l.str());
        rest = r;
      }
    }
  }
  if (line == 0 || line > it->second.size())
    return "";
  std::string s = it->second[line - 1];
  for (char &c : s)
    if (c == '\t' || c == '\r')
      c = ' ';
  return s;
}

/// Which parameter an optimizer update writes (its first operand, an
/// argument of the step), or -1 for any other op.
int64_t updatedParam(Operation *op) {
  if (!isa<nn::SgdUpdateOp, nn::MomentumUpdateOp, nn::AdamUpdateOp>(op))
    return -1;
  auto arg = dyn_cast<BlockArgument>(op->getOperand(0));
  return arg ? arg.getArgNumber() : -1;
}

} // namespace

Value checkNumerics(func::FuncOp train, OpBuilder &b,
                    const llvm::DenseSet<Operation *> &forward,
                    NumericsTable &table) {
  Location loc = train.getLoc();
  auto codeType = RankedTensorType::get({}, b.getI32Type());
  SmallVector<Operation *> ops;
  for (Operation &op : train.getBody().front())
    ops.push_back(&op);
  Value code = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(codeType, b.getI32IntegerAttr(0)));
  for (Operation *op : ops) {
    if (isa<arith::ConstantOp>(op))
      continue;
    SmallVector<Value> checked;
    for (Value r : op->getResults()) {
      auto t = dyn_cast<RankedTensorType>(r.getType());
      if (t && t.getElementType().isF32())
        checked.push_back(r);
    }
    if (checked.empty())
      continue;
    int64_t param = updatedParam(op);
    const char *kind = param >= 0             ? "update"
                       : forward.contains(op) ? "forward"
                                              : "backward";
    int64_t id = table.next++;
    FileLineColLoc at = fileLoc(op->getLoc());
    llvm::raw_string_ostream os(table.text);
    os << kind << "\t" << op->getName().stripDialect() << "\t";
    if (param >= 0)
      os << param;
    else
      os << "-";
    if (at)
      os << "\t" << at.getFilename().getValue() << "\t" << at.getLine() << "\t"
         << at.getColumn() << "\t"
         << sourceLine(table, at.getFilename().getValue(), at.getLine());
    else
      os << "\t-\t0\t0\t";
    os << "\n";
    for (Value r : checked)
      code = b.create<nn::CheckFiniteOp>(op->getLoc(), r, code, id);
  }
  return code;
}

void emitNumericsTable(ModuleOp module, const NumericsTable &table) {
  if (table.next == 1)
    return;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  std::string text = table.text;
  text.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  b.create<LLVM::GlobalOp>(module.getLoc(), type, /*isConstant=*/true,
                           LLVM::Linkage::External, "nnc_numerics_ops",
                           b.getStringAttr(text));
}

} // namespace nnc::grad
