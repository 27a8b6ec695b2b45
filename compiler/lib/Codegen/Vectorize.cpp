//===- Vectorize.cpp - Tiling and vectorization schedule for the host CPU -===//
//
// The `vector` stage: linalg on tensors -> tiled, vectorized code, still on
// tensors. A transform-dialect script is built per module (one block of
// transform ops per linalg op, matched by an `nnc.sched` tag) and run by the
// transform interpreter:
//   contractions C[m,n] += A.B (matmul, matmul_transpose_a/b, same-shaped
//   generics): scf.forall over `threads` along m (else n; never k, so results
//   are bitwise identical for any thread count) -> cache tile [mc,nc,kc] ->
//   register tile [mr,nr,1] -> vector.contract -> outer products (vector.fma
//   of an nr-wide row of B by a broadcast element of A; mr*nr accumulators
//   stay in registers because the C tile is hoisted out of the k loop);
//   linalg.conv_2d_nhwc_hwcf: scf.forall over the batch -> the same register
//   tile over (output pixels of a row, filters), reductions (kh, kw, c) tiled
//   to 1 -> decomposed to 1-D convolutions -> the same outer products;
//   every other linalg op: tile [1,...,1,v] -> vectorized along its last loop.
// Tile sizes divide the static shapes; where no good divisor exists the
// register loop is peeled, so no tile falls back to scalar code.
// matmul_transpose_b first becomes matmul(A, transpose(B)); a matmul whose B
// rows are 4 KiB or more apart runs on B packed into contiguous nr-wide
// column panels, one GEMM per panel (AVX-512). Set
// NNC_DUMP_SCHEDULE=1 to print the generated transform script.
//
//===----------------------------------------------------------------------===//

#include "VectorizeRewrites.h"
#include "nnc/Codegen.h"

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
using namespace nnc::vectorize;

namespace {

constexpr llvm::StringLiteral kTag = "nnc.sched";

/// The blocking for `cpu` (a name LLVM knows, e.g. znver3), or for the host
/// when it is empty.
HostBlocking getHostBlocking(llvm::StringRef cpu) {
  HostBlocking b;
  llvm::StringMap<bool> features;
  if (cpu.empty()) {
    features = llvm::sys::getHostCPUFeatures();
  } else {
    llvm::InitializeNativeTarget();
    std::string triple = llvm::sys::getDefaultTargetTriple(), error;
    if (const llvm::Target *target =
            llvm::TargetRegistry::lookupTarget(triple, error)) {
      std::unique_ptr<llvm::MCSubtargetInfo> sti(
          target->createMCSubtargetInfo(triple, cpu, ""));
      for (const char *f : {"avx512f", "avx2", "avx"})
        features[f] = sti && sti->checkFeatures(std::string("+") + f);
    }
  }
  if (features.lookup("avx512f")) {
    b.mr = 4;
    b.lanes = 16;
    b.nr = 64;
  } else if (!features.lookup("avx2") && !features.lookup("avx")) {
    b.mr = 4;
    b.lanes = 4;
    b.nr = 8;
  }
  return b;
}

/// The threads split such a B's columns when each one's part of a row is
/// at least this long (bytes), else its rows (see scheduleContraction).
constexpr int64_t kWideSliceBytes = 16 << 10;
/// The k extent of such a GEMM's cache tile (see scheduleContraction).
constexpr int64_t kWideKc = 16;

/// Below these sizes an op stays serial: a parallel region costs microseconds.
constexpr int64_t kMinParallelFlops = 1 << 20; // contractions, convolutions

/// The largest multiple of `base` that divides `d` and is at most `cap`; `d`
/// itself when d <= cap; 0 when there is none.
int64_t pickTile(int64_t d, int64_t cap, int64_t base = 1) {
  if (d <= cap)
    return d;
  for (int64_t t = cap / base * base; t >= base; t -= base)
    if (d % t == 0)
      return t;
  return 0;
}

/// The widest vector width that divides `d`, among cap, cap/2, ... down to
/// one register (`lanes`); 0 when none does. Register tiles and vectorized
/// loops keep to these widths: LLVM widens others (48 floats on AVX-512
/// become 64) with shuffles around every vector.
int64_t pickVectorWidth(int64_t d, int64_t cap, int64_t lanes) {
  for (int64_t w = cap; w >= lanes; w /= 2)
    if (d % w == 0)
      return w;
  return 0;
}

/// Appends transform IR to a script; handles are %h0, %h1, ...
class ScriptBuilder {
public:
  std::string str() const { return body; }

