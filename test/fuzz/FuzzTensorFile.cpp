//===- FuzzTensorFile.cpp - libFuzzer: nnc export's and import's reader ---===//
//
// An input is a safetensors file, read by the compiler's reader
// (readTensorFile), checked against a one-layer model's parameters as a
// checkpoint (loadWeights) and imported as a PyTorch state dict
// (importPyTorch: transposes the dense weight). A diagnostic is fine; see
// FuzzCommon.h.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "nnc/Export.h"

#include <sstream>

namespace {

/// model Fuzz(x: f32[B, 3]) -> f32[B, 2] { return dense(x, 2) }
nnc::Program makeProgram() {
  using namespace nnc;
  Program p;
  p.modelName = "Fuzz";
  p.input = {ElemType::F32, {kBatch, 3}};
  p.params = {{"Fuzz.dense1.weight", {3, 2}, {}, {}},
              {"Fuzz.dense1.bias", {2}, {}, {}}};
  auto node = [&](OpKind op, std::vector<int> operands, TensorType t,
                  int index = -1) {
    Node n;
    n.op = op;
    n.operands = std::move(operands);
    n.type = std::move(t);
    n.index = index;
    p.forward.nodes.push_back(n);
  };
  node(OpKind::Input, {}, p.input, 0);
  node(OpKind::Param, {}, {ElemType::F32, {3, 2}}, 0);
  node(OpKind::MatMul, {0, 1}, {ElemType::F32, {kBatch, 2}});
  node(OpKind::Param, {}, {ElemType::F32, {2}}, 1);
  node(OpKind::Add, {2, 3}, {ElemType::F32, {kBatch, 2}});
  p.forward.results = {4};
  return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const nnc::Program prog = makeProgram();
  std::string path = nnc::fuzz::inputFile(data, size, ".safetensors");
  std::ostringstream messages;
  nnc::Diagnostics diags(messages);
  nnc::TensorFile weights;
  nnc::loadWeights(prog, path, "Fuzz", weights, diags);
  nnc::importPyTorch(prog, path, path + ".st", diags);
  return 0;
}
