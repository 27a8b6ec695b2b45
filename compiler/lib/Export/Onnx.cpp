//===- Onnx.cpp - The inference graph as an ONNX model --------------------===//
//
// Walks Program::forward (eval mode: dropout and flips are gone, batch norm
// is arithmetic on its running statistics) and writes one ONNX node, or a
// few, per graph node; opset 17, IR version 8. Parameters and buffers become
// initializers under their nnc names, so an ONNX model's weights read like
// `./model params`. Layout: nnc images are NHWC and ONNX's Conv and pools
// take NCHW, so each conv or pool is wrapped in two Transposes (ONNX Runtime
// folds the pairs) and its HWCF weight is transposed to OIHW by a node.
// The batch is the symbolic dimension "B". A scan is an ONNX Scan whose
// first state is the step index t (docs/export.md).
//
//===----------------------------------------------------------------------===//
#include "ExportGraph.h"
#include "Protobuf.h"
#include "nnc/Export.h"

#include <fstream>
#include <set>

namespace nnc {
namespace {

// Field numbers of onnx/onnx.proto.
enum : int {
  kFloat = 1, // TensorProto.DataType
  kInt32 = 6,
  kInt64 = 7,
};

Message attrInt(const std::string &name, int64_t v) {
  return Message().str(1, name).i64(3, v).i64(20, 2);
}
Message attrInts(const std::string &name, const std::vector<int64_t> &vs) {
  Message a;
  a.str(1, name);
  for (int64_t v : vs)
    a.i64(8, v);
  return a.i64(20, 7);
}
Message attrFloat(const std::string &name, float v) {
  return Message().str(1, name).f32(2, v).i64(20, 1);
}
Message attrGraph(const std::string &name, const Message &g) {
  return Message().str(1, name).msg(6, g).i64(20, 5);
}
Message attrTensor(const std::string &name, const Message &t) {
  return Message().str(1, name).msg(5, t).i64(20, 4);
}

/// A TensorProto (raw little-endian data).
Message tensorProto(const std::string &name, int dtype,
                    const std::vector<int64_t> &dims, const std::string &raw) {
  Message t;
  for (int64_t d : dims)
    t.i64(1, d);
  t.i64(2, dtype);
  if (!name.empty())
    t.str(8, name);
  return t.str(9, raw);
}

template <typename T> std::string rawBytes(const std::vector<T> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(T));
}

/// A ValueInfoProto: name, element type, shape with "B" for the batch.
Message valueInfo(const std::string &name, const TensorType &t) {
  Message shape;
  for (int64_t d : t.dims)
    shape.msg(1, d == kBatch ? Message().str(2, "B") : Message().i64(1, d));
  Message tensor;
  tensor.i64(1, t.elem == ElemType::F32 ? kFloat : kInt32).msg(2, shape);
  return Message().str(1, name).msg(2, Message().msg(1, tensor));
}

/// nnc's padding [top, bottom, left, right] as ONNX pads [top, left, bottom,
/// right].
std::vector<int64_t> onnxPads(const Node &n) {
  std::vector<int64_t> p = padding(n);
  return {p[0], p[2], p[1], p[3]};
}

class Exporter {
public:
  Exporter(const Program &prog, const TensorFile &weights, Diagnostics &diags)
      : prog(prog), weights(weights), diags(diags) {}

  bool run(const std::string &out) {
    Scope top{top_, prog.forward, {}, nullptr};
    top_.msg(11, valueInfo("x", prog.input));
    if (!emit(top))
      return false;
    const Node &result = prog.forward.nodes[prog.forward.results[0]];
    node(top_, "Identity", {top.names[prog.forward.results[0]][0]}, {"y"});
    top_.msg(12, valueInfo("y", result.type));
    top_.str(2, prog.modelName);
    Message model;
    model.i64(1, 8).str(2, "nnc").str(3, "0.1");
    model.msg(8, Message().str(1, "").i64(2, 17));
    model.msg(7, top_);
    return writeFileAtomic(out, model.bytes(), diags);
  }

private:
  /// One graph being written: the top graph or a scan's body.
  struct Scope {
    Message &g;
    const Graph &graph;
    std::vector<std::vector<std::string>> names; ///< per node, per result
    Scope *outer;
  };

