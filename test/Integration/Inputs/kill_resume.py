#!/usr/bin/python3
"""Kills a training run with SIGKILL at random moments and resumes it each time (kill-resume.test).

  kill_resume.py BINARY WORKDIR [--kills 20] [--seed 1]

1. An uninterrupted run: BINARY train --save WORKDIR/full.st --save-every 1.
2. The same run into WORKDIR/k.st (with --resume k.st once it exists), killed with SIGKILL after a random
   delay (seeded; uniform in [5 ms, 1/15 of the uninterrupted run's time]) until KILLS kills have happened.
   A kill that leaves a k.st.tmp.* behind landed during a save. A run that ends by itself must exit 0 (a resume
   that fails to load, e.g. a half-written checkpoint under the final name, would not).
3. A last resume to the end.
Then every tensor of k.st must be bitwise identical to full.st's (the metadata differs only in the timing).
Prints the counts and PASS, or FAIL and exits 1.
"""
import argparse
import glob
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time


def tensors(path):
    """{name: bytes} of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    return {k: body[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items()
            if k != "__metadata__"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("workdir")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    full, ck = os.path.join(a.workdir, "full.st"), os.path.join(a.workdir, "k.st")
    for f in [full, ck] + glob.glob(ck + ".tmp.*"):
        os.remove(f) if os.path.exists(f) else None

    start = time.monotonic()
    subprocess.run([a.binary, "train", "--save", full, "--save-every", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    whole = time.monotonic() - start

    rng = random.Random(a.seed)
    kills = during_save = ended = attempts = 0
    while kills < a.kills:
        attempts += 1
        if attempts > 10 * a.kills:
            print(f"FAIL: only {kills} kills in {attempts - 1} attempts")
            return 1
        args = [a.binary, "train", "--save", ck, "--save-every", "1"]
        if os.path.exists(ck):
            args += ["--resume", ck]
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.005, max(0.01, whole / 15)))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
            if glob.glob(ck + ".tmp.*"):
                during_save += 1
            continue
        err = p.stderr.read().decode()
        if p.returncode != 0:
            print(f"FAIL: a run ended by itself with status {p.returncode}: {err}")
            return 1
        ended += 1
    final = subprocess.run([a.binary, "train", "--save", ck, "--save-every", "1", "--resume", ck],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if final.returncode != 0:
        print(f"FAIL: the last resume exited with {final.returncode}: {final.stderr}")
        return 1
    want, got = tensors(full), tensors(ck)
    differ = sorted(k for k in want if want[k] != got.get(k))
    print(f"kills {kills} (during a save: {during_save}), runs that ended by themselves {ended}, "
          f"tensors {len(want)}, differing {len(differ)}")
    if differ or set(want) != set(got) or during_save == 0:
        print("FAIL" + (f": {differ}" if differ else ": no kill landed during a save"))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
