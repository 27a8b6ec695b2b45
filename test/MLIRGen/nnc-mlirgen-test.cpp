//===- nnc-mlirgen-test.cpp - MLIRGen of a hand-built CNN Program ---------===//
//
// Runs MLIRGen on a Program built here by hand (so it does not depend on the
// frontend) that uses every CNN node kind and two buffers: conv2d, sqrt,
// max/avg pool, concat, reshape, unbroadcast, dropout_mask,
// flip_lr, Buffer, a train-mode loss graph returning the new buffer values
// and an eval-mode loss graph. Prints each function's signature and, per op,
// `name (operand types) -> (result types) {sorted attributes}` (stable whether
// or not the nn dialect registers the op yet), then the descriptor.
// `nnc-mlirgen-test bad-axis` / `bad-window` / `no-eval-loss` break the
// Program to check MLIRGen's internal-error diagnostics. Used by
// test/MLIRGen/cnn.test.
//
//===----------------------------------------------------------------------===//
#include "nnc/MLIRGen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace nnc;

namespace {

TensorType f32(std::vector<int64_t> dims) { return {ElemType::F32, dims}; }

/// Appends a node; returns its index.
struct GraphBuilder {
  Graph g;
  int add(OpKind op, std::vector<int> operands, TensorType type,
          std::vector<NodeAttr> attrs = {}, int index = -1) {
    Node n;
    n.op = op;
    n.operands = std::move(operands);
    n.type = std::move(type);
    n.attrs = std::move(attrs);
    n.index = index;
    n.loc = {"cnn.nn", int(g.nodes.size()) + 2, 3};
    g.nodes.push_back(std::move(n));
    return int(g.nodes.size()) - 1;
  }
  int leaf(OpKind op, int index, TensorType type) {
    return add(op, {}, std::move(type), {}, index);
  }
  int scalar(float v) {
    int i = add(OpKind::Const, {}, f32({}));
    g.nodes[i].values = {v};
    return i;
  }
};

const int64_t B = kBatch;
const std::vector<NodeAttr> kConv = {NodeAttr::array("stride", {1, 1}),
                                     NodeAttr::array("dilation", {1, 1}),
                                     NodeAttr::array("padding", {1, 1, 1, 1})};
const std::vector<NodeAttr> kMaxPool = {
    NodeAttr::array("kernel", {2, 2}), NodeAttr::array("stride", {2, 2}),
    NodeAttr::array("padding", {0, 0, 0, 0})};
const std::vector<NodeAttr> kAvgPool = {
    NodeAttr::array("kernel", {3, 3}), NodeAttr::array("stride", {2, 2}),
    NodeAttr::array("padding", {1, 1, 1, 1})};

/// x [B,4,4,1] -> conv K [3,3,1,2] -> normalise by (mean, sqrt var) ->
/// concat(max_pool, avg_pool) [B,2,2,4] -> reshape [B,16] (-> dropout in train
/// mode) -> @ D [16,3]. `train`: flip x, batch mean instead of the buffer.
/// Returns {out, batch mean or -1}.
std::pair<int, int> body(GraphBuilder &gb, bool train, int hyper) {
  int x = gb.leaf(OpKind::Input, 0, f32({B, 4, 4, 1}));
  if (train)
    x = gb.add(OpKind::FlipLr, {x, hyper}, f32({B, 4, 4, 1}),
               {NodeAttr::i64("salt", 2)});
  int k = gb.leaf(OpKind::Param, 0, f32({3, 3, 1, 2}));
  int c = gb.add(OpKind::Conv2D, {x, k}, f32({B, 4, 4, 2}), kConv);
  int mean = -1, centred;
  if (train) {
    int sum = gb.add(OpKind::Unbroadcast, {c}, f32({2}));
    mean = gb.add(OpKind::Mul, {sum, gb.scalar(1.0f / 32)}, f32({2}));
    centred = gb.add(OpKind::Sub, {c, mean}, f32({B, 4, 4, 2}));
  } else {
    int r = gb.leaf(OpKind::Buffer, 0, f32({2}));
    centred = gb.add(OpKind::Sub, {c, r}, f32({B, 4, 4, 2}));
  }
  int var = gb.leaf(OpKind::Buffer, 1, f32({2}));
  int sd = gb.add(OpKind::Sqrt, {var}, f32({2}));
  int n = gb.add(OpKind::Div, {centred, sd}, f32({B, 4, 4, 2}));
  int mp = gb.add(OpKind::MaxPool, {n}, f32({B, 2, 2, 2}), kMaxPool);
  int ap = gb.add(OpKind::AvgPool, {n}, f32({B, 2, 2, 2}), kAvgPool);
  int cat = gb.add(OpKind::Concat, {mp, ap}, f32({B, 2, 2, 4}),
                   {NodeAttr::i64("axis", 3)});
  int flat = gb.add(OpKind::Reshape, {cat}, f32({B, 16}));
  if (train) {
    int mask = gb.add(OpKind::DropoutMask, {hyper}, f32({B, 16}),
                      {NodeAttr::f32("p", 0.25), NodeAttr::i64("salt", 1)});
    flat = gb.add(OpKind::Mul, {flat, mask}, f32({B, 16}));
  }
  int d = gb.leaf(OpKind::Param, 1, f32({16, 3}));
  return {gb.add(OpKind::MatMul, {flat, d}, f32({B, 3})), mean};
}

int loss(GraphBuilder &gb, int out) {
  int y = gb.leaf(OpKind::Input, 1, {ElemType::I32, {B}});
  int w = gb.leaf(OpKind::Input, 2, f32({B}));
  return gb.add(OpKind::CrossEntropy, {out, y, w}, f32({}));
}

Program cnnProgram() {
  Program p;
  p.sourceFile = "cnn.nn";
  p.modelName = "Cnn";
  p.modelLoc = {"cnn.nn", 1, 1};
  p.input = f32({B, 4, 4, 1});
  p.target = {ElemType::I32, {B}};
  Init uniform{Init::Uniform, -0.5, 0.5, {}};
  p.params = {{"Cnn.conv.weight", {3, 3, 1, 2}, uniform, {}},
              {"Cnn.dense.weight", {16, 3}, Init{}, {}}};
  p.buffers = {{"Cnn.bn.running_mean", {2}, Init{}, {}},
               {"Cnn.bn.running_var", {2}, Init{Init::Const, 1, 0, {}}, {}}};

  GraphBuilder fwd;
  fwd.g.results = {body(fwd, false, -1).first};
  p.forward = fwd.g;

  GraphBuilder tl;
  int hyper = tl.leaf(OpKind::Input, 3, f32({4}));
  auto [out, mean] = body(tl, true, hyper);
  int l = loss(tl, out);
  // running_mean' = 0.9 running_mean + 0.1 mean; running_var' = running_var.
  int r0 = tl.leaf(OpKind::Buffer, 0, f32({2}));
  int keep = tl.add(OpKind::Mul, {r0, tl.scalar(0.9f)}, f32({2}));
  int step = tl.add(OpKind::Mul, {mean, tl.scalar(0.1f)}, f32({2}));
  int r0n = tl.add(OpKind::Add, {keep, step}, f32({2}));
  int r1 = tl.leaf(OpKind::Buffer, 1, f32({2}));
  tl.g.results = {l, out, r0n, r1};
  p.loss = tl.g;

  GraphBuilder el;
  int eout = body(el, false, -1).first;
  el.g.results = {loss(el, eout), eout};
  p.evalLoss = el.g;

  p.train.present = true;
  p.train.batch = 2;
  p.train.seed = 3;
  p.train.classification = true;
  p.train.data.kind = Dataset::Tensors;
  p.train.data.xShape = {2, 4, 4, 1};
  p.train.data.x.assign(32, 0.5f);
  p.train.data.yShape = {2};
  p.train.data.y = {0, 2};
  return p;
}

void printTypes(llvm::raw_ostream &os, mlir::TypeRange types) {
  os << "(";
  llvm::interleaveComma(types, os);
  os << ")";
}

} // namespace

