//===- GraphEmitter.h - Program graphs to nn ops -----------------*- C++
//-*-===//
//
// The part of MLIRGen that emits a Program graph's nodes as nn ops (a Region
// node as an op with its body), with the types and locations they need.
// MLIRGenImpl (MLIRGen.cpp) builds the functions and entry points on top.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_MLIRGEN_GRAPHEMITTER_H
#define NNC_LIB_MLIRGEN_GRAPHEMITTER_H

#include "nnc/Program.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OwningOpRef.h"

namespace nnc {

class GraphEmitter {
protected:
  GraphEmitter(mlir::MLIRContext &ctx, const Program &prog, int64_t batch)
      : ctx(ctx), b(&ctx), prog(prog), batch(batch) {}

  mlir::MLIRContext &ctx;
  mlir::OpBuilder b;
  const Program &prog;
  int64_t batch;
  mlir::OwningOpRef<mlir::ModuleOp> module;

  /// A source position; one without a line (e.g. an unset Program::modelLoc)
  /// becomes file:1:1 so diagnostics still name the file.
  mlir::Location loc(const Loc &l) {
    if (l.line <= 0)
      return mlir::FileLineColLoc::get(&ctx, prog.sourceFile, 1, 1);
    return mlir::FileLineColLoc::get(
        &ctx, l.file.empty() ? prog.sourceFile : l.file, l.line, l.col);
  }

  mlir::Type elemType(ElemType t) {
    return t == ElemType::F32 ? mlir::Type(b.getF32Type()) : b.getI32Type();
  }

  mlir::RankedTensorType tensorType(ElemType elem,
                                    llvm::ArrayRef<int64_t> dims) {
    llvm::SmallVector<int64_t> shape;
    for (int64_t d : dims)
      shape.push_back(d == kBatch ? batch : d);
    return mlir::RankedTensorType::get(shape, elemType(elem));
  }
  mlir::RankedTensorType tensorType(const TensorType &t) {
    return tensorType(t.elem, t.dims);
  }
  mlir::RankedTensorType f32Type(llvm::ArrayRef<int64_t> dims) {
    return tensorType(ElemType::F32, dims);
  }

  /// The values of Param, Buffer and Input nodes (by index) in a function
  /// or a body, and in a body those of the enclosing graph's nodes (Outer).
  struct Leaves {
    mlir::ValueRange params, buffers, inputs;
    llvm::ArrayRef<mlir::Value> outer = {};
    mlir::Value hyper = {}; ///< the function's last argument (Hyper leaves)
  };

  /// Emits `g`'s nodes into the current block. Returns the values of
  /// g.results.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  genGraph(const Graph &g, const Leaves &leaves);
  mlir::FailureOr<mlir::Value> genNode(const Node &node, mlir::Location l,
                                       mlir::ValueRange operands,
                                       const Leaves &leaves);
  mlir::FailureOr<mlir::Value> genRegion(const Node &node, mlir::Location l,
                                         mlir::ValueRange operands,
                                         const Leaves &leaves,
                                         llvm::ArrayRef<mlir::Value> outer);
  mlir::Attribute attr(const NodeAttr &a);
  mlir::FailureOr<mlir::Value> genConst(const Node &node, mlir::Location l,
                                        mlir::RankedTensorType type);
  /// Malformed Programs are frontend bugs, reported at the node.
  static mlir::FailureOr<mlir::Value> fail(mlir::Location l,
                                           const llvm::Twine &msg);
  mlir::FailureOr<mlir::Value>
  create(llvm::StringRef name, mlir::Location l, mlir::TypeRange types,
         mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
};

} // namespace nnc

#endif // NNC_LIB_MLIRGEN_GRAPHEMITTER_H
