#!/usr/bin/python3
"""loss_falls.py METRICS.jsonl MIN_TEST_ACC: the `train --metrics` file of a 2-epoch run must show a lower
train_loss in epoch 2 than in epoch 1 and at least MIN_TEST_ACC % test accuracy after epoch 2. Prints PASS/FAIL."""
import json
import sys

m = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
floor = float(sys.argv[2])
ok = len(m) == 2 and m[1]["train_loss"] < m[0]["train_loss"] and m[1]["test_acc"] >= floor
for e in m:
    print(f"epoch {e['epoch']}: train_loss {e['train_loss']:.4f} test_acc {e['test_acc']:.2f}%")
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