  /// Emits `tile_using_for` on `target`; returns the tiled op's handle and
  /// stores the loop handles (one per non-zero size) in `loops`.
  std::string tileUsingFor(const std::string &target, ArrayRef<int64_t> sizes,
                           SmallVectorImpl<std::string> &loops) {
    loops.clear();
    if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
      return target;
    std::string tiled = fresh();
    for (int64_t s : sizes)
      if (s != 0)
        loops.push_back(fresh());
    std::string results = tiled;
    for (auto &l : loops)
      results += ", " + l;
    std::string types = "!transform.any_op";
    for (size_t i = 0; i < loops.size(); ++i)
      types += ", !transform.any_op";
    line(results + " = transform.structured.tile_using_for " + target +
         " tile_sizes " + list(sizes) + " : (!transform.any_op) -> (" + types +
         ")");
    return tiled;
  }

  std::string tileUsingForall(const std::string &target,
                              ArrayRef<int64_t> sizes,
                              std::string *forallOut = nullptr) {
    std::string tiled = fresh(), forall = fresh();
    line(tiled + ", " + forall + " = transform.structured.tile_using_forall " +
         target + " tile_sizes " + list(sizes) +
         " : (!transform.any_op) -> (!transform.any_op, !transform.any_op)");
    if (forallOut)
      *forallOut = forall;
    return tiled;
  }

  /// Moves `producer` into `containing` (a forall), computing only the slice
  /// each thread uses.
  void fuseIntoContaining(const std::string &producer,
                          const std::string &containing) {
    std::string fused = fresh(), loop = fresh();
    line(fused + ", " + loop +
         " = transform.structured.fuse_into_containing_op " + producer +
         " into " + containing +
         " : (!transform.any_op, !transform.any_op) -> (!transform.any_op, "
         "!transform.any_op)");
  }

  /// tileUsingFor that also moves the producers of the op's operands,
  /// its destination's among them, into the tile loops.
  std::string tileAndFuse(const std::string &target, ArrayRef<int64_t> sizes,
                          SmallVectorImpl<std::string> &loops) {
    loops.clear();
    std::string tiled = fresh();
    for (int64_t s : sizes)
      if (s != 0)
        loops.push_back(fresh());
    std::string results = tiled, types = "!transform.any_op";
    for (auto &l : loops) {
      results += ", " + l;
      types += ", !transform.any_op";
    }
    line(results + " = transform.structured.fuse " + target + " " +
         list(sizes) + " : (!transform.any_op) -> (" + types + ")");
    return tiled;
  }

  /// Peels `loop` into a main loop with full tiles and a remainder iteration
  /// whose (static) partial tile vectorizes with its own shape.
  void peel(const std::string &loop) {
    std::string cast = fresh(), main = fresh(), rest = fresh();
    line(cast + " = transform.cast " + loop +
         " : !transform.any_op to !transform.op<\"scf.for\">");
    line(main + ", " + rest + " = transform.loop.peel " + cast +
         " : (!transform.op<\"scf.for\">) -> (!transform.any_op, "
         "!transform.any_op)");
  }

  std::string matchTag(int64_t id) {
    std::string h = fresh();
    line(h + " = transform.structured.match attributes {" + kTag.str() + " = " +
         std::to_string(id) +
         " : i64} in %root : (!transform.any_op) -> !transform.any_op");
    return h;
  }

