//===- LowerToLinalg.cpp - nn-lower-to-linalg -------------------*- C++ -*-===//
//
// Lowers every nn op to linalg/tensor/arith/math on tensors, one conversion
// pattern per op family, each with its rewrite as an equation above it:
// matmul to linalg.matmul (or a transposed variant) into a zero fill;
// elementwise and broadcasting ops to one parallel linalg.generic whose
// indexing maps do the broadcasting; softmax, the losses, their gradients,
// weighted_mean and unbroadcast to linalg.generic reductions followed by
// elementwise generics; optimizer updates to one elementwise generic each.
// Convolutions are shaped for codegen, which has fast schedules for plain
// (transposed) matmuls and linalg.conv_2d_nhwc_hwcf and vectorizes other
// generics along their last loop: conv2d is conv_2d_nhwc_hwcf on the padded
// input (1x1 unpadded: a GEMM; 3x3 stride 1 with 16+ channels: Winograd
// F(2x2, 3x3), 16 GEMMs between transforms); conv2d_grad_filter is an im2col
// copy (C innermost) and one GEMM (Winograd F(3x3, 2x2) for the same 3x3
// shapes); conv2d_grad_input is, for stride 1, the convolution of the padded
// dy with the rotated filter (direct or Winograd), otherwise one GEMM to
// columns and a col2im of KH KW elementwise adds into strided slices (along
// W for one channel).
// Pools are window reductions with C last; their gradients reuse col2im.
// nn.scan becomes an scf.for over time carrying its states and stacked
// outputs, the body moved into the loop (and lowered like any other ops).
// Nothing is fused here (that is codegen's job). The nn dialect is illegal,
// so an op without a pattern makes the pass fail.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "nnc/Transforms/Passes.h"

namespace nnc {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {
struct LowerToLinalgPass : nnc::impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<nn::NNDialect>();
    target.addLegalDialect<
        linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
        math::MathDialect, func::FuncDialect, scf::SCFDialect,
        memref::MemRefDialect, bufferization::BufferizationDialect>();
    RewritePatternSet patterns(ctx);
    populateMatMulLoweringPatterns(patterns);
    populateElementwiseLoweringPatterns(patterns);
    populateReductionLoweringPatterns(patterns);
    populateOptimizerLoweringPatterns(patterns);
    populateConvolutionLoweringPatterns(patterns);
    populatePoolingLoweringPatterns(patterns);
    populateShapeOpLoweringPatterns(patterns);
    populateRandomLoweringPatterns(patterns);
    populateScanLoweringPatterns(patterns);
    populateSequenceLoweringPatterns(patterns);
    populateNumericsLoweringPatterns(patterns);
    populateDistributedLoweringPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
