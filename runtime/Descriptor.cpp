//===- Descriptor.cpp - Parse and validate the model descriptor -----------===//
//
// A line-by-line parser for the `nnc_model_desc` text (format in
// docs/internals.md). Fields are separated by exactly one space; numbers must
// be consumed completely; unknown records, duplicates, records out of order
// and missing records are errors. After parsing, the whole descriptor is
// checked: slot roles and shapes (x/y/w/out lead with B, w [B], hyper [4],
// loss scalar), slots 64-aligned, inside the arena and not overlapping, one
// init per param and buffer, buffers f32, optimizer state `<param>.v`
// (momentum) or `<param>.m` and
// `<param>.v` (adam) with the param's shape, the norm slots of --grad-norms
// (a scalar grad_norm per param, named as it, then [T] step_norms), and the
// inline dataset's sizes.
//
//===----------------------------------------------------------------------===//
#include "Descriptor.h"
#include "Error.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <map>
#include <set>

namespace nnrt {

int64_t Slot::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<const Slot *> ModelDesc::persistent() const {
  std::vector<const Slot *> all;
  for (const Slot &s : params)
    all.push_back(&s);
  for (const Slot &s : state)
    all.push_back(&s);
  for (const Slot &s : buffers)
    all.push_back(&s);
  return all;
}

std::string shapeStr(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s;
}

namespace {

class Parser {
public:
  explicit Parser(const std::string &text) : text(text) {}
  ModelDesc parse();

private:
  const std::string &text;
  int lineNo = 0;
  ModelDesc d;
  std::set<std::string> seen;
  int roleRank = 0;         // slots must come in role order
  Slot *lastInit = nullptr; // the slot the next `init` record belongs to

  [[noreturn]] void fail(const std::string &msg) const {
    throw Error(lineNo ? "model descriptor line " + std::to_string(lineNo) +
                             ": " + msg
                       : "model descriptor: " + msg);
  }
  void expectFields(const std::vector<std::string> &f, size_t n) const {
    if (f.size() != n)
      fail("'" + f[0] + "' expects " + std::to_string(n - 1) + " fields, got " +
           std::to_string(f.size() - 1));
  }
  /// `name` when it is one of `names`, else "unknown <what> 'name'".
  const std::string &oneOf(const std::string &name,
                           std::initializer_list<const char *> names,
                           const char *what) const {
    for (const char *n : names)
      if (name == n)
        return name;
    fail(std::string("unknown ") + what + " '" + name + "'");
  }
  void once(const std::string &rec) {
    if (!seen.insert(rec).second)
      fail("duplicate '" + rec + "' record");
  }
  int64_t integer(const std::string &s) const;
  double real(const std::string &s) const;
  std::vector<int64_t> shape(const std::string &s) const;
  std::string keyValue(const std::string &field, const std::string &key) const;
  void record(const std::vector<std::string> &f, const std::string &line,
              bool &expectInit);
  void slot(const std::vector<std::string> &f);
  void init(const std::vector<std::string> &f, Slot &p);
  void dataset(const std::vector<std::string> &f);
  void validate();
};

int64_t Parser::integer(const std::string &s) const {
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || errno == ERANGE)
    fail("expected an integer, got '" + s + "'");
  return v;
}

double Parser::real(const std::string &s) const {
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !std::isfinite(v))
    fail("expected a finite number, got '" + s + "'");
  return v;
}

std::vector<int64_t> Parser::shape(const std::string &s) const {
  std::vector<int64_t> dims;
  if (s == "scalar")
    return dims;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string dim = s.substr(start, comma - start);
    int64_t v = integer(dim);
    if (v <= 0 || v > (int64_t(1) << 32))
      fail("bad dimension '" + dim + "' in shape '" + s + "'");
    dims.push_back(v);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  int64_t n = 1;
  for (int64_t v : dims)
    if ((n *= v) > (int64_t(1) << 34))
      fail("shape '" + s + "' is too large");
  return dims;
}

