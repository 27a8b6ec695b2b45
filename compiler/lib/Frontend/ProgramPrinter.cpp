//===- ProgramPrinter.cpp - `nnc check --print-program` -------------------===//
//
// Prints the analysed Program, the frontend's contract with MLIRGen, as text:
// params and buffers in order with their initialisers, the graphs (forward,
// loss in train mode, eval_loss) node by node
// (`%i = op operands {attrs} : type @loc`; a Region node's operands are
// grouped `(iterated) (carried)`, its result types listed and its body printed
// below it, indented), and the train configuration. Tests pin node order,
// param names and the loss graph's results with it.
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

#include <algorithm>
#include <cstdio>

using namespace nnc;

static std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

static std::string dims(const std::vector<int64_t> &d) {
  return formatType({ElemType::F32, d}).substr(3);
}

static std::string where(const Loc &l) {
  return " @" + l.file + ":" + std::to_string(l.line) + ":" +
         std::to_string(l.col);
}

/// ` {name=value ...}`: floats as %.9g, lists as [a,b], a unit as its name.
static void printAttrs(const std::vector<NodeAttr> &attrs, std::ostream &os) {
  if (attrs.empty())
    return;
  os << " {";
  for (size_t k = 0; k < attrs.size(); ++k) {
    const NodeAttr &a = attrs[k];
    os << (k ? " " : "") << a.name;
    if (a.kind == NodeAttr::Unit)
      continue;
    os << "=";
    if (a.kind == NodeAttr::Float)
      os << num(a.value);
    else if (a.kind == NodeAttr::Int)
      os << (int64_t)a.value;
    else {
      os << "[";
      for (size_t i = 0; i < a.ints.size(); ++i)
        os << (i ? "," : "") << a.ints[i];
      os << "]";
    }
  }
  os << "}";
}

/// `%a, %b` (each operand in [begin, end)).
static void printOperands(const Node &n, size_t begin, size_t end,
                          std::ostream &os) {
  for (size_t k = begin; k < end; ++k)
    os << (k > begin ? ", %" : "%") << n.operands[k];
}

/// The graph's nodes, indented by `indent`; a Region node's body follows it,
/// one level deeper.
static void printNodes(const Graph &g, const std::string &indent,
                       std::ostream &os) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    os << indent << "%" << i << " = " << opName(n.op);
    OpRole role = opRole(n.op);
    if (role == OpRole::Leaf && n.op != OpKind::Const && n.op != OpKind::Hyper)
      os << " " << n.index;
    if (role == OpRole::Region) {
      size_t split = std::min<size_t>(std::max(n.index, 0), n.operands.size());
      os << " (";
      printOperands(n, 0, split, os);
      os << ") (";
      printOperands(n, split, n.operands.size(), os);
      os << ")";
    } else if (!n.operands.empty()) {
      os << " ";
      printOperands(n, 0, n.operands.size(), os);
    }
    printAttrs(n.attrs, os);
    if (n.op == OpKind::Const) {
      os << " [";
      for (size_t k = 0; k < n.values.size(); ++k)
        os << (k ? " " : "") << num(n.values[k]);
      os << "]";
    }
    os << " : ";
    if (role == OpRole::Region) {
      for (size_t k = 0; k < n.resultTypes.size(); ++k)
        os << (k ? ", " : "") << formatType(n.resultTypes[k]);
    } else {
      os << formatType(n.type);
    }
    os << where(n.loc) << "\n";
    for (const Graph &body : n.regions)
      printNodes(body, indent + "  ", os);
  }
  os << indent << "return";
  for (size_t k = 0; k < g.results.size(); ++k)
    os << (k ? ", %" : " %") << g.results[k];
  os << "\n";
}

static void printGraph(const char *name, const Graph &g, std::ostream &os) {
  os << name << ":\n";
  printNodes(g, "  ", os);
}

void nnc::printProgram(const Program &p, std::ostream &os) {
  os << "program " << p.modelName << " from " << p.sourceFile << "\n";
  os << "input " << formatType(p.input) << "\n";
  if (p.train.present)
    os << "target " << formatType(p.target) << "\n";
  for (size_t i = 0; i < p.params.size() + p.buffers.size(); ++i) {
    bool buffer = i >= p.params.size();
    const Param &q = buffer ? p.buffers[i - p.params.size()] : p.params[i];
    os << (buffer ? "buffer " : "param ") << (buffer ? i - p.params.size() : i)
       << " " << q.name << " " << dims(q.shape) << " ";
    switch (q.init.kind) {
    case Init::Zeros:
      os << "zeros";
      break;
    case Init::Const:
      os << "const " << num(q.init.a);
      break;
    case Init::Uniform:
      os << "uniform " << num(q.init.a) << " " << num(q.init.b);
      break;
    case Init::Normal:
      os << "normal " << num(q.init.a) << " " << num(q.init.b);
      break;
    case Init::Literal:
      os << "literal";
      for (float v : q.init.values)
        os << " " << num(v);
      break;
    }
    os << (q.carried ? " carried" : "") << where(q.loc) << "\n";
  }
  printGraph("forward", p.forward, os);
  if (!p.step.nodes.empty()) {
    os << "step input " << formatType(p.stepInput) << "\n";
    printGraph("step", p.step, os);
  }
  if (!p.train.present)
    return;
  printGraph("loss", p.loss, os);
  printGraph("eval_loss", p.evalLoss, os);
  const TrainConfig &t = p.train;
  os << "optimizer " << optimizerName(t.optimizer.kind)
     << " lr=" << num(t.optimizer.lr)
     << " momentum=" << num(t.optimizer.momentum)
     << " beta1=" << num(t.optimizer.beta1)
     << " beta2=" << num(t.optimizer.beta2) << " eps=" << num(t.optimizer.eps)
     << "\n";
  os << "lr_schedule " << lrScheduleName(t.lrSchedule.kind)
     << " min=" << num(t.lrSchedule.min) << " every=" << t.lrSchedule.every
     << " gamma=" << num(t.lrSchedule.gamma) << "\n";
  os << "train batch=" << t.batch << " epochs=" << t.epochs
     << " seed=" << t.seed << " classification=" << t.classification << "\n";
  if (t.truncate > 0)
    os << "truncate " << t.truncate << "\n";
  if (t.clipNorm > 0 || t.clipValue > 0)
    os << "clip norm=" << num(t.clipNorm) << " value=" << num(t.clipValue)
       << "\n";
  if (t.data.kind == Dataset::FashionMnist) {
    os << "data fashion_mnist " << t.data.dir << "\n";
    return;
  }
  if (t.data.kind == Dataset::Synthetic) {
    os << "data synthetic samples=" << t.data.samples
       << " classes=" << t.data.classes << " range=[" << num(t.data.lo) << ", "
       << num(t.data.hi) << "]\n";
    return;
  }
  if (t.data.kind == Dataset::Text) {
    os << "data text " << t.data.file << " test=" << num(t.data.testFraction)
       << "\n";
    return;
  }
  os << "data tensors x " << dims(t.data.xShape);
  for (float v : t.data.x)
    os << " " << num(v);
  os << " y " << dims(t.data.yShape);
  for (float v : t.data.y)
    os << " " << num(v);
  os << "\n";
}