  const Program &prog;
  const TensorFile &weights;
  Diagnostics &diags;
  Message top_;
  int counter = 0;
  std::set<std::string> initialized;
  std::string batchDim; ///< [B] as an int64 tensor, once it is needed

  std::string fresh(const std::string &hint) {
    return hint + "_" + std::to_string(counter++);
  }

  void node(Message &g, const std::string &op,
            const std::vector<std::string> &ins,
            const std::vector<std::string> &outs,
            const std::vector<Message> &attrs = {}) {
    Message n;
    for (const std::string &i : ins)
      n.str(1, i);
    for (const std::string &o : outs)
      n.str(2, o);
    n.str(3, fresh(op)).str(4, op);
    for (const Message &a : attrs)
      n.msg(5, a);
    g.msg(1, n);
  }
  std::string node1(Message &g, const std::string &op,
                    const std::vector<std::string> &ins,
                    const std::vector<Message> &attrs = {}) {
    std::string out = fresh(op);
    node(g, op, ins, {out}, attrs);
    return out;
  }

  /// An initializer of the top graph (subgraphs see it by name).
  std::string constant(const std::string &hint, int dtype,
                       const std::vector<int64_t> &dims,
                       const std::string &raw) {
    std::string name = fresh(hint);
    top_.msg(5, tensorProto(name, dtype, dims, raw));
    return name;
  }
  std::string i64s(const std::vector<int64_t> &v) {
    return constant("ints", kInt64, {int64_t(v.size())}, rawBytes(v));
  }
  std::string f32(float v) {
    return constant("f", kFloat, {}, rawBytes(std::vector<float>{v}));
  }
  std::string weight(const std::string &name) {
    if (initialized.insert(name).second) {
      const Tensor &t = weights.tensors.at(name);
      top_.msg(5, tensorProto(name, kFloat, t.shape, rawBytes(t.data)));
    }
    return name;
  }

  /// The shape `dims` (kBatch: the input's batch) as an int64 tensor.
  std::string shapeOf(const std::vector<int64_t> &dims) {
    bool batch = false;
    for (int64_t d : dims)
      batch |= d == kBatch;
    if (!batch)
      return i64s(dims);
    if (batchDim.empty())
      batchDim =
          node1(top_, "Shape", {"x"}, {attrInt("start", 0), attrInt("end", 1)});
    std::vector<std::string> parts;
    for (int64_t d : dims)
      parts.push_back(d == kBatch ? batchDim : i64s({d}));
    return node1(top_, "Concat", parts, {attrInt("axis", 0)});
  }

  std::string transpose(Message &g, const std::string &x,
                        const std::vector<int64_t> &perm) {
    return node1(g, "Transpose", {x}, {attrInts("perm", perm)});
  }
  /// Swaps the last two dims of a rank-`rank` value.
  std::string swapLast(Message &g, const std::string &x, size_t rank) {
    std::vector<int64_t> perm;
    for (size_t i = 0; i < rank; ++i)
      perm.push_back(i);
    std::swap(perm[rank - 1], perm[rank - 2]);
    return transpose(g, x, perm);
  }

  bool unsupported(const Node &n, const std::string &why) {
    diags.error(n.loc, std::string("'") + opName(n.op) +
                           "' cannot be exported to ONNX: " + why);
    return false;
  }

  bool emit(Scope &s) {
    s.names.resize(s.graph.nodes.size());
    for (size_t i = 0; i < s.graph.nodes.size(); ++i)
      if (!emitNode(s, s.graph.nodes[i], s.names[i]))
        return false;
    return true;
  }

