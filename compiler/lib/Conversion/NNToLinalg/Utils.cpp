//===- Utils.cpp - nn-lower-to-linalg internals -----------------*- C++ -*-===//
//
// The building blocks declared in Utils.h: constants, inits, affine maps,
// generic builders, NumPy broadcasting, window geometry and col2im, and the
// chunk loops over a batch.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

namespace nnc::nntolinalg {

Value f32(OpBuilder &b, Location loc, double v) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
}

Value constant(OpBuilder &b, Location loc, FloatAttr attr) {
  return b.create<arith::ConstantOp>(loc, attr);
}

Value empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  return b.create<tensor::EmptyOp>(loc, shape, b.getF32Type());
}

Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, double v) {
  return b
      .create<linalg::FillOp>(loc, ValueRange{f32(b, loc, v)},
                              ValueRange{empty(b, loc, shape)})
      .getResult(0);
}

AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(n, 0, exprs, ctx);
}

AffineMap identityMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx);
}

AffineMap batchMap(MLIRContext *ctx, unsigned n) {
  return dimsMap(ctx, n, {0});
}

AffineMap rowMap(MLIRContext *ctx, unsigned n) {
  return dimsMap(ctx, n, llvm::to_vector(llvm::seq<unsigned>(0, n - 1)));
}

AffineMap scalarMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, {}, ctx);
}

SmallVector<IteratorType> parallel(unsigned n) {
  return SmallVector<IteratorType>(n, IteratorType::parallel);
}

SmallVector<IteratorType> reduceLast(unsigned n) {
  SmallVector<IteratorType> iters = parallel(n);
  iters.back() = IteratorType::reduction;
  return iters;
}

SmallVector<IteratorType> reducePerSample(unsigned n) {
  SmallVector<IteratorType> iters(n, IteratorType::reduction);
  iters.front() = IteratorType::parallel;
  return iters;
}

SmallVector<Value> generic(OpBuilder &b, Location loc, ValueRange inputs,
                           ValueRange inits, ArrayRef<AffineMap> maps,
                           ArrayRef<IteratorType> iters, BodyFn body) {
  auto op = b.create<linalg::GenericOp>(
      loc, TypeRange(inits), inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args));
      });
  return SmallVector<Value>(op.getResults());
}

SmallVector<Value> addBody(OpBuilder &b, Location l, ValueRange a) {
  return {b.create<arith::AddFOp>(l, a[1], a[0])};
}

Value sumFirstDim(OpBuilder &b, Location loc, Value p) {
  auto type = cast<RankedTensorType>(p.getType());
  unsigned rank = type.getRank();
  SmallVector<IteratorType> iters = parallel(rank);
  iters.front() = IteratorType::reduction;
  return generic(b, loc, p, filled(b, loc, type.getShape().drop_front(), 0.0),
                 {identityMap(b.getContext(), rank),
                  dimsMap(b.getContext(), rank,
                          llvm::to_vector(llvm::seq<unsigned>(1, rank)))},
                 iters, addBody)[0];
}

SmallVector<ReassociationIndices> unitDimGroups(ArrayRef<bool> keep) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices leading;
  for (auto [i, k] : llvm::enumerate(keep)) {
    if (k) {
      leading.push_back(i);
      groups.push_back(leading);
      leading.clear();
    } else if (groups.empty()) {
      leading.push_back(i);
    } else {
      groups.back().push_back(i);
    }
  }
  return groups;
}

std::pair<Value, AffineMap> alignInput(OpBuilder &b, Location loc, Value v,
                                       ArrayRef<int64_t> iter) {
  auto type = cast<RankedTensorType>(v.getType());
  unsigned offset = iter.size() - type.getRank();
  SmallVector<bool> keep;
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < type.getRank(); ++i) {
    keep.push_back(!(type.getDimSize(i) == 1 && iter[offset + i] != 1));
    if (keep.back())
      dims.push_back(offset + i);
  }
  if (dims.size() != keep.size())
    v = b.create<tensor::CollapseShapeOp>(loc, v, unitDimGroups(keep));
  return {v, dimsMap(b.getContext(), iter.size(), dims)};
}

Value broadcastElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (Value v : operands) {
    auto [aligned, map] = alignInput(b, loc, v, resultType.getShape());
    inputs.push_back(aligned);
    maps.push_back(map);
  }
  unsigned rank = resultType.getRank();
  maps.push_back(identityMap(b.getContext(), rank));
  return generic(b, loc, inputs, empty(b, loc, resultType.getShape()), maps,
                 parallel(rank),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return SmallVector<Value>{fn(nb, nl, args.drop_back())};
                 })[0];
}

Value hyperAt(OpBuilder &b, Location loc, Value hyper, int64_t i) {
  Value idx = b.create<arith::ConstantIndexOp>(loc, i);
  return b.create<tensor::ExtractOp>(loc, hyper, ValueRange{idx});
}