int main(int argc, char **argv) {
  Program prog = cnnProgram();
  if (argc > 1 && !std::strcmp(argv[1], "bad-axis"))
    for (Node &n : prog.forward.nodes)
      if (n.op == OpKind::Concat)
        n.attrs = {NodeAttr::i64("axis", -5)};
  if (argc > 1 && !std::strcmp(argv[1], "bad-window"))
    for (Node &n : prog.forward.nodes)
      if (n.op == OpKind::Conv2D)
        n.attrs.pop_back();
  if (argc > 1 && !std::strcmp(argv[1], "no-eval-loss"))
    prog.evalLoss = Graph();

  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module = mlirGen(ctx, prog, 2);
  if (!module)
    return 1;
  // Once the nn dialect has every op, the module must also verify.
  bool registered = true;
  module->walk([&](mlir::Operation *op) { registered &= op->isRegistered(); });
  if (registered && mlir::failed(mlir::verify(*module)))
    return 1;

  llvm::raw_ostream &os = llvm::outs();
  for (auto f : module->getOps<mlir::func::FuncOp>()) {
    os << "func @" << f.getSymName() << " " << f.getFunctionType() << "\n";
    f.walk([&](mlir::Operation *op) {
      if (op == f.getOperation())
        return;
      os << "  " << op->getName() << " ";
      printTypes(os, op->getOperandTypes());
      os << " -> ";
      printTypes(os, op->getResultTypes());
      os << " " << op->getAttrDictionary() << "\n";
    });
  }
  for (auto g : module->getOps<mlir::LLVM::GlobalOp>())
    os << "global @" << g.getSymName() << " " << g.getValueAttr() << "\n";
  return 0;
}
