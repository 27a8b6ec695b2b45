#!/usr/bin/python3
"""Writes the libFuzzer dictionary of the .nn language to stdout: every literal token of grammar/NN.g4 and every
identifier-like string literal of the front end's builtin and train-section tables (SemaBuiltins.cpp,
SemaTrain.cpp, ...), so it follows the language as it changes.  Usage: make_dict.py SOURCE_ROOT > nn.dict"""
import glob
import os
import re
import sys

root = sys.argv[1]
words = set()
with open(os.path.join(root, "grammar", "NN.g4")) as f:
    for lit in re.findall(r"'((?:[^'\\]|\\.)+)'", f.read()):
        words.add(lit.replace("\\\\", "\\"))
for path in glob.glob(os.path.join(root, "compiler", "lib", "Frontend", "Sema*.cpp")):
    with open(path) as f:
        for lit in re.findall(r'"([a-z_][a-z0-9_]*)"', f.read()):
            words.add(lit)
# Shapes and numbers the seeds use little.
words.update(["f32[B, 784]", "i32[B]", "f32[B, 28, 28, 1]", "i32[B, 24]", "[B, T, 8]", "1e-3", "-1", "0.5"])
for w in sorted(words):
    print('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"')
