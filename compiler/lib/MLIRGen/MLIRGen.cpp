//===- MLIRGen.cpp - From an analysed Program to the nn dialect -----------===//
//
// Emits one module per program, all shapes static (B = the compiled batch);
// the graphs' nodes are emitted by GraphEmitter (GraphEmitter.h). @forward,
// @loss_S (train mode), @eval_loss_S (one of each per training step; no
// suffix for the only one) and @sample / @reconstruct / @encode are
// functions of the parameters, the buffers and the graph inputs; @train_step
// is a declaration carrying what nn-autodiff needs (nn.grad_of,
// nn.num_params, nn.optimizer; @train_step_norms too with --grad-norms,
// nn.grad_norms); and the nnc_* entry wrappers move tensors between
// the runtime's byte arena and those functions. The arena layout (64-byte
// aligned slots) is written into the descriptor string @nnc_model_desc that the
// runtime parses.
//
//===----------------------------------------------------------------------===//

#include "nnc/MLIRGen.h"
#include "DescriptorFormat.h"
#include "GraphEmitter.h"
#include "nnc/Dialect/NN/NNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace mlir;

namespace nnc {
namespace {

constexpr int64_t kSlotAlign = 64;

/// One tensor in the arena: `slot <role> <name> <dtype> <shape> <offset>`.
struct Slot {
  std::string role, name;
  RankedTensorType type;
  int64_t offset = 0;
};

/// The arena in descriptor order: params (n), states, buffers, x, y, w,
/// hyper, loss, out (then step x1, out1; then with --grad-norms one norm per
/// param and one [T] per top-level scan state). Without a train section only
/// params, buffers, x, hyper and out exist.
struct Arena {
  std::vector<Slot> slots;
  size_t numParams = 0, numStates = 0, numBuffers = 0;
  size_t x = 0, y = 0, w = 0, hyper = 0, loss = 0, out = 0; ///< slot indices
  size_t stepX = 0, stepOut = 0; ///< Program::step's input and output
  SmallVector<size_t> carried;   ///< the carried buffers' slots
  SmallVector<size_t> norms;     ///< grad_norm then step_norm slots
  size_t numerics = 0; ///< --check-numerics: the code of the first NaN/Inf
  /// sample, reconstruct, encode (those the train section defines)
  SmallVector<std::pair<StringRef, size_t>> outputs;
  /// Decoding: the token [B, 1], the decoder's context and states, logits.
  size_t decodeToken = 0, decodeLogits = 0;
  SmallVector<size_t> decodeCarried;
  int64_t bytes = 0;
};

/// One training step: the only one (from Program::loss, TrainConfig) or one
/// of Program::steps. Its functions are @loss, @eval_loss, @train_step with
/// `suffix` ("" or "_D") and its entry points nnc_train_step, nnc_eval_step
/// with "" (the first) or "_k".
struct StepGen {
  std::string suffix, entrySuffix;
  const Graph *loss = nullptr, *evalLoss = nullptr;
  const Optimizer *opt = nullptr;
  const TrainStep *step = nullptr; ///< null for the only step
  SmallVector<size_t> states;      ///< its optimizer state slots
  size_t lossSlot = 0;
};

class MLIRGenImpl : GraphEmitter {
public:
  MLIRGenImpl(MLIRContext &ctx, const Program &prog, int64_t batch)
      : GraphEmitter(ctx, prog, batch) {}

