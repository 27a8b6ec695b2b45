#!/usr/bin/python3
"""STREAM-like memory bandwidth of this machine, the limit of memory-bound models (bench/gene_ae.nn).

Four kernels on float32 arrays far larger than the caches (--mib each, default 512 MiB: this machine's L3 is
shared and large), run by PyTorch's elementwise ops on its OpenMP threads (1 and 2, or --threads):
  copy  c = a          read 1 array, write 1
  scale c = s * a      read 1, write 1
  add   c = a + b      read 2, write 1
  triad c = a + s * b  read 2, write 1   (the SGD update's pattern: W - lr g)
  read  sum(a)         read 1            (a forward GEMM streaming its weights)
GB/s counts the bytes the kernel must move (STREAM's convention: no write-allocate traffic), best of --reps.
Prints one JSON object: {"threads": {"1": {"copy": GB/s, ...}, "2": {...}}, "mib": ..., "best": GB/s}, "best"
the highest figure of any kernel and thread count (the bandwidth a step can hope for).
Run it tuned like the PyTorch peers: OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1.
"""
import argparse
import json
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mib", type=int, default=512, help="size of each array in MiB (default 512)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    args = ap.parse_args()

    n = args.mib * (1 << 20) // 4
    a = torch.rand(n)
    b = torch.rand(n)
    c = torch.empty(n)  # written once below, so its pages exist before timing
    c.fill_(0)
    nbytes = 4 * n
    kernels = {
        "copy": (lambda: c.copy_(a), 2),
        "scale": (lambda: torch.mul(a, 3.0, out=c), 2),
        "add": (lambda: torch.add(a, b, out=c), 3),
        "triad": (lambda: torch.add(a, b, alpha=3.0, out=c), 3),
        "read": (lambda: a.sum(), 1),
    }
    out = {"mib": args.mib, "threads": {}}
    for t in [int(s) for s in args.threads.split(",")]:
        torch.set_num_threads(t)
        res = {}
        for name, (fn, arrays) in kernels.items():
            best = float("inf")
            for _ in range(args.reps):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
            res[name] = arrays * nbytes / best / 1e9
        out["threads"][str(t)] = res
    out["best"] = max(v for r in out["threads"].values() for v in r.values())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
