//===- GraphEmitter.cpp - Program graphs to nn ops ------------------------===//
//
// See GraphEmitter.h: each Graph node becomes one nn op (or an
// arith.constant) located at the node's source position, a Region node an op
// whose body is its graph, emitted the same way.
//
//===----------------------------------------------------------------------===//
#include "GraphEmitter.h"
#include "nnc/Dialect/NN/NNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace nnc {

/// Emits `g`'s nodes into the current block. Returns the values of
/// g.results.
FailureOr<SmallVector<Value>> GraphEmitter::genGraph(const Graph &g,
                                                     const Leaves &leaves) {
  SmallVector<Value> values;
  for (auto [i, node] : llvm::enumerate(g.nodes)) {
    Location l = loc(node.loc);
    SmallVector<Value> operands;
    for (int o : node.operands) {
      if (o < 0 || o >= (int)i) {
        emitError(l) << "internal error: node " << i << " uses node " << o;
        return failure();
      }
      operands.push_back(values[o]);
    }
    FailureOr<Value> v = opRole(node.op) == OpRole::Region
                             ? genRegion(node, l, operands, leaves, values)
                             : genNode(node, l, operands, leaves);
    if (failed(v))
      return failure();
    values.push_back(*v);
  }
  SmallVector<Value> results;
  for (int r : g.results) {
    if (r < 0 || r >= (int)values.size()) {
      emitError(module->getLoc()) << "internal error: bad graph result " << r;
      return failure();
    }
    results.push_back(values[r]);
  }
  return results;
}

/// One node: a leaf is a function argument or a constant; any other node
/// is its nn op (`nn.<opName>`) with the node's operands and attributes, and
/// a loss is followed by nn.weighted_mean. Nothing here is specific to an
/// op: a new graph op needs no change in MLIRGen.
FailureOr<Value> GraphEmitter::genNode(const Node &node, Location l,
                                       ValueRange operands,
                                       const Leaves &leaves) {
  RankedTensorType type = tensorType(node.type);
  auto leaf = [&](ValueRange values, StringRef what) -> FailureOr<Value> {
    if (node.index < 0 || node.index >= (int)values.size())
      return fail(l, "no " + what + " " + Twine(node.index));
    return values[node.index];
  };
  switch (node.op) {
  case OpKind::Input:
    // Sema gives a model one Input per argument; the runtime feeds one.
    if (node.index < 0 || node.index < (int)leaves.inputs.size())
      return leaf(leaves.inputs, "graph input");
    emitError(l) << "a compiled model takes one input, x: this is input "
                 << node.index + 1 << " of the model (call a model of "
                 << "several inputs from a model of one)";
    return failure();
  case OpKind::Param:
    return leaf(leaves.params, "parameter");
  case OpKind::Buffer:
    return leaf(leaves.buffers, "buffer");
  case OpKind::Hyper:
    if (!leaves.hyper)
      return fail(l, "a hyper leaf outside a function's graph");
    return leaves.hyper;
  case OpKind::Outer:
    return leaf(leaves.outer, "enclosing node");
  case OpKind::Result: {
    // Operand 0 is a node of several results (a Region node, a split),
    // whose value is its op's first result.
    Operation *op =
        operands.size() == 1 ? operands[0].getDefiningOp() : nullptr;
    if (!op || node.index < 0 || node.index >= (int)op->getNumResults())
      return fail(l, "result " + Twine(node.index) +
                         " does not name a result of its operand's op");
    return op->getResult(node.index);
  }
  case OpKind::Const:
    return genConst(node, l, type);
  default:
    break;
  }
  std::string name = std::string("nn.") + opName(node.op);
  SmallVector<NamedAttribute> attrs;
  for (const NodeAttr &a : node.attrs)
    attrs.push_back(b.getNamedAttr(a.name, attr(a)));
  if (opRole(node.op) != OpRole::Loss) {
    SmallVector<Type> types = {type};
    if (!node.resultTypes.empty())
      types = llvm::map_to_vector(node.resultTypes, [&](const TensorType &t) {
        return Type(tensorType(t));
      });
    return create(name, l, types, operands, attrs);
  }
  // loss(a, t, w) = weighted_mean(per_sample(a, t) : [B], w) : tensor<f32>
  if (operands.size() != 3)
    return fail(l, name + " takes 3 operands (with the sample weights)");
  FailureOr<Value> perSample =
      create(name, l, f32Type({kBatch}), operands.take_front(2), attrs);
  if (failed(perSample))
    return failure();
  return create("nn.weighted_mean", l, type, {*perSample, operands[2]});
}