  OwningOpRef<ModuleOp> gen() {
    Location modelLoc = loc(prog.modelLoc);
    if (batch <= 0) {
      emitError(modelLoc) << "batch size must be positive, got " << batch;
      return nullptr;
    }
    if (prog.train.gradNorms && !training()) {
      emitError(modelLoc) << "--grad-norms needs a train section: model "
                          << prog.modelName << " only predicts";
      return nullptr;
    }
    if (prog.train.ranks > 0 && !checkDistributed(modelLoc))
      return nullptr;
    size_t carried = numCarried();
    if (training() && prog.steps.empty()) {
      steps.push_back({"",
                       "",
                       &prog.loss,
                       &evalLossGraph(),
                       &prog.train.optimizer,
                       nullptr,
                       {},
                       0});
    } else if (training()) {
      for (auto [k, st] : llvm::enumerate(prog.steps))
        steps.push_back({"_" + st.name,
                         k ? "_" + std::to_string(k) : "",
                         &st.loss,
                         &st.evalLoss,
                         &st.optimizer,
                         &st,
                         {},
                         0});
    }
    if (!checkResults(prog.forward, 1 + carried, "forward") ||
        (hasStep() && !checkResults(prog.step, 1 + carried, "step")))
      return nullptr;
    for (const StepGen &st : steps)
      if (!checkResults(*st.loss, 2 + prog.buffers.size(), "loss") ||
          !checkResults(*st.evalLoss, 2 + carried, "eval loss"))
        return nullptr;
    module = ModuleOp::create(modelLoc);
    b.setInsertionPointToEnd(module->getBody());
    layoutArena();
    func::FuncOp forward = genForward();
    if (!forward)
      return nullptr;
    const Arena &a = arena;
    SmallVector<size_t> p = slotRange(0, a.numParams);
    SmallVector<size_t> r = slotRange(a.numParams + a.numStates, a.numBuffers);
    for (StepGen &st : steps) {
      func::FuncOp loss = genLoss(st);
      func::FuncOp eval = genEvalLoss(st);
      if (!loss || !eval)
        return nullptr;
      ArrayRef<size_t> s = st.states;
      // train_step: P S R x y w hyper -> loss out P' S' R'
      genEntry("nnc_train_step" + st.entrySuffix,
               genTrainStepDecl(loss, st, Variant::Plain),
               concat({p, s, r, {a.x, a.y, a.w, a.hyper}}),
               concat({{st.lossSlot, a.out}, p, s, r}));
      // eval_loss: P R x y w hyper -> loss out C' (C: the carried buffers)
      genEntry("nnc_eval_step" + st.entrySuffix, eval,
               concat({p, r, {a.x, a.y, a.w, a.hyper}}),
               concat({{st.lossSlot, a.out}, a.carried}));
      // train_step_checked: the same, then the numerics code (a no-op
      // without --check-numerics)
      func::FuncOp checked = prog.train.checkNumerics
                                 ? genTrainStepDecl(loss, st, Variant::Checked)
                                 : nullptr;
      SmallVector<size_t> code;
      if (checked)
        code.push_back(a.numerics);
      genEntry("nnc_train_step_checked" + st.entrySuffix, checked,
               concat({p, s, r, {a.x, a.y, a.w, a.hyper}}),
               concat({{st.lossSlot, a.out}, p, s, r, code}));
      if (!st.entrySuffix.empty())
        continue;
      // train_step_norms: the same, then the norms (a no-op without them)
      func::FuncOp norms = prog.train.gradNorms
                               ? genTrainStepDecl(loss, st, Variant::Norms)
                               : nullptr;
      genEntry("nnc_train_step_norms", norms,
               concat({p, s, r, {a.x, a.y, a.w, a.hyper}}),
               concat({{st.lossSlot, a.out}, p, s, r, a.norms}));
      // loss: P R x y w hyper -> loss out (R' is dropped)
      genEntry("nnc_train_loss", loss, concat({p, r, {a.x, a.y, a.w, a.hyper}}),
               {st.lossSlot, a.out});
    }
    if (!training()) {
      // The runtime links every entry point; these do nothing.
      for (StringRef name :
           {"nnc_train_step", "nnc_train_step_norms", "nnc_train_step_checked",
            "nnc_eval_step", "nnc_train_loss"})
        genEntry(name, nullptr, {}, {});
    }
    // sample, reconstruct, encode: P R x y w hyper -> their slot (entry
    // points only where the train section defines them).
    for (auto [name, slot] : outputSlots()) {
      func::FuncOp f = genOutput(name, *outputGraph(name), slot);
      if (!f)
        return nullptr;
      genEntry("nnc_" + name.str(), f, concat({p, r, {a.x, a.y, a.w, a.hyper}}),
               {slot});
    }
    // forward: P R x hyper -> out C' (decoding models predict by decoding)
    genEntry("nnc_predict", decodeRun() ? nullptr : forward,
             concat({p, r, {a.x, a.hyper}}), concat({{a.out}, a.carried}));
    if (decodeRun() && !genDecode())
      return nullptr;
    // step: P R x1 hyper -> out1 C' (a no-op without carried buffers)
    func::FuncOp step = hasStep() ? genStep() : nullptr;
    if (hasStep() && !step)
      return nullptr;
    genEntry("nnc_sample_step", step, concat({p, r, {a.stepX, a.hyper}}),
             concat({{a.stepOut}, a.carried}));
    genDescriptor();
    return std::move(module);
  }

private:
  Arena arena;
  std::vector<StepGen> steps;