  void line(const std::string &s) { body += "    " + s + "\n"; }

private:
  std::string fresh() { return "%h" + std::to_string(next++); }
  static std::string list(ArrayRef<int64_t> v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  }
  std::string body;
  int next = 0;
};

/// An mr x nr register tile over `rows` x `cols` outputs. nr is a whole
/// number of vector registers, a power of two of them (pickVectorWidth; a
/// GEMM with nr = 48 on AVX-512 ran at 9.6 GFLOP/s against 95 with 32). It is
/// the widest such width up to hb.nr that divides `cols`, or hb.nr with the
/// column remainder peeled when the divisor would leave fewer than half the
/// accumulators (784 = 12*64 + 16 on AVX-512); `cols` itself when it is at most
/// one vector or has no such divisor below hb.nr (10 classes). mr keeps the
/// accumulator count of hb.mr x hb.nr when nr is narrower (8 x 32 on
/// AVX-512), a remainder row tile peeled.
struct RegisterTile {
  int64_t mr, nr;
  bool peelRows, peelCols;
};

RegisterTile pickRegisterTile(int64_t rows, int64_t cols,
                              const HostBlocking &hb) {
  RegisterTile t;
  t.nr = pickVectorWidth(cols, hb.nr, hb.lanes);
  t.peelCols = cols > hb.nr && (t.nr == 0 || 2 * t.nr < hb.nr);
  // Between one register and hb.nr without a divisor (a VAE's 20-unit
  // heads): the widest power-of-two number of registers below cols, the rest
  // peeled; a vector<20xf32> tile ran at 3 GFLOP/s.
  bool peelNarrow = !t.peelCols && t.nr == 0 && cols > hb.lanes;
  if (t.peelCols) {
    t.nr = hb.nr;
  } else if (peelNarrow) {
    t.peelCols = true;
    for (t.nr = hb.lanes; 2 * t.nr < cols; t.nr *= 2)
      ;
  } else if (t.nr == 0 || cols <= hb.lanes) {
    t.nr = cols;
  }
  int64_t mr = hb.mr * std::max<int64_t>(1, hb.nr / std::max(t.nr, hb.lanes));
  t.mr = std::min({rows, mr, 2 * hb.mr});
  t.peelRows = rows % t.mr != 0;
  return t;
}

/// C[m,n] += A.B with loops (m, n, k) in this order: the shape the schedule
/// below is written for (matmul, matmul_transpose_a, matmul_transpose_b).
bool isPlainContraction(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumLoops() != 3)
    return false;
  auto its = op.getIteratorTypesArray();
  return its[0] == utils::IteratorType::parallel &&
         its[1] == utils::IteratorType::parallel &&
         its[2] == utils::IteratorType::reduction;
}

/// The k extent of a GEMM's cache tile (all of k when no divisor fits).
int64_t cacheTileK(int64_t k) {
  int64_t kc = pickTile(k, 256);
  return kc == 0 ? k : kc;
}

