//===- VectorizeRewrites.cpp - IR rewrites before the vector schedule -----===//
//
// The rewrites Vectorize.cpp runs on the linalg module before it builds its
// transform script: B packed into panels, B^T materialized, elementwise chains
// fused, copies into slices. See VectorizeRewrites.h.
//
//===----------------------------------------------------------------------===//
#include "VectorizeRewrites.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

namespace nnc::vectorize {

/// B rows at least this far apart (bytes) alias in the L1 sets: the register
/// tile's nr-wide rows of B then come from L2 on every k step.
constexpr int64_t kPackRowBytes = 4096;

/// C = A B with rows of B kPackRowBytes or more apart (square 1024: a 4 KiB
/// stride) => B packed into column panels nr wide, each one contiguous, and
/// one GEMM per panel into C's nr columns:
///   Bp[j, k, l] = B[k, j nr + l]                    (one transpose pass)
///   for j: C[:, j nr : (j + 1) nr] = A Bp[j]        (linalg.matmul, M x nr)
/// so the register tile reads nr floats that follow the previous k's (1024
/// at 1 thread: 91-97 -> 100-104 GFLOP/s, alternating runs). As one generic
/// over (m, j, l, k) instead, the unit dims folded away and the vectorizer
/// made broadcasts and shuffles (32 GFLOP/s).
/// Measured on AVX-512 only (Zen 4); AVX2 hosts keep the unpacked GEMM.
void packWideRhs(ModuleOp module, const HostBlocking &hb) {
  if (hb.lanes != 16)
    return;
  SmallVector<linalg::MatmulOp> ops;
  module.walk([&](linalg::MatmulOp op) {
    // Not inside a loop (a chunk's GEMM would repack the same B every
    // iteration); static f32 shapes (the panels' slices need them).
    if (!op.hasPureTensorSemantics() ||
        op->getParentOfType<LoopLikeOpInterface>())
      return;
    auto b = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
    auto c = cast<RankedTensorType>(op.getDpsInits()[0].getType());
    if (b.hasStaticShape() && c.hasStaticShape() &&
        b.getElementType().isF32() && b.getDimSize(1) * 4 >= kPackRowBytes &&
        b.getDimSize(1) % hb.nr == 0)
      ops.push_back(op);
  });
  for (linalg::MatmulOp op : ops) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    auto outType = cast<RankedTensorType>(out.getType());
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1),
            m = outType.getDimSize(0), nr = hb.nr;
    Type f32 = rhsType.getElementType();
    Value panels = b.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get({k, n / nr, nr}, f32), rhs,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    Value packed = b.create<linalg::TransposeOp>(
                        loc, panels,
                        b.create<tensor::EmptyOp>(
                             loc, ArrayRef<int64_t>{n / nr, k, nr}, f32)
                            .getResult(),
                        ArrayRef<int64_t>{1, 0, 2})
                       ->getResult(0);
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    auto loop = b.create<scf::ForOp>(
        loc, zero, b.create<arith::ConstantIndexOp>(loc, n / nr),
        b.create<arith::ConstantIndexOp>(loc, 1), ValueRange{out},
        [&](OpBuilder &lb, Location l, Value j, ValueRange acc) {
          auto idx = [&](int64_t v) -> OpFoldResult {
            return lb.getIndexAttr(v);
          };
          Value panel = lb.create<tensor::ExtractSliceOp>(
              l, RankedTensorType::get({k, nr}, f32), packed,
              SmallVector<OpFoldResult>{j, idx(0), idx(0)},
              SmallVector<OpFoldResult>{idx(1), idx(k), idx(nr)},
              SmallVector<OpFoldResult>{idx(1), idx(1), idx(1)});
          Value col = lb.create<arith::MulIOp>(
              l, j, lb.create<arith::ConstantIndexOp>(l, nr));
          SmallVector<OpFoldResult> offsets = {idx(0), col},
                                    sizes = {idx(m), idx(nr)},
                                    strides = {idx(1), idx(1)};
          Value cj = lb.create<tensor::ExtractSliceOp>(
              l, RankedTensorType::get({m, nr}, f32), acc[0], offsets, sizes,
              strides);
          Value r = lb.create<linalg::MatmulOp>(l, ValueRange{lhs, panel}, cj)
                        .getResult(0);
          lb.create<scf::YieldOp>(l,
                                  ValueRange{lb.create<tensor::InsertSliceOp>(
                                      l, r, acc[0], offsets, sizes, strides)});
        });
    Value c = loop.getResult(0);
    op->replaceAllUsesWith(ValueRange{c});
    op->erase();
  }
}