  /// --distributed N: data-parallel training of one step over batches of
  /// rows. Not yet: several steps, text streams (carried state), decoding and
  /// in-place (sparse) embedding updates, and --grad-norms.
  bool checkDistributed(Location at) {
    const TrainConfig &t = prog.train;
    auto no = [&](const char *what) {
      emitError(at) << "--distributed: " << what
                    << " cannot be trained on several ranks yet";
      return false;
    };
    if (!training())
      return no("a model without a train section");
    if (!prog.steps.empty())
      return no("a train section with several steps");
    if (t.gradNorms)
      return no("--grad-norms");
    if (numCarried() > 0 || t.data.kind == Dataset::Text)
      return no("a text stream (stateful layers)");
    if (prog.decode.present || t.data.kind == Dataset::Cmudict)
      return no("an encoder-decoder with decoding");
    if (t.data.kind == Dataset::Words)
      return no("skip-gram data");
    return true;
  }

  const Graph *outputGraph(StringRef name) const {
    if (name == "sample")
      return &prog.outputs.sample;
    if (name == "reconstruct")
      return &prog.outputs.reconstruct;
    return &prog.outputs.encode;
  }
  /// The outputs the train section defines, with their slots.
  SmallVector<std::pair<StringRef, size_t>> outputSlots() const {
    SmallVector<std::pair<StringRef, size_t>> out;
    for (auto [name, slot] : arena.outputs)
      out.push_back({name, slot});
    return out;
  }

  /// A model without a train section only predicts: no @loss, @eval_loss,
  /// @train_step or y/w/hyper/loss slots.
  bool training() const { return prog.train.present; }
  bool hasStep() const { return !prog.step.nodes.empty(); }
  bool decodeRun() const { return prog.decode.present; }
  size_t numCarried() const {
    return llvm::count_if(prog.buffers,
                          [](const Param &r) { return r.carried; });
  }

  /// Program::evalLoss, or Program::loss while the frontend leaves evalLoss
  /// empty: the two graphs are the same when there are no buffers and no
  /// random nodes (noise draws in train mode only).
  const Graph &evalLossGraph() const {
    if (!prog.evalLoss.results.empty() || !prog.buffers.empty())
      return prog.evalLoss;
    for (const Node &n : prog.loss.nodes)
      if (n.op == OpKind::DropoutMask || n.op == OpKind::FlipLr ||
          n.op == OpKind::RandomNormal || n.op == OpKind::RandomUniform)
        return prog.evalLoss;
    return prog.loss;
  }

  static SmallVector<size_t> slotRange(size_t first, size_t count) {
    SmallVector<size_t> v;
    for (size_t i = first; i < first + count; ++i)
      v.push_back(i);
    return v;
  }
  static SmallVector<size_t>
  concat(std::initializer_list<ArrayRef<size_t>> parts) {
    SmallVector<size_t> v;
    for (ArrayRef<size_t> part : parts)
      v.append(part.begin(), part.end());
    return v;
  }

  bool checkResults(const Graph &g, size_t n, StringRef name) {
    bool ok = g.results.size() == n;
    for (int r : g.results)
      ok &= r >= 0 && r < (int)g.nodes.size();
    if (!ok)
      emitError(loc(prog.modelLoc))
          << "internal error: the " << name << " graph must have " << n
          << " valid result(s)";
    return ok;
  }