SmallVector<Value> elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                               unsigned numResults, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  unsigned n = type.getRank();
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(empty(b, loc, type.getShape()));
  SmallVector<AffineMap> maps(inputs.size() + numResults,
                              identityMap(b.getContext(), n));
  return generic(b, loc, inputs, inits, maps, parallel(n), body);
}

SmallVector<OpFoldResult> indices(OpBuilder &b, ArrayRef<int64_t> v) {
  return getAsIndexOpFoldResult(b.getContext(), v);
}

Value padInput(OpBuilder &b, Location loc, Value x, const Geometry &g,
               double value) {
  if (!g.padded())
    return x;
  auto type = RankedTensorType::get({g.n, g.hp(), g.wp(), g.c}, b.getF32Type());
  return b.create<tensor::PadOp>(loc, type, x, indices(b, {0, g.pt, g.pl, 0}),
                                 indices(b, {0, g.pb, g.pr, 0}),
                                 f32(b, loc, value));
}

AffineMap windowMap(MLIRContext *ctx, const Geometry &g) {
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return AffineMap::get(
      6, 0, {d(0), d(1) * g.sh + d(3) * g.dh, d(2) * g.sw + d(4) * g.dw, d(5)},
      ctx);
}

Value scatterWindows(OpBuilder &b, Location loc, const Geometry &g,
                     function_ref<Value(int64_t, int64_t, Value)> add) {
  Value acc = filled(b, loc, {g.n, g.hp(), g.wp(), g.c}, 0.0);
  auto sliceType = RankedTensorType::get(g.outShape(), b.getF32Type());
  auto sizes = indices(b, g.outShape()),
       strides = indices(b, {1, g.sh, g.sw, 1});
  for (int64_t a = 0; a < g.kh; ++a)
    for (int64_t bb = 0; bb < g.kw; ++bb) {
      auto offsets = indices(b, {0, a * g.dh, bb * g.dw, 0});
      Value slice = b.create<tensor::ExtractSliceOp>(loc, sliceType, acc,
                                                     offsets, sizes, strides);
      acc = b.create<tensor::InsertSliceOp>(loc, add(a, bb, slice), acc,
                                            offsets, sizes, strides);
    }
  if (!g.padded())
    return acc;
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get({g.n, g.h, g.w, g.c}, b.getF32Type()), acc,
      indices(b, {0, g.pt, g.pl, 0}), indices(b, {g.n, g.h, g.w, g.c}),
      indices(b, {1, 1, 1, 1}));
}

Value addInto(OpBuilder &b, Location loc, Value slice, ValueRange inputs,
              function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              identityMap(b.getContext(), 4));
  return generic(b, loc, inputs, slice, maps, parallel(4),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value term = fn(nb, l, a.drop_back());
                   return SmallVector<Value>{
                       nb.create<arith::AddFOp>(l, a.back(), term)};
                 })[0];
}

Chunk pickChunk(int64_t rowBytes, int64_t height, int64_t images,
                int64_t bytes) {
  int64_t rows = std::max<int64_t>(1, bytes / rowBytes);
  auto divisorAtMost = [](int64_t d, int64_t cap) {
    for (int64_t t = std::min(d, cap); t > 1; --t)
      if (d % t == 0)
        return t;
    return int64_t(1);
  };
  if (rows < height)
    return {1, divisorAtMost(height, rows)};
  return {divisorAtMost(images, rows / height), height};
}

Value rowsSlice(OpBuilder &b, Location loc, Value v, Value n0, Value h0,
                ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> offsets = {n0, h0, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  return b.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get(sizes, b.getF32Type()), v, offsets,
      indices(b, sizes), indices(b, {1, 1, 1, 1}));
}

Value forallParts(
    OpBuilder &b, Location loc, int64_t parts, ArrayRef<int64_t> shape,
    ArrayRef<int64_t> part,
    function_ref<SmallVector<OpFoldResult>(OpBuilder &, Value)> offsets,
    function_ref<Value(OpBuilder &, Value, Value)> body) {
  if (parts == 1)
    return body(b, b.create<arith::ConstantIndexOp>(loc, 0),
                empty(b, loc, shape));
  auto forall = b.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{b.getIndexAttr(parts)},
      ValueRange{empty(b, loc, shape)}, std::nullopt);
  OpBuilder fb = OpBuilder::atBlockBegin(forall.getBody());
  Value p = forall.getInductionVar(0);
  SmallVector<OpFoldResult> at = offsets(fb, p);
  SmallVector<int64_t> ones(shape.size(), 1);
  Value init = fb.create<tensor::ExtractSliceOp>(
      loc, RankedTensorType::get(part, fb.getF32Type()),
      forall.getRegionOutArgs()[0], at, indices(fb, part), indices(fb, ones));
  Value done = body(fb, p, init);
  fb.setInsertionPointToEnd(forall.getTerminator().getBody());
  fb.create<tensor::ParallelInsertSliceOp>(
      loc, done, forall.getRegionOutArgs()[0], at, indices(fb, part),
      indices(fb, ones));
  return forall.getResult(0);
}

} // namespace nnc::nntolinalg