void scheduleContraction(ScriptBuilder &sb, const std::string &h,
                         ArrayRef<int64_t> mnk, const std::string &fill,
                         int threads, const HostBlocking &hb) {
  int64_t m = mnk[0], n = mnk[1], k = mnk[2];
  // Full register tiles plus one peeled remainder tile when mr does not
  // divide m (64 = 10*6 + 4); a poor divisor of n would make narrow vectors:
  // peel it too.
  RegisterTile rt = pickRegisterTile(m, n, hb);
  bool peelM = rt.peelRows, peelN = rt.peelCols;
  int64_t mr = rt.mr, nr = rt.nr;
  // With rows 2 KiB apart in A and B (k, n multiples of 512), six rows of A
  // conflict in cache: 512^3 ran at 56 GFLOP/s with 6+peel, 70 with 4x16.
  if (peelM && m % 4 == 0 && k % 512 == 0 && n % 512 == 0) {
    peelM = false;
    mr = 4;
  }

  // Threads split m (else n) into equal static slices, preferring slices of
  // whole register tiles; tiny ops stay serial (a parallel region costs
  // microseconds).
  int64_t mt = m, nt = n;
  std::string tiled = h, forall;
  bool parallel = threads > 1 && 2 * m * n * k >= kMinParallelFlops;
  // A tall, narrow C (convolutions as im2col GEMMs: m = N*OH*OW, n = F)
  // splits m even when a slice needs a peeled remainder: splitting n would
  // make both threads stream all of A.
  bool tall = m % threads == 0 && m >= 4 * n;
  bool splitM = m % threads == 0 && !peelM && (m / threads) % mr == 0;
  bool splitN = n % threads == 0 && !peelN && (n / threads) % nr == 0;
  // A B far bigger than the caches and than A (a dense layer's weights at a
  // small batch, bench/gene_ae.nn) streams from memory in short k panels
  // (below). When each thread's part of a row of B is long (2000x20000: 40
  // KB), the threads split n, even with a peeled remainder per slice, so
  // each streams half of B. With short parts (20000x2000: 4 KB) the
  // interleaved halves of every row streamed at half the speed of both
  // threads reading whole rows (m slices; kernels.py, 32x20000x2000 at 2
  // threads: 22 against 38-49 GFLOP/s, under load), so m is split as usual.
  bool bigRhs = n >= 4 * m && k * n * 4 >= kWideRhsBytes;
  bool wide = bigRhs && n % threads == 0 && n / threads * 4 >= kWideSliceBytes;
  if (parallel && !wide && (splitM || tall || (!splitN && m % threads == 0))) {
    mt = m / threads;
    peelM = mt > mr && mt % mr != 0;
    tiled = sb.tileUsingForall(tiled, {mt, 0, 0}, &forall);
  } else if (parallel && (splitN || wide)) {
    nt = n / threads;
    peelN = nt > nr && nt % nr != 0;
    tiled = sb.tileUsingForall(tiled, {0, nt, 0}, &forall);
  }
  if (!fill.empty() && !forall.empty())
    sb.fuseIntoContaining(fill, forall);

  // Cache tile: a kc x nc panel of B (<= 256 KiB) is reused by mc rows of A.
  int64_t mc = peelM ? mt : pickTile(mt, 64, mr);
  int64_t nc = peelN ? nt : pickTile(nt, 256, nr);
  int64_t kc = cacheTileK(k);
  // A big B streams from memory once, each register tile reading kc rows
  // of it far apart (8 KB and 80 KB in bench/gene_ae.nn): short panels make
  // those kc streams advance together, which the prefetchers follow, at the
  // price of reloading the C tile from L2 per panel (kernels.py, 2 threads,
  // under load: 32x2000x20000 10.6 -> 28-47 GFLOP/s with kc 250 -> 16;
  // 32x20000x2000 13.6 -> 38-49 with m slices; kc 8 and 32 measured alike).
  if (bigRhs && pickTile(k, kWideKc) != 0)
    kc = pickTile(k, kWideKc);
  SmallVector<std::string> loops;
  if (fill.empty()) {
    tiled = sb.tileUsingFor(
        tiled, {mc == mt ? 0 : mc, nc == nt ? 0 : nc, kc == k ? 0 : kc}, loops);
    tiled = sb.tileUsingFor(tiled, {mr, nr, 1}, loops);
  } else {
    // One k panel (fusableFill): the zero fill moves into the register tile,
    // whose accumulators then start at zero in registers instead of a pass
    // over C to zero it and a read of those zeros.
    if (mc != mt || nc != nt)
      tiled = sb.tileAndFuse(tiled, {mc == mt ? 0 : mc, nc == nt ? 0 : nc, 0},
                             loops);
    tiled = sb.tileAndFuse(tiled, {mr, nr, 0}, loops);
    SmallVector<std::string> kLoop;
    sb.tileUsingFor(tiled, {0, 0, 1}, kLoop);
  }
  // n first: peeling m then clones both n loops into the m remainder.
  if (peelN)
    sb.peel(loops[1]);
  if (peelM)
    sb.peel(loops[0]);
}