  // Function signatures (docs/internals.md). P = params, S = optimizer state,
  // R = buffers.
  SmallVector<Type> paramTypes() { return shapesOf(prog.params); }
  SmallVector<Type> bufferTypes() { return shapesOf(prog.buffers); }
  SmallVector<Type> shapesOf(ArrayRef<Param> params) {
    SmallVector<Type> types;
    for (const Param &p : params)
      types.push_back(f32Type(p.shape));
    return types;
  }
  static int64_t statesPer(const Optimizer &o) {
    switch (o.kind) {
    case Optimizer::SGD:
      return 0;
    case Optimizer::Momentum:
      return 1;
    case Optimizer::Adam:
      return 2;
    }
    return 0;
  }
  /// Per parameter in order: momentum v_i; adam m_i, v_i.
  SmallVector<Type> stateTypes(const StepGen &st) {
    SmallVector<Type> types;
    for (size_t slot : st.states)
      types.push_back(arena.slots[slot].type);
    return types;
  }
  RankedTensorType xType() { return tensorType(prog.input); }
  RankedTensorType yType() { return tensorType(prog.target); }
  RankedTensorType wType() { return f32Type({kBatch}); }
  RankedTensorType hyperType() { return f32Type({4}); }
  RankedTensorType lossType() { return f32Type({}); }
  RankedTensorType outType() { return tensorType(*prog.outputType()); }
  RankedTensorType stepOutType() {
    const Graph &g = prog.step;
    return tensorType(g.nodes[g.results[0]].type);
  }
  /// out, then the carried buffers' types.
  SmallVector<Type> withCarried(ArrayRef<Type> first) {
    SmallVector<Type> types(first.begin(), first.end());
    for (const Param &r : prog.buffers)
      if (r.carried)
        types.push_back(f32Type(r.shape));
    return types;
  }

  /// Slots in descriptor order; states in the order of @train_step's S
  /// arguments, buffers in the order of R.
  void layoutArena() {
    auto add = [&](std::string role, std::string name, RankedTensorType type) {
      int64_t offset = llvm::alignTo(arena.bytes, kSlotAlign);
      arena.bytes = offset + type.getNumElements() * 4;
      arena.slots.push_back({std::move(role), std::move(name), type, offset});
      return arena.slots.size() - 1;
    };
    for (const Param &p : prog.params)
      add("param", p.name, f32Type(p.shape));
    arena.numParams = prog.params.size();
    // Each step's optimizer state (named "<step>/<param>.m" with several).
    for (StepGen &st : steps) {
      const char *suffixes[2] = {st.opt->kind == Optimizer::Adam ? ".m" : ".v",
                                 ".v"};
      std::string prefix = st.step ? st.step->name + "/" : "";
      for (const Param &p : prog.params)
        for (int64_t k = 0; k < statesPer(*st.opt); ++k)
          st.states.push_back(
              add("state", prefix + p.name + suffixes[k], f32Type(p.shape)));
      arena.numStates += st.states.size();
    }
    for (const Param &r : prog.buffers) {
      size_t slot =
          add(r.carried ? "carry" : "buffer", r.name, f32Type(r.shape));
      if (r.carried)
        arena.carried.push_back(slot);
    }
    arena.numBuffers = prog.buffers.size();
    arena.x = add("input", "x", xType());
    if (training()) {
      arena.y = add("target", "y", yType());
      arena.w = add("weight", "w", wType());
    }
    arena.hyper = add("hyper", "hyper", hyperType());
    for (StepGen &st : steps)
      st.lossSlot = add("loss", st.step ? st.step->name : "loss", lossType());
    arena.loss = steps.empty() ? 0 : steps[0].lossSlot;
    arena.out = add("output", "out", outType());
    for (StringRef name : {"sample", "reconstruct", "encode"}) {
      const Graph &g = *outputGraph(name);
      if (!g.results.empty())
        arena.outputs.push_back(
            {name, add(name.str(), name.str(),
                       tensorType(g.nodes[g.results[0]].type))});
    }
    if (decodeRun()) {
      const Decode &d = prog.decode;
      arena.decodeToken =
          add("decode_token", "token", tensorType(ElemType::I32, {kBatch, 1}));
      for (auto [name, type] : llvm::zip(d.carriedNames, d.carriedTypes))
        arena.decodeCarried.push_back(
            add("decode_state", name, tensorType(type)));
      const Graph &g = d.step;
      arena.decodeLogits = add("decode_logits", "logits",
                               tensorType(g.nodes[g.results[0]].type));
    }
    if (hasStep()) {
      arena.stepX = add("step_input", "x1", tensorType(prog.stepInput));
      arena.stepOut = add("step_output", "out1", stepOutType());
    }
    if (prog.train.gradNorms && training()) {
      for (const Param &p : prog.params)
        arena.norms.push_back(add("grad_norm", p.name, f32Type({})));
      // One [T] per state of each top-level scan of the loss, in order.
      for (const Node &n : prog.loss.nodes) {
        if (n.op != OpKind::Scan)
          continue;
        int64_t length = 0;
        for (const NodeAttr &a : n.attrs)
          if (a.name == "length")
            length = (int64_t)a.value;
        for (size_t j = n.index; j < n.operands.size(); ++j) {
          size_t k = j - n.index;
          std::string name = k < n.stateNames.size()
                                 ? n.stateNames[k]
                                 : "scan.state" + std::to_string(k);
          arena.norms.push_back(add("step_norm", name, f32Type({length})));
        }
      }
    }
    if (prog.train.checkNumerics && training())
      arena.numerics = add("numerics", "code", tensorType(ElemType::I32, {}));
    arena.bytes = llvm::alignTo(arena.bytes, kSlotAlign);
  }

