#!/usr/bin/python3
"""Kernel benchmark: our generated GEMM and convolution kernels against OpenBLAS sgemm, in GFLOP/s.

For every kernel below it writes a one-op nn-dialect module over an arena (like
test/Codegen/Inputs/conv_fwd.mlir), lowers it with `nn-opt --nn-lower-to-linalg --canonicalize --cse`,
compiles it with `nnc-codegen-test --emit=exe --nthreads=2` (the split `nnc build` uses) against
bench/kernel_main.cpp, checks one run's output against numpy in float64 (a mismatch is an error), and
times it with 1 and 2 OpenMP threads (as `model train --threads T` runs). The reference is OpenBLAS sgemm
through numpy on the same GEMM shape, in a separate process per OPENBLAS_NUM_THREADS = 1, 2; a
convolution's reference is the GEMM of its im2col form (the im2col / col2im copies are not timed there,
while our figure is the whole op as nn-lower-to-linalg lowers it: a direct convolution or im2col + GEMM). GFLOP/s = 2 M K N / seconds. A figure taken while other processes kept
the CPUs busy is retaken, and the best over the rounds kept. Prints a table and writes one JSON file (bench/run.sh
folds it into bench/results.json). See bench/README.md.

  /usr/bin/python3 bench/kernels.py [-b BUILD_DIR] [-s SECONDS] [-r ROUNDS] [-k OPS] [-n NAME] [-o JSON]
"""
import argparse, json, os, resource, subprocess, sys, time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONV_ATTRS = "stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: {p}, {p}, {p}, {p}>"


def matmul(name, m, k, n, trans=""):
    """op(a) [m, k] @ op(b) [k, n]; trans is "", "a" (a stored [k, m]) or "b" (b stored [n, k])."""
    a, b = ([k, m] if trans == "a" else [m, k]), ([n, k] if trans == "b" else [k, n])
    return dict(name=name, op="matmul" + (f"_t{trans}" if trans else ""), gemm=[m, k, n],
                inputs=[("a", a), ("b", b)], output=[m, n])


def conv(name, op, n, h, w, c, f, k=3):
    """k x k (odd), 'same' padding (k - 1) / 2, stride 1 over x [n, h, w, c], w [k, k, c, f]; gemm is the
    im2col form's M x K x N."""
    x, wt, y = [n, h, w, c], [k, k, c, f], [n, h, w, f]
    rows, cols = n * h * w, k * k * c
    spec = {"fwd": ([("x", x), ("w", wt)], y, [rows, cols, f]),
            "grad_input": ([("dy", y), ("w", wt)], x, [rows, f, cols]),
            "grad_filter": ([("x", x), ("dy", y)], wt, [cols, rows, f])}[op]
    return dict(name=name, op="conv2d_" + op, gemm=spec[2], inputs=spec[0], output=spec[1], k=k)


