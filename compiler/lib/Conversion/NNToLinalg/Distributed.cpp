//===- Distributed.cpp - Lowering of nn.all_reduce ------------------------===//
//
// `nnc build --distributed N`: the gradient is copied into a buffer of its
// own, the runtime's nnc_all_reduce (runtime/mpi/AllReduce.cpp) replaces it
// in place with the combination over the ranks, and the buffer becomes the
// result tensor:
//
//   %buf = memref.alloc() : memref<Nxf32>           (N = the gradient's size)
//   bufferization.materialize_in_destination %flat in writable %buf
//   %p = memref.extract_aligned_pointer_as_index %buf
//   func.call @nnc_all_reduce(%p, N) : (index, index) -> ()
//   %r = bufferization.to_tensor %buf restrict writable
//
// (The pointer passes as an integer: the entries use the bare-pointer calling
// convention, which has no dynamically sized memref argument.)
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

struct AllReduceLowering : OpConversionPattern<nn::AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AllReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t n = type.getNumElements();
    // [N] and back: one group of every dim (none for a scalar, which
    // expands to [1] instead).
    unsigned rank = type.getRank();
    auto flatType = RankedTensorType::get({n}, type.getElementType());
    SmallVector<ReassociationIndices> groups;
    if (rank > 0)
      groups.push_back(llvm::to_vector(llvm::seq<int64_t>(0, rank)));
    Value flat = adaptor.getInput();
    if (rank == 0)
      flat =
          rewriter.create<tensor::ExpandShapeOp>(loc, flatType, flat, groups);
    else if (rank > 1)
      flat = rewriter.create<tensor::CollapseShapeOp>(loc, flat, groups);
    auto bufType = MemRefType::get({n}, type.getElementType());
    Value buf = rewriter.create<memref::AllocOp>(loc, bufType);
    auto copy = rewriter.create<bufferization::MaterializeInDestinationOp>(
        loc, flat, buf);
    copy.setWritable(true);
    Value ptr =
        rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buf);
    Value size = rewriter.create<arith::ConstantIndexOp>(loc, n);
    rewriter.create<func::CallOp>(loc, "nnc_all_reduce", TypeRange{},
                                  ValueRange{ptr, size});
    Value result = rewriter.create<bufferization::ToTensorOp>(
        loc, flatType, buf,
        /*restrict=*/true, /*writable=*/true);
    if (rank == 0)
      result =
          rewriter.create<tensor::CollapseShapeOp>(loc, type, result, groups);
    else if (rank > 1)
      result =
          rewriter.create<tensor::ExpandShapeOp>(loc, type, result, groups);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void nntolinalg::populateDistributedLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AllReduceLowering>(patterns.getContext());
}
