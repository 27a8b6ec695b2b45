"""Checks the predictions of Inputs/scan-feedback.nn against the recurrence of CONCEPTS.md §2 computed here:
h_t = sigmoid(theta h_{t-1} + x_t), y_1 = sigmoid(v h_1 + C0), y_t = sigmoid(v h_t + r y_{t-1} + C), forward
(ys) and over the reversed sequence with outputs kept at their step (rs). Usage: scan-feedback.py INPUT OUTPUT;
prints the largest difference and PASS or FAIL."""
import math
import sys

THETA, V, R, C0, C = 0.5, 2.0, 0.75, 0.1, -0.3


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def recurrence(xs):
    h = y = 0.0
    ys = []
    for t, x in enumerate(xs):
        h = sigmoid(THETA * h + x)
        y = sigmoid(V * h + C0) if t == 0 else sigmoid(V * h + R * y + C)
        ys.append(y)
    return ys


def main():
    inputs = [[float(v) for v in line.split()] for line in open(sys.argv[1]) if line.strip()]
    outputs = [[float(v) for v in line.split()] for line in open(sys.argv[2]) if line.strip()]
    worst = 0.0
    for xs, out in zip(inputs, outputs):
        ys, rs = recurrence(xs), recurrence(xs[::-1])[::-1]
        expected = [v for pair in zip(ys, rs) for v in pair]  # [4, 2] row-major
        worst = max([worst] + [abs(a - b) for a, b in zip(out, expected)])
    ok = len(inputs) == len(outputs) and worst < 1e-5
    print("scan-feedback: maxdiff %.3g %s" % (worst, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
