//===- OutlineKernels.cpp - One function per distinct kernel --------------===//
//
// After bufferization, every top-level loop nest or structured op of the
// entry functions (a kernel: an op with regions and no results) moves into a
// private function of its own, and identical kernels become one function
// called from every place that had one. The forward pass of the four entry
// points and a model's repeated blocks then lower, translate and compile
// once, and the function-level passes after this one run on the kernels in
// parallel.
//
//   %v = memref.view %arena[%c4096][] : memref<Nxi8> to memref<64x256xf32>
//   scf.forall (%i) in (2) { ... %v ... }
// =>
//   func.call @nnc_kernel_3(%v) : (memref<64x256xf32>) -> ()
//
// A kernel's arguments are the memrefs with identity layouts and the scalars
// it uses from outside; constants and view-like ops (subviews, reshapes) on
// its path are cloned into it, so every argument passes as a bare pointer
// (the calling convention of the entry points). Two kernels are the same when
// their ops, attributes, types and use-def structure are, ignoring
// locations (a merged kernel keeps the first one's .nn locations).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace {

/// Ops cloned into a kernel rather than passed to it.
bool clonedIntoKernel(Operation *op) {
  return op && op->getNumRegions() == 0 && op->getNumResults() == 1 &&
         isMemoryEffectFree(op) &&
         (op->hasTrait<OpTrait::ConstantLike>() ||
          isa<ViewLikeOpInterface, memref::ExpandShapeOp,
              memref::CollapseShapeOp, memref::ReinterpretCastOp,
              memref::CastOp>(op));
}

/// A value passes as a bare pointer or a scalar.
bool passable(Value v) {
  if (auto type = dyn_cast<MemRefType>(v.getType()))
    return type.hasStaticShape() && type.getLayout().isIdentity();
  return v.getType().isIntOrIndexOrFloat();
}

/// The kernel's arguments (in first-use order) and the ops to clone into it
/// (in dominance order); false when some value used can be neither.
bool collectInputs(Operation *kernel, SetVector<Value> &args,
                   SetVector<Operation *> &clones) {
  // A kernel that frees a buffer from outside stays: a bare pointer is the
  // aligned one, not the one malloc returned.
  WalkResult frees = kernel->walk([&](memref::DeallocOp op) {
    return kernel->isAncestor(op.getMemref().getParentBlock()->getParentOp())
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  if (frees.wasInterrupted())
    return false;
  SetVector<Value> used;
  getUsedValuesDefinedAbove(kernel->getRegions(), used);
  used.insert(kernel->getOperands().begin(), kernel->getOperands().end());
  SmallVector<Value> work(used.begin(), used.end());
  SetVector<Operation *> pulled;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    // Constants, and views a bare pointer cannot carry, are cloned; a view
    // with an identity layout (an arena slot) is passed.
    if (clonedIntoKernel(def) &&
        (def->hasTrait<OpTrait::ConstantLike>() || !passable(v))) {
      if (pulled.insert(def))
        work.append(def->getOperands().begin(), def->getOperands().end());
      continue;
    }
    if (!passable(v))
      return false;
    args.insert(v);
  }
  // Clone in the order the ops appear in the entry function.
  SmallVector<Operation *> ordered(pulled.begin(), pulled.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  clones.insert(ordered.begin(), ordered.end());
  return true;
}

/// The structure of a function: op names, attributes, result and block
/// argument types, and each operand as the number of the value it names
/// (values numbered in definition order) or, for a constant, as the
/// constant itself (so the order in which constants were cloned in does not
/// matter). Equal fingerprints mean the same computation on the same
/// argument types.
std::vector<const void *> fingerprint(func::FuncOp f) {
  std::vector<const void *> fp;
  DenseMap<Value, intptr_t> numbers;
  auto push = [&](intptr_t n) {
    fp.push_back(reinterpret_cast<const void *>(n));
  };
  auto describe = [&](Operation *op) {
    fp.push_back(op->getName().getAsOpaquePointer());
    fp.push_back(op->getRawDictionaryAttrs().getAsOpaquePointer());
    fp.push_back(op->getPropertiesAsAttribute().getAsOpaquePointer());
    for (Type t : op->getResultTypes())
      fp.push_back(t.getAsOpaquePointer());
  };
  auto define = [&](Value v) {
    numbers.try_emplace(v, numbers.size());
    fp.push_back(v.getType().getAsOpaquePointer());
  };
  for (BlockArgument a : f.getArguments())
    define(a);
  f.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op->hasTrait<OpTrait::ConstantLike>())
      return;
    describe(op);
    push(op->getNumOperands());
    for (Value v : op->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>()) {
        push(-1);
        describe(def);
        continue;
      }
      // Operands dominate their uses, so v has a number.
      auto it = numbers.find(v);
      assert(it != numbers.end() && "operand used before its definition");
      push(it->second);
    }
    push(op->getNumSuccessors()); // none before scf-to-cf
    push(op->getNumRegions());
    for (Region &r : op->getRegions()) {
      push(r.getBlocks().size());
      for (Block &b : r) {
        push(b.getNumArguments());
        for (BlockArgument a : b.getArguments())
          define(a);
      }
    }
    for (Value v : op->getResults())
      define(v);
  });
  return fp;
}

