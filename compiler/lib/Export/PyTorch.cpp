//===- PyTorch.cpp - A trained model as a PyTorch nn.Module ---------------===//
//
// `nnc export --pytorch -o DIR` writes DIR/model.py, an nn.Module whose
// forward is Program::forward spelled in torch (one statement per node, a
// Python loop per scan), and DIR/model.safetensors, its state dict: names
// without the model's prefix ("dense1.weight"), dense weights [out, in] and
// convolution weights OIHW as PyTorch keeps them; recurrent weights already
// are PyTorch's (gate order i, f, g, o for LSTMs; r, z, n for GRUs).
// `nnc import --pytorch` maps such a state dict back (Import.cpp,
// docs/export.md).
//
//===----------------------------------------------------------------------===//
#include "ExportGraph.h"
#include "Layouts.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace nnc {
namespace {

std::string pyFloat(double v) {
  if (std::isinf(v))
    return v > 0 ? "float('inf')" : "float('-inf')";
  std::ostringstream os;
  os.precision(9);
  os << v;
  std::string s = os.str();
  if (s.find_first_of(".e") == std::string::npos &&
      s.find("nan") == std::string::npos)
    s += ".0";
  return s;
}

std::string tuple(const std::vector<int64_t> &v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

class PyWriter {
public:
  PyWriter(const Program &prog, Diagnostics &diags)
      : prog(prog), diags(diags), layout(layouts(prog)) {}

  bool forward(std::ostream &os) {
    std::vector<std::vector<std::string>> names;
    if (!emit(prog.forward, names, nullptr, 2))
      return false;
    os << body.str() << "        return " << names[prog.forward.results[0]][0]
       << "\n";
    return true;
  }

private:
  const Program &prog;
  Diagnostics &diags;
  std::vector<Layout> layout;
  std::ostringstream body;
  int counter = 0;

  std::string fresh() { return "v" + std::to_string(counter++); }
  std::ostream &line(int depth) { return body << std::string(4 * depth, ' '); }

  /// A shape for torch: the batch as x.shape[0].
  std::string shape(const std::vector<int64_t> &dims) {
    std::string s = "(";
    for (size_t i = 0; i < dims.size(); ++i)
      s += (i ? ", " : "") + (dims[i] == kBatch ? std::string("x.shape[0]")
                                                : std::to_string(dims[i]));
    return s + (dims.size() == 1 ? ",)" : ")");
  }

  /// x NHWC as NCHW, padded by nnc's [top, bottom, left, right] if any.
  static std::string nchw(const std::string &x, const std::vector<int64_t> &p,
                          const std::string &value) {
    std::string r = x + ".permute(0, 3, 1, 2)";
    if (p[0] || p[1] || p[2] || p[3])
      r = "F.pad(" + r + ", " + tuple({p[2], p[3], p[0], p[1]}) + value + ")";
    return r;
  }

  bool unsupported(const Node &n, const std::string &why) {
    diags.error(n.loc, std::string("'") + opName(n.op) +
                           "' cannot be exported to PyTorch: " + why);
    return false;
  }

  bool emit(const Graph &g, std::vector<std::vector<std::string>> &names,
            const std::vector<std::vector<std::string>> *outer, int depth) {
    names.resize(g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node &n = g.nodes[i];
      auto in = [&](size_t k) { return names[n.operands[k]][0]; };
      std::string e; // the expression of v, for one-result ops
      auto list = [&](const char *a) { return tuple(ints(n, a)); };
      switch (n.op) {
      case OpKind::Input:
        if (!outer)
          names[i] = {"x"};
        continue; // bodies: named by the scan
      case OpKind::Hyper:
        names[i] = {"None"};
        continue;
      case OpKind::Outer:
        names[i] = (*outer)[n.index];
        continue;
      case OpKind::Result:
        names[i] = {names[n.operands[0]][n.index]};
        continue;
      case OpKind::Param: { // read where it is used, in nnc's layout
        std::string p =
            "p[\"" + torchName(prog, prog.params[n.index].name) + "\"]";
        names[i] = {layout[n.index] == Layout::Transposed ? p + ".t()"
                    : layout[n.index] == Layout::Conv
                        ? p + ".permute(2, 3, 1, 0)"
                        : p};
        continue;
      }
      case OpKind::Buffer: {
        const Param &b = prog.buffers[n.index];
        if (!b.carried) {
          names[i] = {"p[\"" + torchName(prog, b.name) + "\"]"};
          continue;
        }
        e = "torch.zeros(" + shape(b.shape) + ")";
        break;
      }
      case OpKind::Const: {
        if (n.values.size() == 1) {
          e = "torch.full(" + shape(n.type.dims) + ", " + pyFloat(n.values[0]) +
              ")";
        } else {
          e = "torch.tensor([";
          for (size_t k = 0; k < n.values.size(); ++k)
            e += (k ? ", " : "") + pyFloat(n.values[k]);
          e += "]).reshape(" + shape(n.type.dims) + ")";
        }
        if (n.type.elem == ElemType::I32)
          e += ".int()";
        break;
      }
      case OpKind::MatMul:
      case OpKind::BatchMatMul: {
        std::string a = in(0), b = in(1);
        if (attr(n, "transpose_a"))
          a += ".transpose(-1, -2)";
        if (attr(n, "transpose_b"))
          b += ".transpose(-1, -2)";
        e = "torch.matmul(" + a + ", " + b + ")";
        break;
      }
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul:
      case OpKind::Div: // NumPy broadcasting, as torch's operators
        e = in(0) +
            (n.op == OpKind::Add   ? " + "
             : n.op == OpKind::Sub ? " - "
             : n.op == OpKind::Mul ? " * "
                                   : " / ") +
            in(1);
        break;
      case OpKind::Neg:
        e = "-" + in(0);
        break;
      case OpKind::Relu:
      case OpKind::Sigmoid:
      case OpKind::Tanh:
      case OpKind::Sqrt:
      case OpKind::Exp:
      case OpKind::Log:
      case OpKind::Abs:
        e = std::string("torch.") + opName(n.op) + "(" + in(0) + ")";
        break;
      case OpKind::Softplus:
        e = "F.softplus(" + in(0) + ")";
        break;
      case OpKind::Softmax:
        e = "torch.softmax(" + in(0) + ", -1)";
        break;
      case OpKind::LeakyRelu:
        e = "F.leaky_relu(" + in(0) + ", " + pyFloat(num(n, "alpha")) + ")";
        break;
      case OpKind::Step:
        e = "(" + in(0) + " > " + pyFloat(num(n, "threshold")) + ").float()";
        break;
      case OpKind::Conv2D: {
        // PyTorch's OIHW weight as it is, when it is a parameter.
        const Node &w = g.nodes[n.operands[1]];
        std::string weight =
            w.op == OpKind::Param && layout[w.index] == Layout::Conv
                ? "p[\"" + torchName(prog, prog.params[w.index].name) + "\"]"
                : in(1) + ".permute(3, 2, 0, 1)";
        const std::vector<int64_t> p = padding(n);
        bool symmetric = p[0] == p[1] && p[2] == p[3];
        std::vector<int64_t> none = {0, 0, 0, 0};
        e = "F.conv2d(" + nchw(in(0), symmetric ? none : p, "") + ", " +
            weight + ", stride=" + list("stride") + ", padding=" +
            (symmetric ? tuple({p[0], p[2]}) : std::string("0")) +
            ", dilation=" + list("dilation") + ").permute(0, 2, 3, 1)";
        break;
      }
      case OpKind::MaxPool:
      case OpKind::AvgPool: {
        // nnc's max ignores padding; its average counts it as zeros.
        const std::vector<int64_t> p = padding(n);
        bool max = n.op == OpKind::MaxPool;
        e = std::string(max ? "F.max_pool2d(" : "F.avg_pool2d(") +
            nchw(in(0), p, max ? ", value=float('-inf')" : "") + ", " +
            list("kernel") + ", " + list("stride") + ").permute(0, 2, 3, 1)";
        break;
      }
      case OpKind::Reshape: {
        std::vector<int64_t> dims = n.type.dims;
        for (int64_t &d : dims)
          d = d == kBatch ? -1 : d;
        e = in(0) + ".reshape" + tuple(dims);
        break;
      }
      case OpKind::Concat: {
        e = "torch.cat([";
        for (size_t k = 0; k < n.operands.size(); ++k)
          e += (k ? ", " : "") + in(k);
        e += "], " + std::to_string(int64_t(num(n, "axis"))) + ")";
        break;
      }
      case OpKind::Permute:
        e = in(0) + ".permute" + list("perm");
        break;
      case OpKind::Split: {
        int64_t axis = num(n, "axis");
        std::vector<int64_t> sizes;
        for (const TensorType &t : n.resultTypes)
          sizes.push_back(t.dims[axis]);
        std::string v = fresh();
        names[i].clear();
        for (size_t k = 0; k < sizes.size(); ++k)
          names[i].push_back(v + "_" + std::to_string(k));
        line(depth);
        for (size_t k = 0; k < sizes.size(); ++k)
          body << (k ? ", " : "") << names[i][k];
        body << " = torch.split(" << in(0) << ", " << tuple(sizes) << ", "
             << axis << ")\n";
        continue;
      }
      case OpKind::Unbroadcast: {
        std::vector<int64_t> dims = n.type.dims;
        for (int64_t &d : dims)
          d = d == kBatch ? -1 : d;
        std::vector<int64_t> axes =
            unbroadcastAxes(g.nodes[n.operands[0]].type.dims, n.type.dims);
        e = in(0) +
            (axes.empty() ? "" : ".sum(" + tuple(axes) + ", keepdim=True)") +
            ".reshape" + tuple(dims);
        break;
      }
      case OpKind::Embedding:
        e = "F.embedding(" + in(1) + ".long(), " + in(0) + ")";
        break;
      case OpKind::Scan:
        if (!scan(g, n, names, names[i], fresh(), depth))
          return false;
        continue;
      default: // random ops are refused before (checkExportable)
        return unsupported(n, "it has no PyTorch form in nnc yet");
      }
      std::string v = fresh();
      line(depth) << v << " = " << e << "\n";
      names[i] = {v};
    }
    return true;
  }

  /// A scan as a Python loop over t; outputs stacked along axis 1.
  bool scan(const Graph &g, const Node &n,
            const std::vector<std::vector<std::string>> &names,
            std::vector<std::string> &out, const std::string &v, int depth) {
    const Graph &bg = n.regions[0];
    const ScanParts parts = scanParts(n);
    const size_t numSeq = parts.seqs, numStates = parts.states;
    const size_t numEmit = parts.outputs;
    const int64_t length = parts.length;
    const bool reverse = parts.reverse;
    std::vector<std::string> states, lists;
    line(depth) << "# scan at " << n.loc.file << ":" << n.loc.line << ":"
                << n.loc.col << "\n";
    for (size_t k = 0; k < numStates; ++k) {
      states.push_back(v + "_s" + std::to_string(k));
      line(depth) << states.back() << " = " << names[n.operands[numSeq + k]][0]
                  << "\n";
    }
    for (size_t k = 0; k < numEmit; ++k) {
      lists.push_back(v + "_y" + std::to_string(k));
      line(depth) << lists.back() << " = []\n";
    }
    std::string t = v + "_t";
    line(depth) << "for " << t << " in "
                << (reverse ? "reversed(range(" + std::to_string(length) + "))"
                            : "range(" + std::to_string(length) + ")")
                << ":\n";
    std::vector<std::vector<std::string>> inner(bg.nodes.size());
    for (size_t i = 0; i < bg.nodes.size(); ++i) {
      const Node &b = bg.nodes[i];
      if (b.op != OpKind::Input)
        continue;
      size_t k = b.index;
      inner[i] = {k == 0        ? "torch.tensor(float(" + t + "))"
                  : k <= numSeq ? names[n.operands[k - 1]][0] + "[:, " + t + "]"
                                : states[k - 1 - numSeq]};
    }
    // emit() names the other nodes; the inputs keep these names.
    if (!emit(bg, inner, &names, depth + 1))
      return false;
    for (size_t k = 0; k < numEmit; ++k)
      line(depth + 1) << lists[k] << ".append(" << inner[bg.results[k]][0]
                      << ")\n";
    if (numStates) {
      line(depth + 1);
      for (size_t k = 0; k < numStates; ++k)
        body << (k ? ", " : "") << states[k];
      body << " = ";
      for (size_t k = 0; k < numStates; ++k)
        body << (k ? ", " : "") << inner[bg.results[numEmit + k]][0];
      body << "\n";
    }
    for (size_t k = 0; k < numEmit; ++k) {
      std::string stacked = v + "_seq" + std::to_string(k);
      line(depth) << stacked << " = torch.stack("
                  << (reverse ? lists[k] + "[::-1]" : lists[k]) << ", 1)\n";
      out.push_back(stacked);
    }
    out.insert(out.end(), states.begin(), states.end());
    return true;
  }
};

const char *kLoader = R"(

def load_safetensors(path):
    """A safetensors file (F32 and I32 tensors) as a dict of tensors."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "I32": torch.int32}
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        raw = bytearray(data[8 + n + b:8 + n + e])
        out[name] = torch.frombuffer(raw, dtype=dtypes[t["dtype"]]).reshape(t["shape"]).clone()
    return out


def save_safetensors(tensors, path):
    """A dict of float32/int32 tensors as a safetensors file (nnc import reads it)."""
    names = {torch.float32: "F32", torch.int32: "I32"}
    header, chunks, offset = {}, [], 0
    for name, t in sorted(tensors.items()):
        raw = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
)";

std::string pyShape(const std::vector<int64_t> &s) { return tuple(s); }

} // namespace

bool exportPyTorch(const Program &prog, const TensorFile &weights,
                   const std::string &dir, Diagnostics &diags) {
  if (!checkExportable(prog, "PyTorch", diags))
    return false;
  // The class is named after the model: it must not hide model.py's own
  // names or be a Python keyword.
  static const std::set<std::string> kTaken = {"F",
                                               "nn",
                                               "torch",
                                               "json",
                                               "struct",
                                               "load_safetensors",
                                               "save_safetensors",
                                               "_add",
                                               "False",
                                               "None",
                                               "True",
                                               "and",
                                               "as",
                                               "assert",
                                               "async",
                                               "await",
                                               "break",
                                               "class",
                                               "continue",
                                               "def",
                                               "del",
                                               "elif",
                                               "else",
                                               "except",
                                               "finally",
                                               "for",
                                               "from",
                                               "global",
                                               "if",
                                               "import",
                                               "in",
                                               "is",
                                               "lambda",
                                               "nonlocal",
                                               "not",
                                               "or",
                                               "pass",
                                               "raise",
                                               "return",
                                               "try",
                                               "while",
                                               "with",
                                               "yield"};
  if (kTaken.count(prog.modelName)) {
    diags.error(prog.modelLoc, "model name '" + prog.modelName +
                                   "' is a name model.py needs for itself "
                                   "(an import or a Python keyword): rename "
                                   "the model to export it to PyTorch");
    return false;
  }
  // nn.Module sets `training` on every module (eval(), train()) and keeps
  // its own state in `_...` attributes: a parameter may not be named so.
  auto bad = [&](const Param &p) {
    std::string name = torchName(prog, p.name);
    for (size_t at = 0; at <= name.size();) {
      size_t dot = std::min(name.find('.', at), name.size());
      std::string part = name.substr(at, dot - at);
      if (part == "training" || part.rfind('_', 0) == 0) {
        diags.error(p.loc, "'" + p.name +
                               "' cannot be a PyTorch state-dict "
                               "name: nn.Module uses '" +
                               part +
                               "' itself; rename it to export to PyTorch");
        return true;
      }
      at = dot + 1;
    }
    return false;
  };
  for (const Param &p : prog.params)
    if (bad(p))
      return false;
  for (const Param &b : prog.buffers)
    if (!b.carried && bad(b))
      return false;
  PyWriter writer(prog, diags);
  std::ostringstream fwd;
  if (!writer.forward(fwd))
    return false;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    diags.error(dir + ": cannot create the directory: " + ec.message());
    return false;
  }

  std::vector<Layout> l = layouts(prog);
  TensorFile state;
  state.metadata["format"] = "pt";
  state.metadata["model"] = prog.modelName;
  std::ostringstream init;
  for (size_t i = 0; i < prog.params.size(); ++i) {
    const Param &p = prog.params[i];
    Tensor t = convert(weights.tensors.at(p.name), l[i], /*toTorch=*/true);
    std::string name = torchName(prog, p.name);
    init << "        _add(self, \"" << name << "\", torch.zeros"
         << pyShape(t.shape) << ")\n";
    state.tensors[name] = std::move(t);
  }
  for (const Param &b : prog.buffers) {
    if (b.carried)
      continue;
    std::string name = torchName(prog, b.name);
    init << "        _add(self, \"" << name << "\", torch.zeros"
         << pyShape(b.shape) << ", buffer=True)\n";
    state.tensors[name] = weights.tensors.at(b.name);
  }

  std::string shape = "f32[";
  for (size_t i = 0; i < prog.input.dims.size(); ++i)
    shape += (i ? ", " : "") + (prog.input.dims[i] == kBatch
                                    ? std::string("B")
                                    : std::to_string(prog.input.dims[i]));
  shape += "]";
  if (prog.input.elem == ElemType::I32)
    shape[0] = 'i';
  std::ostringstream py;
  py << "# " << prog.modelName << " from " << prog.sourceFile
     << ", written by `nnc export --pytorch`.\n"
     << "# Images are NHWC as in nnc. Load the weights with\n"
     << "#   m = " << prog.modelName
     << "(); m.load_state_dict(load_safetensors(\"model.safetensors\"))\n"
     << "import json\nimport struct\n\nimport torch\n"
     << "import torch.nn.functional as F\nfrom torch import nn\n"
     << kLoader << R"(

def _add(root, name, value, buffer=False):
    """Registers a parameter (or buffer) under its dotted state-dict name. The
    module's own dicts are filled directly: a name such as `to` or `eval` is a
    parameter here, not a clash with nn.Module's methods."""
    *path, leaf = name.split(".")
    for part in path:
        root = root._modules.setdefault(part, nn.Module())
    if buffer:
        root._buffers[leaf] = value
    else:
        root._parameters[leaf] = nn.Parameter(value)


class )"
     << prog.modelName << "(nn.Module):\n    \"\"\"x: " << shape
     << ".\"\"\"\n\n"
     << "    def __init__(self):\n        super().__init__()\n"
     << init.str() << "\n    def forward(self, x):\n"
     << "        p = dict(self.named_parameters())\n"
     << "        p.update(self.named_buffers())\n"
     << fwd.str();
  if (!writeFileAtomic(dir + "/model.py", py.str(), diags))
    return false;
  return writeTensorFile(dir + "/model.safetensors", state, diags);
}

} // namespace nnc