std::string Parser::keyValue(const std::string &field,
                             const std::string &key) const {
  if (field.compare(0, key.size() + 1, key + "=") != 0)
    fail("expected '" + key + "=<value>', got '" + field + "'");
  return field.substr(key.size() + 1);
}

ModelDesc Parser::parse() {
  size_t pos = 0;
  bool expectInit = false; // after a param or buffer slot
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line =
        text.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++lineNo;
    if (line.empty())
      fail("empty line");
    std::vector<std::string> f;
    size_t start = 0;
    while (true) {
      size_t sp = line.find(' ', start);
      f.push_back(line.substr(start, sp - start));
      if (f.back().empty())
        fail("empty field (fields are separated by one space)");
      if (sp == std::string::npos)
        break;
      start = sp + 1;
    }
    if (lineNo == 1 && line != "nnc-model 1")
      fail("expected 'nnc-model 1', got '" + line + "'");
    record(f, line, expectInit);
  }
  if (lineNo == 0)
    fail("empty descriptor");
  if (expectInit)
    fail("missing 'init' after the last 'slot " + lastInit->role + "'");
  lineNo = 0; // whole-descriptor checks
  validate();
  return std::move(d);
}

void Parser::record(const std::vector<std::string> &f, const std::string &line,
                    bool &expectInit) {
  const std::string &kind = f[0];
  if (expectInit != (kind == "init"))
    fail(expectInit ? "expected 'init' after 'slot " + lastInit->role + "'"
                    : "'init' must follow a 'slot param' or 'slot buffer' "
                      "record");
  if (kind == "init") {
    init(f, *lastInit);
    expectInit = false;
  } else if (kind == "nnc-model") {
    once(kind);
  } else if (kind == "source" || kind == "model") {
    once(kind);
    if (f.size() < 2)
      fail("'" + kind + "' expects a value");
    (kind == "source" ? d.source : d.model) = line.substr(kind.size() + 1);
  } else if (kind == "batch" || kind == "arena") {
    once(kind);
    expectFields(f, 2);
    int64_t v = integer(f[1]);
    if (v <= 0)
      fail("'" + kind + "' must be positive");
    (kind == "batch" ? d.batch : d.arenaBytes) = v;
  } else if (kind == "optimizer") {
    once(kind);
    expectFields(f, 7);
    d.optimizer = oneOf(f[1], {"sgd", "momentum", "adam"}, "optimizer");
    d.lr = real(keyValue(f[2], "lr"));
    d.momentum = real(keyValue(f[3], "momentum"));
    d.beta1 = real(keyValue(f[4], "beta1"));
    d.beta2 = real(keyValue(f[5], "beta2"));
    d.eps = real(keyValue(f[6], "eps"));
  } else if (kind == "step") {
    expectFields(f, 7);
    StepDesc st;
    st.name = f[1];
    st.entry = integer(keyValue(f[2], "entry"));
    st.repeat = integer(keyValue(f[3], "repeat"));
    st.optimizer = oneOf(keyValue(f[4], "optimizer"),
                         {"sgd", "momentum", "adam"}, "optimizer");
    st.lr = real(keyValue(f[5], "lr"));
    st.clipWeights = real(keyValue(f[6], "clip_weights"));
    if (st.entry != int64_t(d.steps.size()) || st.entry >= 8)
      fail("step '" + st.name + "' entry=" + f[2] +
           " must be the step's index (at most 7)");
    if (st.repeat < 1)
      fail("step '" + st.name + "' repeat must be at least 1");
    d.steps.push_back(st);
  } else if (kind == "lr_schedule") {
    once(kind);
    expectFields(f, 5);
    d.lrSchedule = oneOf(f[1], {"constant", "cosine", "step"}, "lr_schedule");
    d.lrMin = real(keyValue(f[2], "min"));
    d.lrEvery = integer(keyValue(f[3], "every"));
    d.lrGamma = real(keyValue(f[4], "gamma"));
    if (d.lrMin < 0 || d.lrEvery < 1 || !(d.lrGamma > 0 && d.lrGamma <= 1))
      fail("lr_schedule needs min >= 0, every >= 1 and gamma in (0, 1]");
  } else if (kind == "decode") {
    once(kind);
    expectFields(f, 7);
    DecodeDesc &dc = d.decode;
    dc.present = true;
    dc.start = integer(keyValue(f[1], "start"));
    dc.end = integer(keyValue(f[2], "end"));
    dc.maxLen = integer(keyValue(f[3], "max_len"));
    dc.beam = integer(keyValue(f[4], "beam"));
    dc.lengthPenalty = real(keyValue(f[5], "length_penalty"));
    dc.states = integer(keyValue(f[6], "states"));
    if (dc.start < 0 || dc.end < 0 || dc.maxLen < 1 || dc.beam < 1 ||
        dc.states < 0 || !std::isfinite(dc.lengthPenalty))
      fail("decode needs start, end >= 0, max_len, beam >= 1, states >= 0 "
           "and a finite length_penalty");
  } else if (kind == "ignore_index") {
    once(kind);
    expectFields(f, 2);
    d.ignoreIndex = integer(f[1]);
    if (d.ignoreIndex < 0)
      fail("ignore_index must not be negative");
  } else if (kind == "distributed") {
    once(kind);
    expectFields(f, 2);
    d.ranks = integer(keyValue(f[1], "ranks"));
    if (d.ranks < 1)
      fail("distributed ranks must be positive");
  } else if (kind == "train") {
    once(kind);
    expectFields(f, 4);
    d.epochs = integer(keyValue(f[1], "epochs"));
    d.seed = integer(keyValue(f[2], "seed"));
    std::string c = keyValue(f[3], "classification");
    if (c != "0" && c != "1")
      fail("classification must be 0 or 1, got '" + c + "'");
    d.classification = c == "1";
    if (d.epochs < 0)
      fail("epochs must not be negative");
  } else if (kind == "data") {
    once(kind);
    if (f.size() == 2 && f[1] == "tensors") {
      d.tensorsData = true;
    } else if (f.size() >= 3 && f[1] == "fashion_mnist") {
      d.dataDir = line.substr(std::string("data fashion_mnist ").size());
    } else if (f.size() >= 8 && f[1] == "words") {
      WordsDesc &w = d.words;
      w.vocab = integer(f[2]);
      w.window = integer(f[3]);
      w.negatives = integer(f[4]);
      w.minCount = integer(f[5]);
      w.subsample = real(f[6]);
      size_t at = 0;
      for (int k = 0; k < 7; ++k)
        at = line.find(' ', at) + 1;
      w.path = line.substr(at);
      if (w.vocab < 2 || w.window < 1 || w.negatives < 0 || w.minCount < 1 ||
          !(w.subsample >= 0))
        fail("data words needs vocab >= 2, window >= 1, negatives >= 0, "
             "min_count >= 1 and subsample >= 0");
    } else if (f.size() >= 3 && f[1] == "cmudict") {
      d.cmudictFile = line.substr(std::string("data cmudict ").size());
    } else if (f.size() >= 4 && f[1] == "text") {
      d.textTest = real(f[2]);
      if (!(d.textTest > 0 && d.textTest < 1))
        fail("data text needs a test fraction in (0, 1)");
      d.textFile = line.substr(5 + f[1].size() + 1 + f[2].size() + 1);
    } else if (f.size() == 6 && f[1] == "synthetic") {
      d.syntheticSamples = integer(f[2]);
      d.syntheticClasses = integer(f[3]);
      d.syntheticLo = real(f[4]);
      d.syntheticHi = real(f[5]);
      if (d.syntheticSamples < 1 || d.syntheticClasses < 0)
        fail("data synthetic needs positive samples and non-negative "
             "classes");
      if (!(d.syntheticLo < d.syntheticHi) || !std::isfinite(d.syntheticLo) ||
          !std::isfinite(d.syntheticHi))
        fail("data synthetic needs a finite range lo < hi");
    } else {
      fail("expected 'data tensors', 'data fashion_mnist <dir>', 'data "
           "synthetic <samples> <classes> <lo> <hi>' or 'data text <test> "
           "<file>'");
    }
  } else if (kind == "dataset") {
    dataset(f);
  } else if (kind == "slot") {
    slot(f);
    expectInit = f[1] == "param" || f[1] == "buffer";
  } else {
    fail("unknown record '" + kind + "'");
  }
}