  func::FuncOp createFunc(StringRef name, TypeRange args, TypeRange results,
                          bool isPrivate = true) {
    auto f = b.create<func::FuncOp>(loc(prog.modelLoc), name,
                                    b.getFunctionType(args, results));
    if (isPrivate)
      f.setPrivate();
    return f;
  }

  /// @forward(P..., R..., %x, %hyper) -> (%out, C'...) (eval mode)
  func::FuncOp genForward() {
    // A decoding model's forward is x itself (it predicts by decoding).
    return genFunc("forward", prog.forward, {xType()},
                   withCarried({decodeRun() ? xType() : outType()}),
                   /*hyperIsInput=*/false);
  }

  /// @step(P..., R..., %x1, %hyper) -> (%out1, C'...): forward at T = 1.
  func::FuncOp genStep() {
    return genFunc("step", prog.step, {tensorType(prog.stepInput)},
                   withCarried({stepOutType()}), /*hyperIsInput=*/false);
  }

  /// @decode_init(P..., R..., %x, %hyper) -> (context and states...) and
  /// @decode_step(P..., R..., %token, context..., states..., %hyper) ->
  /// (%logits, states'...), and their entry points (SemaDecode.cpp).
  bool genDecode() {
    const Decode &d = prog.decode;
    const Arena &a = arena;
    SmallVector<Type> carried;
    for (size_t slot : a.decodeCarried)
      carried.push_back(a.slots[slot].type);
    func::FuncOp init =
        genFunc("decode_init", d.init, {xType()}, carried, false);
    SmallVector<Type> inputs = {a.slots[a.decodeToken].type};
    inputs.append(carried);
    SmallVector<Type> results = {a.slots[a.decodeLogits].type};
    ArrayRef<size_t> states =
        ArrayRef<size_t>(a.decodeCarried).take_back(d.numStates);
    for (size_t slot : states)
      results.push_back(a.slots[slot].type);
    func::FuncOp step = genFunc("decode_step", d.step, inputs, results, false);
    if (!init || !step)
      return false;
    SmallVector<size_t> p = slotRange(0, a.numParams);
    SmallVector<size_t> r = slotRange(a.numParams + a.numStates, a.numBuffers);
    genEntry("nnc_decode_init", init, concat({p, r, {a.x, a.hyper}}),
             a.decodeCarried);
    genEntry("nnc_decode_step", step,
             concat({p, r, {a.decodeToken}, a.decodeCarried, {a.hyper}}),
             concat({{a.decodeLogits}, states}));
    return true;
  }

  /// @loss(P..., R..., %x, %y, %w, %hyper) -> (%loss: tensor<f32>, %out,
  /// R'...) {nn.loss} (train mode)
  func::FuncOp genLoss(const StepGen &st) {
    SmallVector<Type> results = {lossType(), outType()};
    results.append(bufferTypes());
    func::FuncOp f = genFunc("loss" + st.suffix, *st.loss,
                             {xType(), yType(), wType()}, results,
                             /*hyperIsInput=*/true);
    if (f)
      f->setAttr("nn.loss", b.getUnitAttr());
    return f;
  }