KERNELS = [  # the examples' shapes: batch 64, NHWC, 3x3 convolutions with padding 1 and stride 1; then the
    # inception block's (bench/inception_block.nn: batch 32, 32x32, 'same' padding)
    matmul("dense 784->256 fwd", 64, 784, 256),
    matmul("dense 784->256 dW", 784, 64, 256, "a"),  # x^T dy
    matmul("dense 784->256 dx", 64, 256, 784, "b"),  # dy W^T
    matmul("dense 256->128 fwd", 64, 256, 128),
    matmul("dense 256->128 dW", 256, 64, 128, "a"),
    matmul("dense 256->128 dx", 64, 128, 256, "b"),
    matmul("cnn dense 3136->128 fwd", 64, 3136, 128),
    matmul("cnn dense 3136->128 dW", 3136, 64, 128, "a"),
    matmul("cnn dense 3136->128 dx", 64, 128, 3136, "b"),
    conv("conv 1->32 28x28 fwd", "fwd", 64, 28, 28, 1, 32),
    conv("conv 1->32 28x28 dx", "grad_input", 64, 28, 28, 1, 32),
    conv("conv 1->32 28x28 dW", "grad_filter", 64, 28, 28, 1, 32),
    conv("conv 32->64 14x14 fwd", "fwd", 64, 14, 14, 32, 64),
    conv("conv 32->64 14x14 dx", "grad_input", 64, 14, 14, 32, 64),
    conv("conv 32->64 14x14 dW", "grad_filter", 64, 14, 14, 32, 64),
    conv("incep 1x1 64->96 fwd", "fwd", 32, 32, 32, 64, 96, k=1),
    conv("incep 1x1 64->96 dx", "grad_input", 32, 32, 32, 64, 96, k=1),
    conv("incep 1x1 64->96 dW", "grad_filter", 32, 32, 32, 64, 96, k=1),
    conv("incep 3x3 96->128 fwd", "fwd", 32, 32, 32, 96, 128),
    conv("incep 3x3 96->128 dx", "grad_input", 32, 32, 32, 96, 128),
    conv("incep 3x3 96->128 dW", "grad_filter", 32, 32, 32, 96, 128),
    conv("incep 5x5 16->32 fwd", "fwd", 32, 32, 32, 16, 32, k=5),
    conv("incep 5x5 16->32 dx", "grad_input", 32, 32, 32, 16, 32, k=5),
    conv("incep 5x5 16->32 dW", "grad_filter", 32, 32, 32, 16, 32, k=5),
    # bench/gene_ae.nn's two big layers at batch 32 (memory-bound: 160 MB of weights each)
    matmul("gene 20000->2000 fwd", 32, 20000, 2000),
    matmul("gene 20000->2000 dW", 20000, 32, 2000, "a"),
    matmul("gene 2000->20000 fwd", 32, 2000, 20000),
    matmul("gene 2000->20000 dx", 32, 20000, 2000, "b"),
    matmul("square 256", 256, 256, 256),
    matmul("square 512", 512, 512, 512),
    matmul("square 1024", 1024, 1024, 1024),
]


def key(kern):
    """A file-name-safe id: op and GEMM shape."""
    return kern["op"] + "_" + "x".join(map(str, kern["gemm"]))


def layout(kern):
    """Byte offsets of the input slots and the output slot (64-byte aligned) and the arena size."""
    offs, total = [], 0
    for shape in [s for _, s in kern["inputs"]] + [kern["output"]]:
        offs.append(total)
        total += (int(np.prod(shape)) * 4 + 63) // 64 * 64
    return offs, total


