"""Checks `tune`'s output: every lr drawn within [lo, hi], the table sorted by val_loss, and the `best:` line
naming the row of the lowest val_loss. usage: tune_check.py OUTPUT LO HI TRIALS. Prints PASS or FAIL."""
import re
import sys

out, lo, hi, trials = open(sys.argv[1]).read(), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rows = [l.split() for l in out.splitlines() if re.match(r"^\s+\d+\s+[0-9.e+-]+\s+[0-9.e+-]+\s", l)]
if len(rows) != trials:
    sys.exit(f"FAIL: {len(rows)} rows for {trials} trials")
lrs = [float(r[1]) for r in rows]
losses = [float(r[2]) for r in rows]
if any(not (lo <= x <= hi) for x in lrs) or len(set(lrs)) != trials:
    sys.exit(f"FAIL: learning rates {lrs} not {trials} distinct draws in [{lo}, {hi}]")
if losses != sorted(losses):
    sys.exit(f"FAIL: val losses not sorted: {losses}")
best = re.search(r"^best: trial (\d+), lr ([0-9.e+-]+), val_loss ([0-9.e+-]+)", out, re.M)
if not best or int(best.group(1)) != int(rows[0][0]) or float(best.group(3)) != min(losses):
    sys.exit(f"FAIL: best line {best and best.group(0)} is not the row of val_loss {min(losses)}")
print("PASS")