  /// @eval_loss(P..., R..., %x, %y, %w, %hyper) -> (%loss: tensor<f32>, %out,
  /// C'...)
  func::FuncOp genEvalLoss(const StepGen &st) {
    return genFunc("eval_loss" + st.suffix, *st.evalLoss,
                   {xType(), yType(), wType()},
                   withCarried({lossType(), outType()}), /*hyperIsInput=*/true);
  }

  /// @sample / @reconstruct / @encode(P..., R..., %x, %y, %w, %hyper) ->
  /// (%result) (eval mode).
  func::FuncOp genOutput(StringRef name, const Graph &g, size_t slot) {
    return genFunc(name, g, {xType(), yType(), wType()},
                   {arena.slots[slot].type}, /*hyperIsInput=*/true);
  }

  /// func.func private @name(P..., R..., inputs..., %hyper) -> results,
  /// filled with `g`. Every function takes hyper [lr, t, seed, 0] last: in a
  /// loss graph it is graph input 3 (`hyperIsInput`), in a forward or step
  /// graph the Hyper leaf.
  func::FuncOp genFunc(StringRef name, const Graph &g, ArrayRef<Type> inputs,
                       ArrayRef<Type> results, bool hyperIsInput) {
    SmallVector<Type> args = paramTypes();
    args.append(bufferTypes());
    args.append(inputs.begin(), inputs.end());
    args.push_back(hyperType());
    func::FuncOp f = createFunc(name, args, results);
    OpBuilder::InsertionGuard guard(b);
    Block *entry = f.addEntryBlock();
    b.setInsertionPointToStart(entry);
    ValueRange all = entry->getArguments();
    size_t n = prog.params.size(), m = prog.buffers.size();
    ValueRange graphInputs = all.drop_front(n + m);
    if (!hyperIsInput)
      graphInputs = graphInputs.drop_back();
    FailureOr<SmallVector<Value>> values = genGraph(
        g, {all.take_front(n), all.slice(n, m), graphInputs, {}, all.back()});
    if (failed(values))
      return nullptr;
    b.create<func::ReturnOp>(loc(prog.modelLoc), *values);
    return f;
  }

  /// @train_step(P..., S..., R..., %x, %y, %w, %hyper)
  ///     -> (%loss, %out, P'..., S'..., R'...)
  /// or @train_step_norms, the same then ||dL/dP_i||... (tensor<f32>) and
  /// ||dL/dh_t|| (tensor<Txf32>) per top-level scan state {nn.grad_norms},
  /// or @train_step_checked, the same then the numerics code (tensor<i32>)
  /// {nn.check_numerics}.
  enum class Variant { Plain, Norms, Checked };
  func::FuncOp genTrainStepDecl(func::FuncOp loss, const StepGen &st,
                                Variant variant) {
    bool norms = variant == Variant::Norms;
    std::string name = (variant == Variant::Norms     ? "train_step_norms"
                        : variant == Variant::Checked ? "train_step_checked"
                                                      : "train_step") +
                       st.suffix;
    SmallVector<Type> args = paramTypes();
    args.append(stateTypes(st));
    args.append(bufferTypes());
    args.append({xType(), yType(), wType(), hyperType()});
    SmallVector<Type> results = {lossType(), outType()};
    results.append(paramTypes());
    results.append(stateTypes(st));
    results.append(bufferTypes());
    if (norms)
      for (size_t slot : arena.norms)
        results.push_back(arena.slots[slot].type);
    if (variant == Variant::Checked)
      results.push_back(arena.slots[arena.numerics].type);
    func::FuncOp f = createFunc(name, args, results);
    if (norms)
      f->setAttr("nn.grad_norms", b.getUnitAttr());
    if (variant == Variant::Checked)
      f->setAttr("nn.check_numerics", b.getUnitAttr());
    if (prog.train.ranks > 0 && !norms)
      f->setAttr("nn.distributed", b.getUnitAttr());
    const Optimizer &opt = *st.opt;
    f->setAttr("nn.grad_of", SymbolRefAttr::get(loss));
    f->setAttr("nn.num_params", b.getI64IntegerAttr(prog.params.size()));
    f->setAttr(
        "nn.optimizer",
        b.getDictionaryAttr(
            {b.getNamedAttr("kind", b.getStringAttr(optimizerName(opt.kind))),
             b.getNamedAttr("momentum", b.getF32FloatAttr(opt.momentum)),
             b.getNamedAttr("beta1", b.getF32FloatAttr(opt.beta1)),
             b.getNamedAttr("beta2", b.getF32FloatAttr(opt.beta2)),
             b.getNamedAttr("eps", b.getF32FloatAttr(opt.eps))}));
    const TrainConfig &train = prog.train;
    if (train.truncate > 0)
      f->setAttr("nn.truncate", b.getI64IntegerAttr(train.truncate));
    double clipNorm = st.step ? st.step->clipNorm : train.clipNorm;
    double clipValue = st.step ? st.step->clipValue : train.clipValue;
    if (clipNorm > 0 || clipValue > 0) {
      SmallVector<NamedAttribute> clip;
      if (clipNorm > 0)
        clip.push_back(b.getNamedAttr("norm", b.getF32FloatAttr(clipNorm)));
      if (clipValue > 0)
        clip.push_back(b.getNamedAttr("value", b.getF32FloatAttr(clipValue)));
      f->setAttr("nn.clip", b.getDictionaryAttr(clip));
    }
    if (st.step) {
      SmallVector<int64_t> wrt(st.step->wrt.begin(), st.step->wrt.end());
      f->setAttr("nn.wrt", b.getDenseI64ArrayAttr(wrt));
      if (st.step->clipWeights > 0)
        f->setAttr("nn.clip_weights", b.getF32FloatAttr(st.step->clipWeights));
    }
    return f;
  }