def module(kern):
    """The nn-dialect module: nnc_train_step(arena) runs the one op on views of the arena."""
    offs, total = layout(kern)
    ty = lambda s: "x".join(map(str, s)) + "xf32"
    names = [n for n, _ in kern["inputs"]] + ["out"]
    shapes = [s for _, s in kern["inputs"]] + [kern["output"]]
    lines = []
    for name, shape, off in zip(names, shapes, offs):
        lines += [f"    %o_{name} = arith.constant {off} : index",
                  f"    %v_{name} = memref.view %arena[%o_{name}][] : memref<{total}xi8> to memref<{ty(shape)}>"]
    for name, shape in kern["inputs"]:
        lines.append(f"    %{name} = bufferization.to_tensor %v_{name} restrict : memref<{ty(shape)}>")
    (a, sa), (b, sb) = kern["inputs"]
    op = kern["op"]
    if op.startswith("matmul"):
        attr = {"matmul": "", "matmul_ta": " {transpose_a}", "matmul_tb": " {transpose_b}"}[op]
        lines.append(f"    %y = nn.matmul %{a}, %{b}{attr} : tensor<{ty(sa)}>, tensor<{ty(sb)}> -> "
                     f"tensor<{ty(kern['output'])}>")
    else:
        nn_op = {"conv2d_fwd": "conv2d"}.get(op, op)
        attrs = CONV_ATTRS.format(p=(kern["k"] - 1) // 2)
        lines.append(f"    %y = nn.{nn_op} %{a}, %{b} {{{attrs}}} : tensor<{ty(sa)}>, tensor<{ty(sb)}> -> "
                     f"tensor<{ty(kern['output'])}>")
    out = ty(kern["output"])
    lines.append(f"    bufferization.materialize_in_destination %y in restrict writable %v_out : "
                 f"(tensor<{out}>, memref<{out}>) -> ()")
    arena = f"%arena: memref<{total}xi8>"
    return "\n".join([f"// {kern['name']}: {op}, GEMM {'x'.join(map(str, kern['gemm']))}", "module {",
                      '  llvm.mlir.global external constant @nnc_model_desc("x\\00") {addr_space = 0 : i32}',
                      f"  func.func @nnc_train_step({arena}) {{"] + lines +
                     ["    return", "  }", f"  func.func @nnc_eval_step({arena}) {{ return }}",
                      f"  func.func @nnc_predict({arena}) {{ return }}", "}", ""])


def reference(kern, ins):
    """The op in float64 with numpy."""
    a, b = (v.astype(np.float64) for v in ins)
    op = kern["op"]
    if op == "matmul":
        return a @ b
    if op == "matmul_ta":
        return a.T @ b
    if op == "matmul_tb":
        return a @ b.T
    k, p = kern["k"], (kern["k"] - 1) // 2
    windows = lambda t: np.lib.stride_tricks.sliding_window_view(
        np.pad(t, ((0, 0), (p, p), (p, p), (0, 0))), (k, k), axis=(1, 2))  # [n, h, w, c, k, k]
    if op == "conv2d_fwd":  # y[n,h,w,f] = sum xp[n,h+i,w+j,c] w[i,j,c,f]
        return np.einsum("nhwcij,ijcf->nhwf", windows(a), b, optimize=True)
    if op == "conv2d_grad_input":  # dx[n,h,w,c] = sum dyp[n,h+i,w+j,f] w[k-1-i,k-1-j,c,f]
        return np.einsum("nhwfij,ijcf->nhwc", windows(a), b[::-1, ::-1], optimize=True)
    return np.einsum("nhwcij,nhwf->ijcf", windows(a), b, optimize=True)  # dw = sum xp[n,h+i,w+j,c] dy[n,h,w,f]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench/kernels.py: error: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def build_and_check(kern, bindir, work, main_a):
    """Compiles the kernel into work/<key> and checks one run against numpy; returns the max relative diff."""
    base = os.path.join(work, key(kern))
    with open(base + ".nn.mlir", "w") as f:
        f.write(module(kern))
    run([os.path.join(bindir, "nn-opt"), "--nn-lower-to-linalg", "--canonicalize", "--cse",
         base + ".nn.mlir", "-o", base + ".linalg.mlir"])
    run([os.path.join(bindir, "nnc-codegen-test"), "--emit=exe", "--nthreads=2", f"--runtime={main_a}",
         base + ".linalg.mlir", "-o", base])
    offs, total = layout(kern)
    run([base, str(total), "2", "0", base + ".arena"])
    arena = np.fromfile(base + ".arena", dtype=np.float32)
    os.remove(base + ".arena")
    slot = lambda off, shape: arena[off // 4: off // 4 + int(np.prod(shape))].reshape(shape)
    ins = [slot(off, shape) for off, (_, shape) in zip(offs, kern["inputs"])]
    want, got = reference(kern, ins), slot(offs[-1], kern["output"])
    diff = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
    if not diff < 1e-4:  # also catches NaN
        sys.exit(f"bench/kernels.py: error: {kern['name']} ({key(kern)}): wrong result, "
                 f"max |ours - numpy| / max |numpy| = {diff:.3g} (limit 1e-4); see {base}.*.mlir")
    return diff


def cpu_seconds():
    """(seconds all processes kept the CPUs busy, seconds this process and its children used)."""
    ticks = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait (steal counts: the host took the CPU)
    own = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    return busy / os.sysconf("SC_CLK_TCK"), own


def quietly(measure, tries=2):
    """[seconds, quiet]: measure() retried until other processes kept the CPUs busy for less than 10% of its
    wall time (at most `tries` times); the best quiet attempt's seconds, else the best attempt's."""
    got = []
    for _ in range(tries):
        (busy0, own0), t0 = cpu_seconds(), time.time()
        secs = measure()
        (busy1, own1), wall = cpu_seconds(), time.time() - t0
        got.append([secs, (busy1 - busy0) - (own1 - own0) < 0.1 * wall])
        if got[-1][1]:
            break
    return min(got, key=lambda g: (not g[1], g[0]))


def time_ours(kern, work, threads, seconds):
    base = os.path.join(work, key(kern))
    return quietly(lambda: float(run([base, str(layout(kern)[1]), str(threads), str(seconds)])))


def blas_main(shapes, seconds):
    """Child process (OPENBLAS_NUM_THREADS set by the parent before numpy loads): [seconds per sgemm call,
    quiet] per shape."""
    rng = np.random.default_rng(0)
    out = []
    for m, k, n, trans in shapes:
        # Stored as our kernel stores them; numpy hands the transposed views to sgemm without copying.
        a = rng.random((k, m) if trans == "a" else (m, k), dtype=np.float32)
        b = rng.random((n, k) if trans == "b" else (k, n), dtype=np.float32)
        a, b, c = (a.T if trans == "a" else a), (b.T if trans == "b" else b), np.empty((m, n), np.float32)
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)  # warm-up: page faults, OpenBLAS thread start
        reps = max(1, int(0.05 / max(time.perf_counter() - t0, 1e-7)))

        def measure():  # as bench/kernel_main.cpp: the best batch of ~50 ms
            best, start = float("inf"), time.perf_counter()
            while time.perf_counter() - start < seconds or best == float("inf"):
                t0 = time.perf_counter()
                for _ in range(reps):
                    np.matmul(a, b, out=c)
                best = min(best, (time.perf_counter() - t0) / reps)
            return best
        out.append(quietly(measure))
    print(json.dumps(out))


def time_blas(kernels, threads, seconds):
    shapes = [k["gemm"] + [{"matmul_ta": "a", "conv2d_grad_filter": "a", "matmul_tb": "b",
                            "conv2d_grad_input": "b"}.get(k["op"], "")] for k in kernels]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    return json.loads(run([sys.executable, os.path.abspath(__file__), "--blas", json.dumps(shapes),
                           "-s", str(seconds)], env=env))


def machine():
    info = dict(cores=os.cpu_count(), blas=os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"))
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name") and "cpu" not in info:
            info["cpu"] = line.split(":", 1)[1].strip()
        if line.startswith("flags") and "simd" not in info:
            flags = line.split(":", 1)[1].split()
            info["simd"] = [f for f in flags if f in ("avx", "avx2", "fma") or f.startswith("avx512")]
    return info


def print_table(doc):
    """The table of a kernels document (also used by bench/run.sh)."""
    print(f"\nkernels, GFLOP/s (best of {doc['rounds']} rounds of ~{doc['seconds_per_run']} s; load average "
          f"before: {doc['load_before']:.2f}); ratio = ours / OpenBLAS sgemm; conv: ours is the whole op, OpenBLAS the "
          "GEMM of its im2col form alone")
    t = doc["timing"]
    print(f"  other processes kept the CPUs busy {t['other_cpu_seconds']:.1f} s of the {t['seconds']:.0f} s of "
          "timing; * = never measured quiet (other load above 10% of a core), unreliable")
    print(f"  tools: {doc['tools']} (sources at {doc['tools_git']}); CPU: {doc['machine']['cpu']}, "
          f"{' '.join(doc['machine']['simd'])}")
    print(f"  {'kernel':23} {'GEMM MxKxN':>16} {'MFLOP':>7} {'ours 1T':>8}  {'ours 2T':>8}  {'BLAS 1T':>8}  "
          f"{'BLAS 2T':>8}  {'ratio 1T':>8} {'ratio 2T':>8}")
    for k in doc["kernels"]:
        cell = lambda side, t: (f"{k[side + '_gflops'][t]:.1f}" + ("*" if f"{side} {t}T" in k["noisy"] else " "))
        print(f"  {k['name']:23} {'x'.join(map(str, k['gemm'])):>16} {k['flops'] / 1e6:7.1f} "
              + " ".join(f"{cell(side, t):>9}" for side in ("ours", "openblas") for t in "12")
              + f" {k['ratio']['1']:8.2f} {k['ratio']['2']:8.2f}")


class Parser(argparse.ArgumentParser):
    """Bad flags exit with status 1 (argparse's own is 2), as every nnc tool does."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.exit(f"bench/kernels.py: error: {message}")


def main():
    p = Parser(description=__doc__.splitlines()[0])
    p.add_argument("-b", "--build", default=os.path.join(REPO, "build"), help="build dir with bin/nn-opt, "
                   "bin/nnc-codegen-test (default: build/)")
    p.add_argument("-s", "--seconds", type=float, default=0.25, help="timing budget per kernel and setting")
    p.add_argument("-r", "--rounds", type=int, default=3, help="timing rounds; the best is kept")
    p.add_argument("-o", "--out", help="results JSON (default: BUILD_DIR/bench/kernels.json)")
    p.add_argument("-k", "--kernels", default="", help="comma-separated ops to keep (e.g. matmul,conv2d_fwd)")
    p.add_argument("-n", "--name", default="", help="keep only kernels whose name contains this (e.g. incep)")
    p.add_argument("--blas", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.blas:
        return blas_main(json.loads(args.blas), args.seconds)

    if args.rounds < 1 or not args.seconds > 0:
        p.error("-r needs at least 1 round and -s a positive number of seconds")
    ops = sorted({k["op"] for k in KERNELS})
    wanted = args.kernels.split(",") if args.kernels else ops
    unknown = [o for o in wanted if o not in ops]
    if unknown:
        p.error(f"unknown op(s) {', '.join(unknown)} for -k (expected some of {', '.join(ops)})")
    kernels = [k for k in KERNELS if k["op"] in wanted and args.name in k["name"]]
    if not kernels:
        p.error(f"no kernel matches -k {args.kernels or 'all'} -n '{args.name}'")
    bindir, work = os.path.join(args.build, "bin"), os.path.join(args.build, "bench", "kernels")
    for tool in ("nn-opt", "nnc-codegen-test"):
        if not os.access(os.path.join(bindir, tool), os.X_OK):
            sys.exit(f"bench/kernels.py: error: {bindir}/{tool} not found: build it first "
                     f"(ninja -C {args.build} nn-opt nnc-codegen-test)")
    os.makedirs(work, exist_ok=True)
    args.out = args.out or os.path.join(args.build, "bench", "kernels.json")
    main_o, main_a = os.path.join(work, "kernel_main.o"), os.path.join(work, "kernel_main.a")
    run(["clang++-19", "-O2", "-c", os.path.join(REPO, "bench", "kernel_main.cpp"), "-o", main_o])
    if os.path.exists(main_a):
        os.remove(main_a)
    run(["ar", "rcs", main_a, main_o])

    load = os.getloadavg()[0]
    results = []
    for k in kernels:
        print(f"kernels: {k['name']} ({key(k)}): compile, check", flush=True)
        results.append(dict(name=k["name"], op=k["op"], gemm=k["gemm"], flops=2 * int(np.prod(k["gemm"])),
                            max_rel_diff=build_and_check(k, bindir, work, main_a)))
    # Rounds alternate our kernels and OpenBLAS; each figure is the best quiet one over the rounds (see
    # quietly), so that other load on the 2 cores costs a retry or a round, not the figure.
    start, (busy0, own0) = time.time(), cpu_seconds()
    got = {(side, t): [] for side in ("ours", "openblas") for t in (1, 2)}
    for rnd in range(1, args.rounds + 1):
        for t in (1, 2):
            print(f"kernels: round {rnd}/{args.rounds}, {t} thread(s): ours, OpenBLAS", flush=True)
            got["ours", t].append([time_ours(k, work, t, args.seconds) for k in kernels])
            got["openblas", t].append(time_blas(kernels, t, args.seconds))
    busy1, own1 = cpu_seconds()
    other = dict(seconds=time.time() - start, other_cpu_seconds=max(0.0, (busy1 - busy0) - (own1 - own0)))
    for i, r in enumerate(results):
        r["noisy"] = []
        for side in ("ours", "openblas"):
            r[side + "_gflops"] = {}
            for t in (1, 2):
                secs, quiet = min((rnd[i] for rnd in got[side, t]), key=lambda g: (not g[1], g[0]))
                r[side + "_gflops"][str(t)] = r["flops"] / secs / 1e9
                if not quiet:
                    r["noisy"].append(f"{side} {t}T")
        r["ratio"] = {t: r["ours_gflops"][t] / r["openblas_gflops"][t] for t in ("1", "2")}

    rev = lambda d: subprocess.run(["git", "-C", d, "rev-parse", "--short", "HEAD"], capture_output=True,
                                   text=True).stdout.strip() or None
    # The tools' sources: the build's CMAKE_HOME_DIRECTORY (they may be newer or older than this checkout).
    cache = os.path.join(os.path.dirname(os.path.realpath(bindir)), "CMakeCache.txt")
    src = next((l.split("=", 1)[1].strip() for l in open(cache) if l.startswith("CMAKE_HOME_DIRECTORY")), None) \
        if os.path.exists(cache) else None
    doc = dict(date=time.strftime("%Y-%m-%dT%H:%M:%S"), git=rev(REPO), tools=bindir,
               tools_git=src and rev(src), machine=machine(), load_before=load, timing=other,
               seconds_per_run=args.seconds, rounds=args.rounds, kernels=results)
    print_table(doc)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