  bool emitNode(Scope &s, const Node &n, std::vector<std::string> &out) {
    Message &g = s.g;
    auto in = [&](size_t k) -> const std::string & {
      return s.names[n.operands[k]][0];
    };
    auto type = [&](size_t k) -> const TensorType & {
      return s.graph.nodes[n.operands[k]].type;
    };
    auto one = [&](const std::string &op, std::vector<Message> attrs = {}) {
      std::vector<std::string> ins;
      for (size_t k = 0; k < n.operands.size(); ++k)
        ins.push_back(in(k));
      out = {node1(g, op, ins, attrs)};
      return true;
    };
    switch (n.op) {
    case OpKind::Input:
      return !s.outer ? (out = {"x"}, true) : true; // bodies: set by the scan
    case OpKind::Hyper:
      out = {""}; // only random ops read it; they are refused below
      return true;
    case OpKind::Param:
      out = {weight(prog.params[n.index].name)};
      return true;
    case OpKind::Buffer: {
      const Param &b = prog.buffers[n.index];
      if (!b.carried) {
        out = {weight(b.name)};
        return true;
      }
      // A stateful layer's carried state starts at zeros in every call.
      out = {node1(g, "ConstantOfShape", {shapeOf(b.shape)})};
      return true;
    }
    case OpKind::Const: {
      bool batch = false;
      int64_t count = 1;
      for (int64_t d : n.type.dims) {
        batch |= d == kBatch;
        count *= d == kBatch ? 1 : d;
      }
      if (n.type.elem != ElemType::F32)
        return unsupported(n, "integer constants are not supported yet");
      if (!batch && int64_t(n.values.size()) == count) {
        out = {constant("const", kFloat, n.type.dims, rawBytes(n.values))};
        return true;
      }
      if (n.values.size() != 1)
        return unsupported(n, "a constant of the batch's size");
      Message value = tensorProto("", kFloat, {1},
                                  rawBytes(std::vector<float>{n.values[0]}));
      out = {node1(g, "ConstantOfShape", {shapeOf(n.type.dims)},
                   {attrTensor("value", value)})};
      return true;
    }
    case OpKind::Outer:
      out = s.outer->names[n.index];
      return true;
    case OpKind::Result:
      out = {s.names[n.operands[0]][n.index]};
      return true;
    case OpKind::MatMul:
    case OpKind::BatchMatMul: {
      std::string a = in(0), b = in(1);
      if (attr(n, "transpose_a"))
        a = swapLast(g, a, type(0).dims.size());
      if (attr(n, "transpose_b"))
        b = swapLast(g, b, type(1).dims.size());
      out = {node1(g, "MatMul", {a, b})};
      return true;
    }
    case OpKind::Add:
      return one("Add");
    case OpKind::Sub:
      return one("Sub");
    case OpKind::Mul:
      return one("Mul");
    case OpKind::Div:
      return one("Div");
    case OpKind::Neg:
      return one("Neg");
    case OpKind::Relu:
      return one("Relu");
    case OpKind::Sigmoid:
      return one("Sigmoid");
    case OpKind::Tanh:
      return one("Tanh");
    case OpKind::Sqrt:
      return one("Sqrt");
    case OpKind::Exp:
      return one("Exp");
    case OpKind::Log:
      return one("Log");
    case OpKind::Abs:
      return one("Abs");
    case OpKind::Softplus:
      return one("Softplus");
    case OpKind::Softmax:
      return one("Softmax", {attrInt("axis", -1)});
    case OpKind::LeakyRelu:
      return one("LeakyRelu", {attrFloat("alpha", num(n, "alpha"))});
    case OpKind::Step: {
      // y = x > threshold ? 1 : 0
      std::string gt = node1(g, "Greater", {in(0), f32(num(n, "threshold"))});
      out = {node1(g, "Cast", {gt}, {attrInt("to", kFloat)})};
      return true;
    }
    case OpKind::Conv2D: {
      std::string x = transpose(g, in(0), {0, 3, 1, 2});
      std::string w = transpose(g, in(1), {3, 2, 0, 1}); // HWCF -> FCHW
      const std::vector<int64_t> &k = type(1).dims;
      std::string y = node1(g, "Conv", {x, w},
                            {attrInts("kernel_shape", {k[0], k[1]}),
                             attrInts("strides", ints(n, "stride")),
                             attrInts("dilations", ints(n, "dilation")),
                             attrInts("pads", onnxPads(n))});
      out = {transpose(g, y, {0, 2, 3, 1})};
      return true;
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool: {
      std::string x = transpose(g, in(0), {0, 3, 1, 2});
      std::vector<Message> attrs = {attrInts("kernel_shape", ints(n, "kernel")),
                                    attrInts("strides", ints(n, "stride")),
                                    attrInts("pads", onnxPads(n))};
      // nnc's average pool counts padding as zeros; the max ignores it.
      if (n.op == OpKind::AvgPool)
        attrs.push_back(attrInt("count_include_pad", 1));
      std::string y = node1(
          g, n.op == OpKind::MaxPool ? "MaxPool" : "AveragePool", {x}, attrs);
      out = {transpose(g, y, {0, 2, 3, 1})};
      return true;
    }
    case OpKind::Reshape: {
      std::vector<int64_t> dims = n.type.dims;
      int batch = 0;
      for (int64_t &d : dims)
        if (d == kBatch)
          ++batch, d = -1;
      if (batch > 1)
        return unsupported(n, "a shape with the batch twice");
      out = {node1(g, "Reshape", {in(0), i64s(dims)})};
      return true;
    }
    case OpKind::Concat:
      return one("Concat", {attrInt("axis", num(n, "axis"))});
    case OpKind::Permute:
      return one("Transpose", {attrInts("perm", ints(n, "perm"))});
    case OpKind::Split: {
      int64_t axis = num(n, "axis");
      std::vector<int64_t> sizes;
      for (const TensorType &t : n.resultTypes)
        sizes.push_back(t.dims[axis]);
      for (size_t k = 0; k < sizes.size(); ++k)
        out.push_back(fresh("split"));
      node(g, "Split", {in(0), i64s(sizes)}, out, {attrInt("axis", axis)});
      return true;
    }
    case OpKind::Unbroadcast: {
      // Sum over the dims that broadcasting n.type to x's shape adds or
      // stretches, then drop the added ones.
      std::vector<int64_t> axes = unbroadcastAxes(type(0).dims, n.type.dims);
      std::string sum = axes.empty()
                            ? in(0)
                            : node1(g, "ReduceSum", {in(0), i64s(axes)},
                                    {attrInt("keepdims", 1)});
      std::vector<int64_t> dims = n.type.dims;
      for (int64_t &d : dims)
        d = d == kBatch ? -1 : d;
      out = {node1(g, "Reshape", {sum, i64s(dims)})};
      return true;
    }
    case OpKind::Embedding:
      out = {node1(g, "Gather", {in(0), in(1)}, {attrInt("axis", 0)})};
      return true;
    case OpKind::Scan:
      return emitScan(s, n, out);
    default: // random ops are refused before (checkExportable)
      return unsupported(n, "it has no ONNX form in nnc yet");
    }
  }

  /// nn.scan as ONNX Scan: states (t, the carried values...), scan inputs
  /// (the sequences, along axis 1); body outputs (t +- 1, new states...,
  /// step outputs...), stacked along axis 1 in the same direction.
  bool emitScan(Scope &s, const Node &n, std::vector<std::string> &out) {
    const Graph &body = n.regions[0];
    const ScanParts parts = scanParts(n);
    const size_t numSeq = parts.seqs, numStates = parts.states;
    const size_t numEmit = parts.outputs;
    const int64_t length = parts.length;
    const bool reverse = parts.reverse;
    if (numSeq == 0)
      return unsupported(n, "a scan over no sequence is not supported yet");
    for (size_t k = 0; k < numSeq; ++k)
      if (s.graph.nodes[n.operands[k]].type.dims[1] != length)
        return unsupported(n, "a scan shorter than its sequences");

    Message g;
    Scope inner{g, body, {}, &s};
    inner.names.resize(body.nodes.size());
    std::vector<std::string> inputNames(1 + numSeq + numStates);
    for (std::string &name : inputNames)
      name = fresh("arg");
    auto typeOf = [&](size_t input) -> TensorType {
      for (const Node &b : body.nodes)
        if (b.op == OpKind::Input && size_t(b.index) == input)
          return b.type;
      TensorType t; // an unused argument: its operand's type per step
      if (input == 0)
        return t;
      const TensorType &op = s.graph.nodes[n.operands[input - 1]].type;
      t = op;
      if (input <= numSeq)
        t.dims.erase(t.dims.begin() + 1);
      return t;
    };
    // ONNX order: states first (t, then nnc's states), then the slices.
    g.msg(11, valueInfo(inputNames[0], typeOf(0)));
    for (size_t k = 0; k < numStates; ++k)
      g.msg(11, valueInfo(inputNames[1 + numSeq + k], typeOf(1 + numSeq + k)));
    for (size_t k = 0; k < numSeq; ++k)
      g.msg(11, valueInfo(inputNames[1 + k], typeOf(1 + k)));
    for (size_t i = 0; i < body.nodes.size(); ++i)
      if (body.nodes[i].op == OpKind::Input)
        inner.names[i] = {inputNames[body.nodes[i].index]};
    if (!emit(inner))
      return false;

    // Body outputs: t +- 1, the new states, the step's outputs.
    std::vector<std::string> results;
    std::string tNext = fresh("t");
    node(g, reverse ? "Sub" : "Add", {inputNames[0], f32(1)}, {tNext});
    results.push_back(tNext);
    g.msg(12, valueInfo(tNext, TensorType{}));
    auto result = [&](size_t k) {
      const Node &r = body.nodes[body.results[k]];
      std::string name = fresh("out");
      node(g, "Identity", {inner.names[body.results[k]][0]}, {name});
      g.msg(12, valueInfo(name, r.type));
      results.push_back(name);
    };
    for (size_t k = 0; k < numStates; ++k)
      result(numEmit + k);
    for (size_t k = 0; k < numEmit; ++k)
      result(k);
    g.str(2, fresh("scan_body"));

    std::vector<std::string> ins = {f32(reverse ? float(length - 1) : 0.0f)};
    for (size_t k = 0; k < numStates; ++k)
      ins.push_back(s.names[n.operands[numSeq + k]][0]);
    for (size_t k = 0; k < numSeq; ++k)
      ins.push_back(s.names[n.operands[k]][0]);
    std::vector<std::string> outs = {fresh("t_final")}, states, emits;
    for (size_t k = 0; k < numStates; ++k)
      states.push_back(fresh("state"));
    for (size_t k = 0; k < numEmit; ++k)
      emits.push_back(fresh("seq"));
    outs.insert(outs.end(), states.begin(), states.end());
    outs.insert(outs.end(), emits.begin(), emits.end());
    node(s.g, "Scan", ins, outs,
         {attrGraph("body", g), attrInt("num_scan_inputs", numSeq),
          attrInts("scan_input_axes", std::vector<int64_t>(numSeq, 1)),
          attrInts("scan_input_directions",
                   std::vector<int64_t>(numSeq, reverse)),
          attrInts("scan_output_axes", std::vector<int64_t>(numEmit, 1)),
          attrInts("scan_output_directions",
                   std::vector<int64_t>(numEmit, reverse))});
    out = emits;
    out.insert(out.end(), states.begin(), states.end());
    return true;
  }
};

} // namespace

bool exportOnnx(const Program &prog, const TensorFile &weights,
                const std::string &out, Diagnostics &diags) {
  return checkExportable(prog, "ONNX", diags) &&
         Exporter(prog, weights, diags).run(out);
}

} // namespace nnc
