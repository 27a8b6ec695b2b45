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
    Value flat = adaptor.getInput();
    if (type.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < type.getRank(); ++d)
        all.push_back(d);
      auto flatType = RankedTensorType::get({n}, type.getElementType());
      flat =
          type.getRank() == 0
              ? rewriter
                    .create<tensor::ExpandShapeOp>(
                        loc, flatType, flat, ArrayRef<ReassociationIndices>{})
                    .getResult()
              : rewriter
                    .create<tensor::CollapseShapeOp>(
                        loc, flat, ArrayRef<ReassociationIndices>{all})
                    .getResult();
    }
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
        loc, RankedTensorType::get({n}, type.getElementType()), buf,
        /*restrict=*/true, /*writable=*/true);
    if (type.getRank() == 1) {
      rewriter.replaceOp(op, result);
    } else if (type.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, type, result, ArrayRef<ReassociationIndices>{});
    } else {
      ReassociationIndices all;
      for (int64_t d = 0; d < type.getRank(); ++d)
        all.push_back(d);
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, type, result, ArrayRef<ReassociationIndices>{all});
    }
    return success();
  }
};

} // namespace

void nntolinalg::populateDistributedLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AllReduceLowering>(patterns.getContext());
}