/// linalg.conv_2d_nhwc_hwcf, loops (n, oh, ow, f, kh, kw, c): a direct
/// convolution with the GEMM's register tile, mr output pixels of one row x
/// nr filters, accumulated over (kh, kw, c) one input channel at a time: per
/// step mr broadcast pixels and one nr-wide row of the filter, mr*nr/lanes
/// FMAs. No im2col buffer. Threads split the batch.
void scheduleConv(ScriptBuilder &sb, std::string h, ArrayRef<int64_t> r,
                  const std::string &fill, int threads,
                  const HostBlocking &hb) {
  int64_t n = r[0];
  int64_t macs = 1;
  for (int64_t d : r)
    macs *= d;
  if (threads > 1 && n % threads == 0 && 2 * macs >= kMinParallelFlops) {
    std::string forall;
    h = sb.tileUsingForall(h, {n / threads, 0, 0, 0, 0, 0, 0}, &forall);
    if (!fill.empty())
      sb.fuseIntoContaining(fill, forall);
  }
  RegisterTile rt = pickRegisterTile(/*rows=*/r[2], /*cols=*/r[3], hb);
  SmallVector<std::string> loops, reductionLoops;
  // With its zero fill fused into the register tile, the accumulators start
  // at zero in registers: no pass over memory to zero the output first.
  h = fill.empty() ? sb.tileUsingFor(h, {1, 1, rt.mr, rt.nr, 0, 0, 0}, loops)
                   : sb.tileAndFuse(h, {1, 1, rt.mr, rt.nr, 0, 0, 0}, loops);
  sb.tileUsingFor(h, {0, 0, 0, 0, 1, 1, 1}, reductionLoops);
  if (rt.peelCols)
    sb.peel(loops[3]);
  if (rt.peelRows)
    sb.peel(loops[2]);
}

/// The zero fill a direct convolution or a one-k-panel GEMM accumulates into,
/// when nothing else reads it: scheduled with that op (scheduleConv,
/// scheduleContraction), not on its own.
linalg::FillOp fusableFill(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return {};
  bool gemm = isPlainContraction(linalgOp) &&
              cacheTileK(linalgOp.getStaticLoopRanges()[2]) ==
                  linalgOp.getStaticLoopRanges()[2];
  if (!gemm && !isa<linalg::Conv2DNhwcHwcfOp>(op))
    return {};
  auto fill = linalgOp.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse() || !fill.hasPureTensorSemantics())
    return {};
  return fill;
}

/// Any other linalg op: tile [1, ..., 1, v], vectorized along the last loop.
/// A big op is first split into equal slices over the threads along its
/// outermost parallel loop (not the last) that the thread count divides (the
/// batch, or rows; the output rows of an im2col chunk of one image): these
/// ops are memory-bound, and each element is still computed by the same code,
/// so results do not depend on the thread count.
void scheduleOther(ScriptBuilder &sb, std::string h, ArrayRef<int64_t> ranges,
                   ArrayRef<utils::IteratorType> iterators, int threads,
                   const HostBlocking &hb) {
  if (ranges.empty())
    return;
  int64_t elements = 1;
  for (int64_t r : ranges)
    elements *= r;
  if (threads > 1 && elements >= kMinParallelElements) {
    for (size_t d = 0; d + 1 < ranges.size(); ++d) {
      if (iterators[d] != utils::IteratorType::parallel ||
          ranges[d] % threads != 0)
        continue;
      SmallVector<int64_t> slice(ranges.size(), 0);
      slice[d] = ranges[d] / threads;
      h = sb.tileUsingForall(h, slice);
      break;
    }
  }
  // Vectors of up to 4 registers; a longer last loop is tiled by a width of
  // pickVectorWidth, else by 4 registers with a peeled remainder.
  int64_t cap = 4 * hb.lanes;
  int64_t last = ranges.back();
  int64_t v = last <= cap ? last : pickVectorWidth(last, cap, hb.lanes);
  bool peel = v == 0;
  if (peel)
    v = cap;
  SmallVector<int64_t> sizes(ranges.size(), 1);
  sizes.back() = v == last ? 0 : v;
  SmallVector<std::string> loops;
  sb.tileUsingFor(h, sizes, loops);
  if (peel)
    sb.peel(loops.back());
}