void Parser::slot(const std::vector<std::string> &f) {
  static const char *roles[] = {
      "param",        "state",        "buffer",        "input",
      "target",       "weight",       "hyper",         "loss",
      "output",       "sample",       "reconstruct",   "encode",
      "decode_token", "decode_state", "decode_logits", "step_input",
      "step_output",  "grad_norm",    "step_norm",     "numerics"};
  const int numRoles = std::size(roles);
  expectFields(f, 6);
  // `carry` slots sit among the buffers.
  const std::string &role = f[1] == "carry" ? roles[2] : f[1];
  int rank = 0;
  while (rank < numRoles && role != roles[rank])
    ++rank;
  if (rank == numRoles)
    fail("unknown slot role '" + f[1] + "'");
  if (rank < roleRank)
    fail("slot role '" + f[1] + "' out of order (param, state, buffer or " +
         "carry, input, target, weight, hyper, loss, output, sample, "
         "reconstruct, encode, decode_token, decode_state, decode_logits, "
         "step_input, step_output, grad_norm, step_norm, numerics)");
  roleRank = rank;
  Slot s;
  s.role = f[1];
  s.name = f[2];
  if (f[3] != "f32" && f[3] != "i32")
    fail("unknown dtype '" + f[3] + "'");
  s.dtype = f[3] == "f32" ? DType::F32 : DType::I32;
  s.shape = shape(f[4]);
  s.offset = integer(f[5]);
  if (s.offset < 0 || s.offset % 64 != 0)
    fail("slot '" + s.name + "' offset " + f[5] + " is not 64-byte aligned");
  if (d.arenaBytes == 0)
    fail("'slot' before 'arena'");
  if (s.offset + s.bytes() > d.arenaBytes)
    fail("slot '" + s.name + "' ends past the arena (" +
         std::to_string(s.offset + s.bytes()) + " > " +
         std::to_string(d.arenaBytes) + " bytes)");
  if (rank == 0) {
    lastInit = &d.params.emplace_back(s);
  } else if (rank == 1) {
    d.state.push_back(s);
  } else if (rank == 2) {
    if (s.dtype != DType::F32)
      fail(s.role + " '" + s.name + "' must be f32");
    if (s.role == "carry")
      d.carried.push_back(s);
    else
      lastInit = &d.buffers.emplace_back(s);
  } else if (rank == 19) {
    once("slot numerics");
    if (s.dtype != DType::I32 || !s.shape.empty())
      fail("numerics slot '" + s.name + "' must be an i32 scalar");
    d.numerics = s;
  } else if (rank >= 17) {
    if (s.dtype != DType::F32)
      fail(s.role + " '" + s.name + "' must be f32");
    (rank == 17 ? d.gradNorms : d.stepNorms).push_back(s);
  } else if (rank >= 12 && rank <= 14) {
    if (!d.decode.present)
      fail("slot " + s.role + " without a 'decode' record");
    if (rank == 13)
      d.decode.carried.push_back(s);
    else
      *(rank == 12 ? &d.decode.token : &d.decode.logits) = s;
  } else if (s.role == "loss" && !d.steps.empty()) {
    // One per step, named as it, in the steps' order.
    size_t k = 0;
    while (k < d.steps.size() && !d.steps[k].loss.name.empty())
      ++k;
    if (k == d.steps.size() || d.steps[k].name != s.name)
      fail("loss slot '" + s.name + "' does not name the next step");
    d.steps[k].loss = s;
    if (k == 0)
      d.loss = s;
    seen.insert("slot loss");
  } else {
    once("slot " + s.role);
    Slot *dst[] = {&d.x,    &d.y,      &d.w,           &d.hyper,  &d.loss,
                   &d.out,  &d.sample, &d.reconstruct, &d.encode, nullptr,
                   nullptr, nullptr,   &d.stepX,       &d.stepOut};
    *dst[rank - 3] = s;
  }
}

