"""Writes N seeded random samples for `predict --input`: floats in [0, 1), or
with --ids V integers in [0, V) (token ids).

usage: samples.py N PER [--ids V] [--seed S]
"""
import argparse
import random

p = argparse.ArgumentParser()
p.add_argument("n", type=int)
p.add_argument("per", type=int)
p.add_argument("--ids", type=int, default=0)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)
for _ in range(a.n):
    if a.ids:
        print(" ".join(str(rng.randrange(a.ids)) for _ in range(a.per)))
    else:
        print(" ".join(f"{rng.random():.6f}" for _ in range(a.per)))