/// A 2-D transpose: square lanes x lanes tiles (vector.transpose -> shuffles)
/// instead of one strided gather per element. A big one (the B^T of a
/// matmul_transpose_b) is split over the threads by rows first, so it does
/// not run on one core before the GEMM that is split.
void scheduleTranspose(ScriptBuilder &sb, std::string h,
                       ArrayRef<int64_t> ranges, int threads,
                       const HostBlocking &hb) {
  if (threads > 1 && ranges[0] % (threads * hb.lanes) == 0 &&
      ranges[0] * ranges[1] >= kMinParallelElements)
    h = sb.tileUsingForall(h, {ranges[0] / threads, 0});
  SmallVector<int64_t> sizes;
  for (int64_t d : ranges) {
    int64_t t = pickTile(d, hb.lanes);
    sizes.push_back(t == d ? 0 : t);
  }
  SmallVector<std::string> loops;
  sb.tileUsingFor(h, sizes, loops);
}

/// Vectorizes every tiled op of each function, then lowers vector.contract
/// to outer products and hoists the accumulator transfers out of k loops.
void emitVectorization(ScriptBuilder &sb) {
  sb.line("%funcs = transform.structured.match ops{[\"func.func\"]} in %root "
          ": (!transform.any_op) -> !transform.any_op");
  sb.line("transform.apply_patterns to %funcs {");
  sb.line("  transform.apply_patterns.canonicalization");
  sb.line("} : !transform.any_op");
  // Tiled convolutions (oh = kh = 1) become 1-D ones the vectorizer takes.
  sb.line(
      "%convs = transform.structured.match ops{[\"linalg.conv_2d_nhwc_hwcf\"]} "
      "in %root : (!transform.any_op) -> !transform.any_op");
  sb.line("transform.foreach %convs : !transform.any_op {");
  sb.line("^bb0(%c: !transform.any_op):");
  sb.line("  transform.structured.decompose %c : (!transform.any_op) -> "
          "!transform.any_op");
  sb.line("  transform.yield");
  sb.line("}");
  sb.line("transform.foreach %funcs : !transform.any_op {");
  sb.line("^bb0(%f: !transform.any_op):");
  // Tiles whose loops are all 1 but the last (im2col copies, pooling windows)
  // keep maps like (n, oh + kh, ...) that the vectorizer rejects; dropping
  // the unit dims leaves 1-D generics with identity maps.
  sb.line("  transform.apply_patterns to %f {");
  sb.line(
      "    transform.apply_patterns.linalg.fold_unit_extent_dims_via_slices");
  sb.line("  } : !transform.any_op");
  sb.line("  %fv = transform.structured.vectorize_children_and_apply_patterns "
          "%f : (!transform.any_op) -> !transform.any_op");
  sb.line("  transform.apply_patterns to %fv {");
  sb.line("    transform.apply_patterns.canonicalization");
  sb.line("    transform.apply_patterns.tensor."
          "fold_tensor_subset_ops_into_vector_transfers");
  sb.line("  } : !transform.any_op");
  sb.line("  transform.apply_cse to %fv : !transform.any_op");
  sb.line("  %loops = transform.structured.match ops{[\"scf.for\"]} in %fv "
          ": (!transform.any_op) -> !transform.any_op");
  sb.line("  transform.apply_licm to %loops : !transform.any_op");
  sb.line("  transform.loop.hoist_loop_invariant_subsets %loops "
          ": !transform.any_op");
  // One pattern set at a time, as in upstream's lowering sequences: mixed
  // together, some of them undo each other forever on small odd shapes.
  for (const char *patterns :
       {"vector.lower_contraction lowering_strategy = \"outerproduct\"",
        "vector.transfer_permutation_patterns",
        "vector.lower_multi_reduction lowering_strategy = \"innerparallel\"",
        "vector.split_transfer_full_partial split_transfer_strategy = "
        "\"vector-transfer\"",
        "vector.transfer_to_scf max_transfer_rank = 1 full_unroll = true",
        "vector.lower_transfer max_transfer_rank = 1",
        "vector.lower_shape_cast",
        "vector.lower_transpose lowering_strategy = \"shuffle_1d\"",
        "vector.lower_broadcast", "vector.lower_outerproduct",
        "canonicalization"}) {
    sb.line("  transform.apply_patterns to %fv {");
    sb.line(std::string("    transform.apply_patterns.") + patterns);
    sb.line("  } : !transform.any_op");
  }
  sb.line("  transform.yield");
  sb.line("}");
}

} // namespace