void Parser::init(const std::vector<std::string> &f, Slot &p) {
  InitSpec &in = p.init;
  if (f.size() < 2)
    fail("'init' expects a kind");
  const std::string &k = f[1];
  if (k == "zeros") {
    expectFields(f, 2);
  } else if (k == "const") {
    expectFields(f, 3);
    in.kind = InitSpec::Const;
    in.a = real(f[2]);
  } else if (k == "uniform" || k == "normal") {
    expectFields(f, 4);
    in.kind = k == "uniform" ? InitSpec::Uniform : InitSpec::Normal;
    in.a = real(f[2]);
    in.b = real(f[3]);
    if (k == "uniform" && in.a > in.b)
      fail("uniform low > high");
    if (k == "normal" && in.b < 0)
      fail("normal std < 0");
  } else if (k == "literal") {
    in.kind = InitSpec::Literal;
    for (size_t i = 2; i < f.size(); ++i)
      in.values.push_back(float(real(f[i])));
    if (int64_t(in.values.size()) != p.numel())
      fail("literal init of '" + p.name + "' has " +
           std::to_string(in.values.size()) + " values, shape " +
           shapeStr(p.shape) + " needs " + std::to_string(p.numel()));
  } else {
    fail("unknown init kind '" + k + "'");
  }
}