  /// func.func @name(%arena: memref<NBYTESxi8>): view every slot, read the
  /// `ins` slots (`to_tensor restrict`) as `callee`'s arguments, call it, and
  /// materialize its first outs.size() results in the `outs` slots (further
  /// results are dropped). A slot that is read and written (P, S, R in
  /// train_step) gets a
  /// materialize WITHOUT `restrict`: `restrict` promises that no to_tensor
  /// reads the same buffer, and breaking that promise lets empty-tensor
  /// elimination overwrite a parameter while the backward pass still reads it.
  /// Write-only slots (loss, out) keep `restrict` so results are computed
  /// directly into the arena. Read-and-written slots are `writable`: the
  /// optimizer updates them in place (bufferization's analysis copies only
  /// where an old value is still read after the write).
  void genEntry(StringRef name, func::FuncOp callee, ArrayRef<size_t> ins,
                ArrayRef<size_t> outs) {
    Location l = loc(prog.modelLoc);
    auto arenaType = MemRefType::get({arena.bytes}, b.getI8Type());
    func::FuncOp f = createFunc(name, {arenaType}, {}, /*isPrivate=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(f.addEntryBlock());
    Value base = f.getArgument(0);
    if (!callee) {
      b.create<func::ReturnOp>(l);
      return;
    }

    std::set<size_t> used(ins.begin(), ins.end());
    used.insert(outs.begin(), outs.end());
    std::map<size_t, Value> views;
    for (size_t slot : used) {
      const Slot &s = arena.slots[slot];
      Value shift = b.create<arith::ConstantIndexOp>(l, s.offset);
      auto type = MemRefType::get(s.type.getShape(), s.type.getElementType());
      views[slot] =
          b.create<memref::ViewOp>(l, type, base, shift, ValueRange{});
    }
    std::set<size_t> read(ins.begin(), ins.end()),
        written(outs.begin(), outs.end());
    SmallVector<Value> args;
    for (size_t slot : ins)
      args.push_back(b.create<bufferization::ToTensorOp>(
          l, views[slot], /*restrict=*/true,
          /*writable=*/written.count(slot) > 0));
    auto call = b.create<func::CallOp>(l, callee, args);
    for (auto [slot, result] : llvm::zip(outs, call.getResults())) {
      bool restrict = !read.count(slot);
      b.create<bufferization::MaterializeInDestinationOp>(
          l, TypeRange{}, result, views[slot], restrict, /*writable=*/true);
    }
    b.create<func::ReturnOp>(l);
  }