struct OutlineKernelsPass
    : public PassWrapper<OutlineKernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(OutlineKernelsPass)
  StringRef getArgument() const override { return "nnc-outline-kernels"; }
  StringRef getDescription() const override {
    return "Outline every top-level loop nest into a function; one function "
           "per distinct kernel";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<func::FuncDialect, LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::map<std::vector<const void *>, func::FuncOp> kernels;
    unsigned count = 0;
    SmallVector<func::FuncOp> entries(module.getOps<func::FuncOp>());
    for (func::FuncOp entry : entries) {
      if (entry.isExternal() || !entry.getBody().hasOneBlock())
        continue;
      for (Operation &op :
           llvm::make_early_inc_range(entry.getBody().front())) {
        if (op.getNumRegions() == 0 || op.getNumResults() != 0)
          continue;
        SetVector<Value> args;
        SetVector<Operation *> clones;
        if (!collectInputs(&op, args, clones))
          continue;
        func::FuncOp kernel = outline(module, op, args, clones, count++);
        auto [it, inserted] = kernels.try_emplace(fingerprint(kernel), kernel);
        if (!inserted) {
          kernel.erase();
          kernel = it->second;
        }
        OpBuilder b(&op);
        b.create<func::CallOp>(op.getLoc(), kernel, args.getArrayRef());
        op.erase();
      }
    }
  }

  /// @nnc_kernel_<n>(args) { clones; op; return }, after the entries.
  func::FuncOp outline(ModuleOp module, Operation &op,
                       const SetVector<Value> &args,
                       const SetVector<Operation *> &clones, unsigned n) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    SmallVector<Type> types;
    for (Value v : args)
      types.push_back(v.getType());
    auto kernel = b.create<func::FuncOp>(op.getLoc(),
                                         ("nnc_kernel_" + llvm::Twine(n)).str(),
                                         b.getFunctionType(types, {}));
    kernel.setPrivate();
    // Internal in LLVM IR (func-to-llvm reads this), so LLVM may inline a
    // kernel called once and drops it then.
    kernel->setAttr(
        "llvm.linkage",
        LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
    Block *body = kernel.addEntryBlock();
    IRMapping map;
    for (auto [v, arg] : llvm::zip(args, body->getArguments()))
      map.map(v, arg);
    b.setInsertionPointToStart(body);
    for (Operation *c : clones)
      b.clone(*c, map);
    b.clone(op, map);
    b.create<func::ReturnOp>(op.getLoc());
    return kernel;
  }
};

} // namespace

std::unique_ptr<Pass> nnc::createOutlineKernelsPass() {
  return std::make_unique<OutlineKernelsPass>();
}
