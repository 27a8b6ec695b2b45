//===- nn-opt.cpp - the nn dialect's opt tool -------------------*- C++ -*-===//
//
// An mlir-opt for nnc: parses, verifies and transforms modules of the nn
// dialect and the upstream dialects it lowers to, with the nn passes
// (nn-pool-before-activation, nn-autodiff, nn-lower-to-linalg), a few
// generic cleanups (canonicalize, cse, inline, symbol-dce) and, when built
// with NNCCodegen, the codegen pipelines. Used by the lit tests of every
// stage after MLIRGen.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Transforms/Passes.h"
#include "nnc/Codegen.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
  nnc::registerNNPasses();
  nnc::registerCodegenPipelines();

  mlir::DialectRegistry registry;
  registry.insert<nnc::nn::NNDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::scf::SCFDialect, mlir::memref::MemRefDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::vector::VectorDialect, mlir::LLVM::LLVMDialect>();
  mlir::func::registerInlinerExtension(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nnc optimizer driver\n", registry));
}