void Parser::dataset(const std::vector<std::string> &f) {
  if (!d.tensorsData)
    fail("'dataset' must follow 'data tensors'");
  if (f.size() < 3 || (f[1] != "x" && f[1] != "y"))
    fail("expected 'dataset x|y <shape> <values...>'");
  once("dataset " + f[1]);
  std::vector<int64_t> s = shape(f[2]);
  if (s.empty())
    fail("dataset shape must have a row dimension");
  int64_t n = 1;
  for (int64_t v : s)
    n *= v;
  if (int64_t(f.size()) - 3 != n)
    fail("dataset " + f[1] + " has " + std::to_string(f.size() - 3) +
         " values, shape " + f[2] + " needs " + std::to_string(n));
  if (d.dataRows && d.dataRows != s[0])
    fail("dataset x and y have different numbers of rows");
  d.dataRows = s[0];
  std::vector<float> &dst = f[1] == "x" ? d.dataX : d.dataY;
  for (size_t i = 3; i < f.size(); ++i)
    dst.push_back(float(real(f[i])));
}

void Parser::validate() {
  static const char *required[] = {"model",      "batch",      "arena",
                                   "slot input", "slot hyper", "slot output"};
  static const char *requiredToTrain[] = {"train", "data", "slot target",
                                          "slot weight", "slot loss"};
  for (const char *r : required)
    if (!seen.count(r))
      fail(std::string("missing '") + r + "' record");
  const bool trainable = seen.count("optimizer");
  for (const char *r : requiredToTrain)
    if (trainable != bool(seen.count(r)))
      fail(std::string(trainable ? "missing '" : "unexpected '") + r +
           "' record" + (trainable ? "" : " without an 'optimizer' record"));
  if (d.params.empty())
    fail("no 'slot param' records");
  auto need = [&](bool ok, const std::string &msg) {
    if (!ok)
      fail(msg);
  };
  const int64_t b = d.batch;
  std::vector<const Slot *> batched = {&d.x, &d.out};
  if (trainable)
    batched.push_back(&d.y);
  for (const Slot *s : {&d.sample, &d.reconstruct, &d.encode})
    if (!s->name.empty()) {
      batched.push_back(s);
      need(s->dtype == DType::F32, s->role + " slot must be f32");
    }
  for (const Slot *s : batched)
    need(!s->shape.empty() && s->shape[0] == b,
         s->role + " slot '" + s->name + "' must have shape [B=" +
             std::to_string(b) + ", ...], got " + shapeStr(s->shape));
  need(d.out.dtype == DType::F32, "the output slot must be f32");
  need(d.hyper.shape == std::vector<int64_t>{4} && d.hyper.dtype == DType::F32,
       "the hyper slot must be f32 [4]");
  if (trainable) {
    need(d.w.shape == std::vector<int64_t>{b} && d.w.dtype == DType::F32,
         "the weight slot must be f32 [B]");
    need(d.loss.shape.empty() && d.loss.dtype == DType::F32,
         "the loss slot must be an f32 scalar");
  }
  if (d.classification)
    need(d.y.dtype == DType::I32 && d.out.shape.size() >= 2 &&
             d.y.shape == std::vector<int64_t>(d.out.shape.begin(),
                                               d.out.shape.end() - 1),
         "classification needs output [B, C] and i32 labels y [B] (or a "
         "label per position: [B, ..., C] and [B, ...]), got output " +
             shapeStr(d.out.shape) + " and y " + shapeStr(d.y.shape));

  // Slots are 64-aligned (checked per slot) and must not overlap.
  std::vector<const Slot *> all = d.persistent();
  all.push_back(&d.x);
  all.push_back(&d.hyper);
  all.push_back(&d.out);
  for (const Slot &s : d.carried) {
    need(s.shape.size() == 2 && s.shape[0] == b,
         "carry slot '" + s.name + "' must be [B=" + std::to_string(b) +
             ", H], got " + shapeStr(s.shape));
    all.push_back(&s);
  }
  need(d.hasStep() == !d.stepOut.name.empty(),
       "'slot step_input' and 'slot step_output' come together");
  if (d.hasStep()) {
    need(!d.carried.empty(), "step slots without 'slot carry' records");
    for (const Slot *s : {&d.stepX, &d.stepOut}) {
      need(s->shape.size() >= 2 && s->shape[0] == b,
           s->role + " slot '" + s->name + "' must be [B, ...]");
      all.push_back(s);
    }
  }
  if (trainable)
    for (const Slot *s : {&d.y, &d.w, &d.loss})
      all.push_back(s);
  // The norms of nnc_train_step_norms: one per param, then [T] per state.
  need(!d.hasGradNorms() || trainable,
       "'slot grad_norm' records without an 'optimizer' record");
  need(d.stepNorms.empty() || d.hasGradNorms(),
       "'slot step_norm' records without 'slot grad_norm' records");
  need(!d.hasGradNorms() || d.gradNorms.size() == d.params.size(),
       "expected one 'slot grad_norm' per param (" +
           std::to_string(d.params.size()) + "), got " +
           std::to_string(d.gradNorms.size()));
  for (size_t i = 0; i < d.gradNorms.size(); ++i) {
    const Slot &g = d.gradNorms[i];
    need(g.name == d.params[i].name,
         "grad_norm slot '" + g.name + "' must be named as param " +
             std::to_string(i) + " '" + d.params[i].name + "'");
    need(g.shape.empty(), "grad_norm slot '" + g.name + "' must be a scalar");
    all.push_back(&g);
  }
  need(d.numerics.name.empty() || trainable,
       "'slot numerics' without an 'optimizer' record");
  if (!d.numerics.name.empty())
    all.push_back(&d.numerics);
  for (const Slot &n : d.stepNorms) {
    need(n.shape.size() == 1, "step_norm slot '" + n.name +
                                  "' must be [T], got " + shapeStr(n.shape));
    all.push_back(&n);
  }
  std::sort(all.begin(), all.end(),
            [](const Slot *a, const Slot *c) { return a->offset < c->offset; });
  for (size_t i = 1; i < all.size(); ++i)
    need(all[i - 1]->offset + all[i - 1]->bytes() <= all[i]->offset,
         "slots '" + all[i - 1]->name + "' and '" + all[i]->name + "' overlap");

  // Names are unique; optimizer state matches the params one to one.
  std::map<std::string, const Slot *> byName;
  for (const Slot *s : d.persistent())
    need(byName.emplace(s->name, s).second,
         "duplicate slot name '" + s->name + "'");
  // One optimizer, or one per step with its state named "<step>/<param>.m".
  std::vector<std::pair<std::string, std::string>> optimizers; // prefix, kind
  if (d.steps.empty())
    optimizers.push_back({"", d.optimizer});
  for (const StepDesc &st : d.steps) {
    optimizers.push_back({st.name + "/", st.optimizer});
    need(!st.loss.name.empty(), "step '" + st.name + "' has no loss slot");
    need(st.loss.shape.empty() && st.loss.dtype == DType::F32,
         "loss slot '" + st.name + "' must be an f32 scalar");
  }
  auto suffixesOf = [](const std::string &kind) {
    return kind == "adam"       ? std::vector<std::string>{".m", ".v"}
           : kind == "momentum" ? std::vector<std::string>{".v"}
                                : std::vector<std::string>{};
  };
  size_t expected = 0;
  for (const auto &[prefix, kind] : optimizers)
    expected += d.params.size() * suffixesOf(kind).size();
  need(d.state.size() == expected,
       (d.steps.empty() ? "optimizer " + d.optimizer
                        : std::string("the steps")) +
           " needs " + std::to_string(expected) + " state slots, got " +
           std::to_string(d.state.size()));
  for (const auto &[prefix, kind] : optimizers)
    for (const Slot &p : d.params)
      for (const std::string &suf : suffixesOf(kind)) {
        std::string name = prefix + p.name + suf;
        auto it = byName.find(name);
        need(it != byName.end() && it->second->role == "state",
             "missing optimizer state slot '" + name + "'");
        need(it->second->shape == p.shape && it->second->dtype == p.dtype,
             "state slot '" + name + "' must have the shape of '" + p.name +
                 "'");
      }

  if (!d.textFile.empty())
    need(d.x.shape.size() == 3 && d.x.shape[2] == kTextClasses &&
             d.y.dtype == DType::I32 &&
             d.y.shape == std::vector<int64_t>({b, d.x.shape[1]}),
         "data text needs x [B, T, " + std::to_string(kTextClasses) +
             "] and i32 y [B, T]");
  if (d.tensorsData) {
    need(!d.dataX.empty() && !d.dataY.empty(),
         "'data tensors' needs 'dataset x' and 'dataset y'");
    need(int64_t(d.dataX.size()) == d.dataRows * d.x.perSample(),
         "dataset x rows must have " + std::to_string(d.x.perSample()) +
             " values (the input slot's per-sample size)");
    need(int64_t(d.dataY.size()) == d.dataRows * d.y.perSample(),
         "dataset y rows must have " + std::to_string(d.y.perSample()) +
             " values (the target slot's per-sample size)");
    if (d.y.dtype == DType::I32)
      for (float v : d.dataY)
        need(v == std::floor(v) && std::fabs(v) < 2147483648.0f,
             "dataset y holds non-integer labels for an i32 target");
    if (d.classification)
      for (float v : d.dataY)
        need(v >= 0 && v < d.classes(), "dataset y label out of range [0, " +
                                            std::to_string(d.classes()) + ")");
  }
}

} // namespace

ModelDesc parseDescriptor(const std::string &text) {
  return Parser(text).parse();
}

} // namespace nnrt
