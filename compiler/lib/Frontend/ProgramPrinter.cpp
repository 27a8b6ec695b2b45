//===- ProgramPrinter.cpp - `nnc check --print-program` -------------------===//
//
// Prints the analysed Program, the frontend's contract with MLIRGen, as text:
// params and buffers in order with their initialisers, the graphs (forward,
// loss in train mode, eval_loss) node by node
// (`%i = op operands : type [attr] @loc`), and the train configuration. Tests
// pin node order, param names and the loss graph's results with it.
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

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

static const char *opName(OpKind op) {
  switch (op) {
  case OpKind::Input:
    return "input";
  case OpKind::Param:
    return "param";
  case OpKind::Const:
    return "const";
  case OpKind::MatMul:
    return "matmul";
  case OpKind::Add:
    return "add";
  case OpKind::Sub:
    return "sub";
  case OpKind::Mul:
    return "mul";
  case OpKind::Div:
    return "div";
  case OpKind::Neg:
    return "neg";
  case OpKind::Relu:
    return "relu";
  case OpKind::Sigmoid:
    return "sigmoid";
  case OpKind::Tanh:
    return "tanh";
  case OpKind::LeakyRelu:
    return "leaky_relu";
  case OpKind::Step:
    return "step";
  case OpKind::Softmax:
    return "softmax";
  case OpKind::CrossEntropy:
    return "cross_entropy";
  case OpKind::Mse:
    return "mse";
  case OpKind::Bce:
    return "bce";
  case OpKind::Buffer:
    return "buffer";
  case OpKind::Sqrt:
    return "sqrt";
  case OpKind::Conv2D:
    return "conv2d";
  case OpKind::MaxPool:
    return "max_pool";
  case OpKind::AvgPool:
    return "avg_pool";
  case OpKind::Reshape:
    return "reshape";
  case OpKind::Concat:
    return "concat";
  case OpKind::SumTo:
    return "sum_to";
  case OpKind::DropoutMask:
    return "dropout_mask";
  case OpKind::FlipLR:
    return "flip_lr";
  }
  return "?";
}

static void printGraph(const char *name, const Graph &g, std::ostream &os) {
  os << name << ":\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    os << "  %" << i << " = " << opName(n.op);
    if (n.op == OpKind::Input || n.op == OpKind::Param ||
        n.op == OpKind::Buffer)
      os << " " << n.index;
    for (size_t k = 0; k < n.operands.size(); ++k)
      os << (k ? ", %" : " %") << n.operands[k];
    if (n.op == OpKind::LeakyRelu || n.op == OpKind::Step)
      os << " {" << num(n.attr) << "}";
    const auto &w = n.ints;
    if (n.op == OpKind::Conv2D || n.op == OpKind::MaxPool ||
        n.op == OpKind::AvgPool)
      os << " {kernel=" << w[0] << "x" << w[1] << " stride=" << w[2] << "x"
         << w[3] << " dilation=" << w[4] << "x" << w[5] << " pad=" << w[6]
         << "," << w[7] << "," << w[8] << "," << w[9] << "}";
    if (n.op == OpKind::Concat)
      os << " {axis=" << w[0] << "}";
    if (n.op == OpKind::DropoutMask)
      os << " {p=" << num(n.attr) << " salt=" << w[0] << "}";
    if (n.op == OpKind::FlipLR)
      os << " {salt=" << w[0] << "}";
    if (n.op == OpKind::Const) {
      os << " [";
      for (size_t k = 0; k < n.values.size(); ++k)
        os << (k ? " " : "") << num(n.values[k]);
      os << "]";
    }
    os << " : " << formatType(n.type) << where(n.loc) << "\n";
  }
  os << "  return";
  for (size_t k = 0; k < g.results.size(); ++k)
    os << (k ? ", %" : " %") << g.results[k];
  os << "\n";
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
    os << where(q.loc) << "\n";
  }
  printGraph("forward", p.forward, os);
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
  if (t.data.kind == Dataset::FashionMnist) {
    os << "data fashion_mnist " << t.data.dir << "\n";
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
