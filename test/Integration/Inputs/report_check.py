"""Recomputes the last epoch's test metrics of a --metrics file from `predict` output and the true targets.

usage: report_check.py classes|regression METRICS.jsonl PREDICTIONS TARGETS
classes: PREDICTIONS lines end in class=K, TARGETS one label per line; checks test_confusion exactly and
test_precision / test_recall to 1e-12 (null where undefined). regression: PREDICTIONS and TARGETS rows of
floats; checks test_mae and test_mse to 1e-6 relative (the predictions are printed with 9 digits).
Prints PASS, or FAIL with the first difference (exit status 1).
"""
import json
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


mode, metrics, preds, targets = sys.argv[1:5]
m = json.loads(open(metrics).read().splitlines()[-1])
pred_lines = [l.split() for l in open(preds) if l.strip()]
target_lines = [l.split() for l in open(targets) if l.strip()]
if len(pred_lines) != len(target_lines):
    fail(f"{len(pred_lines)} predictions for {len(target_lines)} targets")
if mode == "classes":
    pred = [int(l[-1].split("=")[1]) for l in pred_lines]
    true = [int(l[0]) for l in target_lines]
    c = len(m["test_confusion"])
    conf = [[0] * c for _ in range(c)]
    for t, p in zip(true, pred):
        conf[t][p] += 1
    if conf != m["test_confusion"]:
        fail(f"confusion {m['test_confusion']} != recomputed {conf}")
    for k in range(c):
        col = sum(conf[t][k] for t in range(c))
        row = sum(conf[k])
        want_p = conf[k][k] / col if col else None
        want_r = conf[k][k] / row if row else None
        for name, want in (("precision", want_p), ("recall", want_r)):
            got = m["test_" + name][k]
            if (want is None) != (got is None) or (want is not None and abs(got - want) > 1e-12):
                fail(f"class {k} {name} {got} != {want}")
    print("confusion", conf)
else:
    err = [float(p) - float(t) for pl, tl in zip(pred_lines, target_lines) for p, t in zip(pl, tl)]
    mae = sum(abs(e) for e in err) / len(err)
    mse = sum(e * e for e in err) / len(err)
    for name, want in (("mae", mae), ("mse", mse)):
        got = m["test_" + name]
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            fail(f"test_{name} {got} != recomputed {want}")
    print(f"mae {mae:.6f} mse {mse:.6f}")
print("PASS")