LogicalResult nnc::runVectorize(ModuleOp module, int threads,
                                llvm::StringRef cpu) {
  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  registerCodegenDialects(registry);
  ctx->appendDialectRegistry(registry);

  // Functions left private and unused after inlining are not scheduled.
  PassManager dce(ctx);
  dce.addPass(createSymbolDCEPass());
  if (failed(dce.run(module)))
    return failure();
  fuseElementwiseChains(module);
  copyIntoSlices(module);
  materializeTransposedRhs(module);
  HostBlocking hb = getHostBlocking(cpu);
  packWideRhs(module, hb);
  ScriptBuilder sb;
  int64_t id = 0;
  bool ok = true;
  llvm::DenseMap<Operation *, std::string> fusedFills; // fill -> handle
  module.walk([&](linalg::LinalgOp op) {
    if (linalg::FillOp fill = fusableFill(op))
      fusedFills[fill] = "";
  });
  module.walk([&](linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics())
      return;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic)) {
      op->emitError("nnc codegen needs static shapes");
      ok = false;
      return;
    }
    op->setAttr(kTag, IntegerAttr::get(IntegerType::get(ctx, 64), id));
    std::string h = sb.matchTag(id++);
    if (auto it = fusedFills.find(op); it != fusedFills.end()) {
      it->second = h;
      return;
    }
    linalg::FillOp fill = fusableFill(op);
    std::string fillHandle = fill ? fusedFills[fill] : "";
    // Inside a forall of the lowering (the weight gradient's halves) an op
    // already runs on one thread.
    int t = op->getParentOfType<scf::ForallOp>() ? 1 : threads;
    if (isPlainContraction(op))
      scheduleContraction(sb, h, ranges, fillHandle, t, hb);
    else if (isa<linalg::Conv2DNhwcHwcfOp>(op))
      scheduleConv(sb, h, ranges, fillHandle, t, hb);
    else if (isa<linalg::TransposeOp>(op) && ranges.size() == 2)
      scheduleTranspose(sb, h, ranges, t, hb);
    else
      scheduleOther(sb, h, ranges, op.getIteratorTypesArray(), t, hb);
  });
  if (!ok)
    return failure();
  emitVectorization(sb);

  std::string script =
      "module attributes {transform.with_named_sequence} {\n"
      "  transform.named_sequence @__transform_main(%root: !transform.any_op "
      "{transform.readonly}) {\n" +
      sb.str() + "    transform.yield\n  }\n}\n";
  if (getenv("NNC_DUMP_SCHEDULE"))
    llvm::errs() << script;
  OwningOpRef<ModuleOp> lib = parseSourceString<ModuleOp>(script, ctx);
  if (!lib) {
    llvm::errs() << "nnc: internal error: bad transform script:\n" << script;
    return failure();
  }
  auto entry = transform::detail::findTransformEntryPoint(
      module, *lib,
      transform::TransformDialect::kTransformEntryPointSymbolName);
  if (!entry || failed(transform::applyTransformNamedSequence(
                    module, entry, *lib, transform::TransformOptions())))
    return failure();

  module.walk([](Operation *op) { op->removeAttr(kTag); });
  PassManager pm(ctx);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  return pm.run(module);
}