  /// The descriptor text of docs/internals.md, NUL-terminated, as an
  /// external constant the runtime links against. Without a train section
  /// the optimizer/train/data records are left out.
  void genDescriptor() {
    const TrainConfig &train = prog.train;
    const Optimizer &opt = train.optimizer;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "nnc-model 1\n"
       << "source " << prog.sourceFile << "\n"
       << "model " << prog.modelName << "\n"
       << "batch " << batch << "\n"
       << "arena " << arena.bytes << "\n";
    if (training()) {
      os << "optimizer " << optimizerName(opt.kind) << " lr=" << fmt(opt.lr)
         << " momentum=" << fmt(opt.momentum) << " beta1=" << fmt(opt.beta1)
         << " beta2=" << fmt(opt.beta2) << " eps=" << fmt(opt.eps) << "\n"
         << "lr_schedule " << lrScheduleName(train.lrSchedule.kind)
         << " min=" << fmt(train.lrSchedule.min)
         << " every=" << train.lrSchedule.every
         << " gamma=" << fmt(train.lrSchedule.gamma) << "\n"
         << "train epochs=" << train.epochs << " seed=" << train.seed
         << " classification=" << (train.classification ? 1 : 0) << "\n";
      if (prog.decode.present) {
        const Decode &dc = prog.decode;
        os << "decode start=" << dc.start << " end=" << dc.end
           << " max_len=" << dc.maxLen << " beam=" << dc.beam
           << " length_penalty=" << fmt(dc.lengthPenalty)
           << " states=" << dc.numStates << "\n";
      }
      if (train.ignoreIndex >= 0)
        os << "ignore_index " << train.ignoreIndex << "\n";
      if (train.ranks > 0)
        os << "distributed ranks=" << train.ranks << "\n";
      // Several steps: in schedule order, each with its entry points' index.
      for (auto [k, st] : llvm::enumerate(prog.steps)) {
        const Optimizer &o = st.optimizer;
        os << "step " << st.name << " entry=" << k << " repeat=" << st.repeat
           << " optimizer=" << optimizerName(o.kind) << " lr=" << fmt(o.lr)
           << " clip_weights=" << fmt(st.clipWeights) << "\n";
      }
      const Dataset &d = train.data;
      if (d.kind == Dataset::FashionMnist) {
        os << "data fashion_mnist " << d.dir << "\n";
      } else if (d.kind == Dataset::Synthetic) {
        os << "data synthetic " << d.samples << " " << d.classes << " "
           << fmt(d.lo) << " " << fmt(d.hi) << "\n";
      } else if (d.kind == Dataset::Text) {
        os << "data text " << fmt(d.testFraction) << " " << d.file << "\n";
      } else if (d.kind == Dataset::Cmudict) {
        os << "data cmudict " << d.file << "\n";
      } else if (d.kind == Dataset::Words) {
        os << "data words " << d.vocab << " " << d.window << " " << d.negatives
           << " " << d.minCount << " " << fmt(d.subsample) << " " << d.file
           << "\n";
      } else {
        os << "data tensors\n";
        auto dataset = [&](StringRef name, ArrayRef<int64_t> shape,
                           ArrayRef<float> values) {
          os << "dataset " << name << " " << dimsStr(shape);
          for (float v : values)
            os << " " << fmt(v);
          os << "\n";
        };
        dataset("x", d.xShape, d.x);
        dataset("y", d.yShape, d.y);
      }
    }
    for (auto [i, s] : llvm::enumerate(arena.slots)) {
      os << "slot " << s.role << " " << s.name << " "
         << (s.type.getElementType().isF32() ? "f32" : "i32") << " "
         << shapeStr(s.type) << " " << s.offset << "\n";
      if (s.role == "param")
        printInit(os, prog.params[i].init);
      if (s.role == "buffer")
        printInit(os, prog.buffers[i - arena.numParams - arena.numStates].init);
    }
    text.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
    b.create<LLVM::GlobalOp>(loc(prog.modelLoc), type, /*isConstant=*/true,
                             LLVM::Linkage::External, "nnc_model_desc",
                             b.getStringAttr(text));
  }
};

} // namespace

OwningOpRef<ModuleOp> mlirGen(MLIRContext &context, const Program &prog,
                              int64_t batch) {
  context.loadDialect<nn::NNDialect, func::FuncDialect, arith::ArithDialect,
                      memref::MemRefDialect,
                      bufferization::BufferizationDialect, LLVM::LLVMDialect>();
  return MLIRGenImpl(context, prog, batch).gen();
}

} // namespace nnc