/// A Region node: its nn op (sequences, then carried operands:
/// operandSegmentSizes = [index, the rest]) with one block whose arguments
/// are the body's Input nodes, by index; the body's graph is emitted into
/// it (Outer leaves are `outer`, the enclosing graph's values so far) and
/// ends in nn.yield of its results. Verified as a whole, like every op.
FailureOr<Value> GraphEmitter::genRegion(const Node &node, Location l,
                                         ValueRange operands,
                                         const Leaves &leaves,
                                         ArrayRef<Value> outer) {
  std::string name = std::string("nn.") + opName(node.op);
  if (node.regions.size() != 1 || node.resultTypes.empty() || node.index < 0 ||
      node.index > (int)operands.size())
    return fail(l, "'" + name +
                       "' needs one body, result types and the "
                       "number of iterated operands");
  const Graph &body = node.regions[0];
  SmallVector<Type> argTypes;
  SmallVector<Location> argLocs;
  for (const Node &n : body.nodes) {
    if (n.op != OpKind::Input)
      continue;
    if (n.index < 0 || n.index >= (int)body.nodes.size())
      return fail(loc(n.loc), "body input " + Twine(n.index));
    if (n.index >= (int)argTypes.size()) {
      argTypes.resize(n.index + 1);
      argLocs.resize(n.index + 1, l);
    }
    argTypes[n.index] = tensorType(n.type);
    argLocs[n.index] = loc(n.loc);
  }
  if (llvm::is_contained(argTypes, Type()))
    return fail(l, "the body of '" + name + "' misses an input");
  OperationState state(l, name);
  state.addOperands(operands);
  for (const TensorType &t : node.resultTypes)
    state.addTypes(tensorType(t));
  for (const NodeAttr &a : node.attrs)
    state.addAttribute(a.name, attr(a));
  int32_t iterated = node.index;
  if (node.op == OpKind::Scan)
    state.addAttribute("operandSegmentSizes",
                       b.getDenseI32ArrayAttr(
                           {iterated, (int32_t)operands.size() - iterated}));
  state.addRegion();
  Operation *op = b.create(state);
  if (!op->isRegistered())
    return fail(l, "'" + name + "' is not an op of the nn dialect");
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&op->getRegion(0), {}, argTypes, argLocs);
    FailureOr<SmallVector<Value>> results =
        genGraph(body, {leaves.params, leaves.buffers, block->getArguments(),
                        outer, leaves.hyper});
    if (failed(results))
      return failure();
    OperationState yield(l, "nn.yield");
    yield.addOperands(*results);
    b.create(yield);
  }
  if (failed(verify(op)))
    return fail(l, "the frontend built an invalid '" + name + "'");
  return op->getResult(0);
}

Attribute GraphEmitter::attr(const NodeAttr &a) {
  switch (a.kind) {
  case NodeAttr::Float:
    return b.getF32FloatAttr(a.value);
  case NodeAttr::Int:
    return b.getI64IntegerAttr((int64_t)a.value);
  case NodeAttr::Ints:
    return b.getDenseI64ArrayAttr(a.ints);
  case NodeAttr::Unit:
    return b.getUnitAttr();
  }
  return {};
}

/// `arith.constant dense<values>`; a single value is splat.
FailureOr<Value> GraphEmitter::genConst(const Node &node, Location l,
                                        RankedTensorType type) {
  int64_t n = type.getNumElements();
  if ((int64_t)node.values.size() != n && node.values.size() != 1)
    return fail(l, "constant has " + Twine(node.values.size()) +
                       " values for " + Twine(n) + " elements");
  auto value = [&](int64_t i) {
    return node.values[node.values.size() == 1 ? 0 : i];
  };
  DenseElementsAttr attr;
  if (type.getElementType().isF32()) {
    SmallVector<float> v;
    for (int64_t i = 0; i < n; ++i)
      v.push_back(value(i));
    attr = DenseElementsAttr::get(type, ArrayRef<float>(v));
  } else {
    SmallVector<int32_t> v;
    for (int64_t i = 0; i < n; ++i)
      v.push_back((int32_t)value(i));
    attr = DenseElementsAttr::get(type, ArrayRef<int32_t>(v));
  }
  return b.create<arith::ConstantOp>(l, attr).getResult();
}

/// Malformed Programs are frontend bugs, reported at the node.
FailureOr<Value> GraphEmitter::fail(Location l, const Twine &msg) {
  emitError(l) << "internal error: " << msg;
  return failure();
}

/// Creates the nn op `name` generically (by name) and verifies it: a
/// malformed node (a missing or bad attribute, wrong operands) is a frontend
/// bug, reported at the node after the verifier's message.
FailureOr<Value> GraphEmitter::create(StringRef name, Location l,
                                      TypeRange types, ValueRange operands,
                                      ArrayRef<NamedAttribute> attrs) {
  OperationState state(l, name);
  state.addOperands(operands);
  state.addTypes(types);
  state.addAttributes(attrs);
  Operation *op = b.create(state);
  if (!op->isRegistered())
    return fail(l, "'" + name + "' is not an op of the nn dialect");
  if (failed(verify(op)))
    return fail(l, "the frontend built an invalid '" + name + "'");
  return op->getResult(0);
}

} // namespace nnc