/// C += A B^T  =>  C += A (B^T materialized). The outer-product kernel reads
/// rows of B; reading B^T in place would be a strided gather per FMA, the
/// explicit transpose is one pass over B. When B is the big operand (dx = dy
/// W^T of a dense layer: A [64, 256], B [784, 256]), C^T = B A^T is computed
/// instead and transposed back: M K + M N elements moved instead of N K (66K
/// instead of 200K floats), the same sums in the same order.
void materializeTransposedRhs(ModuleOp module) {
  SmallVector<linalg::MatmulTransposeBOp> ops;
  module.walk([&](linalg::MatmulTransposeBOp op) { ops.push_back(op); });
  for (linalg::MatmulTransposeBOp op : ops) {
    if (!op.hasPureTensorSemantics())
      continue;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value lhs = op.getDpsInputs()[0],
          rhs = op.getDpsInputs()[1]; // [M, K], [N, K]
    Value out = op.getDpsInits()[0];  // [M, N]
    Type f32 = cast<RankedTensorType>(rhs.getType()).getElementType();
    auto transpose = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      Value init = b.create<tensor::EmptyOp>(
          loc, ArrayRef<int64_t>{t.getDimSize(1), t.getDimSize(0)}, f32);
      return b
          .create<linalg::TransposeOp>(loc, v, init, ArrayRef<int64_t>{1, 0})
          ->getResult(0);
    };
    int64_t m = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
    int64_t n = cast<RankedTensorType>(rhs.getType()).getDimSize(0);
    int64_t k = cast<RankedTensorType>(rhs.getType()).getDimSize(1);
    if (m * k + m * n < n * k) {
      auto fill = out.getDefiningOp<linalg::FillOp>();
      Value outT =
          fill
              ? b.create<linalg::FillOp>(loc, fill.getDpsInputs()[0],
                                         b.create<tensor::EmptyOp>(
                                              loc, ArrayRef<int64_t>{n, m}, f32)
                                             .getResult())
                    .getResult(0)
              : transpose(out);
      Value cT =
          b.create<linalg::MatmulOp>(loc, outT.getType(),
                                     ValueRange{rhs, transpose(lhs)}, outT)
              ->getResult(0); // [N, M]
      op->replaceAllUsesWith(ValueRange{transpose(cT)});
      op->erase();
      if (fill && fill->use_empty())
        fill->erase();
      continue;
    }
    auto mm = b.create<linalg::MatmulOp>(loc, op->getResultTypes(),
                                         ValueRange{lhs, transpose(rhs)}, out);
    op->replaceAllUsesWith(mm->getResults());
    op->erase();
  }
}

/// Decomposes pads, and fuses a producer generic into its consumer generic
/// when both are all parallel (bias + activation, the optimizer's
/// arithmetic): one pass over memory instead of one per op. Only these
/// patterns, and reshape folding only between two such generics: upstream's
/// linalg-fuse-elementwise-ops folds any reshape, into named ops too, which
/// turned im2col matmuls into 5-loop generics the schedule cannot tile.
void fuseElementwiseChains(ModuleOp module) {
  auto allParallel = [](Operation *op) {
    auto g = dyn_cast_or_null<linalg::GenericOp>(op);
    return g && g.getNumReductionLoops() == 0;
  };
  RewritePatternSet patterns(module.getContext());
  // tensor.pad -> fill + insert_slice: the fill is scheduled like any op and
  // the producer of the padded tensor writes straight into its interior
  // (empty-tensor elimination), instead of a scalar copy loop.
  patterns.add<linalg::GeneralizePadOpPattern>(module.getContext());
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [&](OpOperand *operand) {
        return allParallel(operand->get().getDefiningOp()) &&
               allParallel(operand->getOwner());
      });
  // A collapse_shape between two such generics (a pool gradient computed per
  // window element, then the activation's gradient) moves past the consumer,
  // which is expanded to the producer's loops, so that the two fuse.
  linalg::populateFoldReshapeOpsByExpansionPatterns(
      patterns, [&](OpOperand *operand) {
        auto collapse = operand->get().getDefiningOp<tensor::CollapseShapeOp>();
        return collapse && allParallel(operand->getOwner()) &&
               allParallel(collapse.getSrc().getDefiningOp());
      });
  (void)applyPatternsAndFoldGreedily(module, std::move(patterns));
}

/// tensor.insert_slice %src into %dst (a padded input, a concat): the pad
/// and concat lowerings create %dst after %src's producer, so bufferization
/// cannot compute %src straight into the slice (empty-tensor elimination
/// needs %dst to dominate it) and copied it with a serial loop after
/// bufferization (76 MB a step in the inception block). As an explicit
/// linalg.copy into the slice (extract_slice %dst -> copy -> insert_slice,
/// which bufferizes in place) the copy is scheduled like any op: split over
/// the threads and vectorized.
void copyIntoSlices(ModuleOp module) {
  SmallVector<tensor::InsertSliceOp> ops;
  module.walk([&](tensor::InsertSliceOp op) {
    RankedTensorType type = op.getSourceType();
    if (type.hasStaticShape() && type.getNumElements() >= kMinParallelElements)
      ops.push_back(op);
  });
  for (tensor::InsertSliceOp op : ops) {
    OpBuilder b(op);
    Value slice = b.create<tensor::ExtractSliceOp>(
        op.getLoc(), op.getSourceType(), op.getDest(), op.getMixedOffsets(),
        op.getMixedSizes(), op.getMixedStrides());
    // linalg.copy, not an identity generic: canonicalization folds that away.
    auto copy = b.create<linalg::CopyOp>(op.getLoc(), op.getSource(), slice);
    op.getSourceMutable().assign(copy->getResult(0));
  }
}

} // namespace nnc::vectorize
