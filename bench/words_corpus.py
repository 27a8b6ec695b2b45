#!/usr/bin/python3
"""Writes a text corpus as nnc's runtime reads it (runtime/Words.h), for fastText: one document per line.

Files: PATH itself, or every regular file of the directory PATH in name order, skipping symlinks and names
ending in `.dat` or `.u8` (Debian's fortunes: strfile indexes and UTF-8 links). Words: runs of ASCII letters
and apostrophes starting with a letter, lower-cased, trailing apostrophes dropped; every other byte separates
words. Documents: a line that is exactly "%" and the end of each file end one. Output: each document with at
least one word on a line of its own, its words separated by single spaces (so fastText's tokens are exactly
these words, plus its own end-of-line token `</s>`).

Prints to stderr one JSON line: documents, words, distinct words, and distinct words (and their occurrences)
with count >= --min-count.

  bench/words_corpus.py [--min-count 5] PATH OUT.txt
"""
import argparse
import collections
import json
import os
import re
import sys

WORD = re.compile(rb"[A-Za-z][A-Za-z']*")


def corpus_files(path):
    """PATH, or the directory's plain files in name order (no symlinks, .dat or .u8)."""
    if not os.path.isdir(path):
        return [path]
    names = sorted(os.listdir(path))
    return [os.path.join(path, n) for n in names
            if not n.endswith((".dat", ".u8")) and not os.path.islink(os.path.join(path, n))
            and os.path.isfile(os.path.join(path, n))]


def documents(path):
    """Yields each document of the corpus as a list of words (possibly empty)."""
    for name in corpus_files(path):
        with open(name, "rb") as f:
            text = f.read()
        doc = []
        for line in text.split(b"\n"):
            if line == b"%":
                yield doc
                doc = []
                continue
            doc.extend(m.group(0).rstrip(b"'").lower().decode("ascii") for m in WORD.finditer(line))
        yield doc


def write_corpus(path, out, min_count):
    """Writes the documents with words to OUT (atomically), one a line; returns the corpus statistics."""
    counts = collections.Counter()
    ndocs = 0
    tmp = out + ".tmp.%d" % os.getpid()
    try:
        with open(tmp, "w") as f:
            for doc in documents(path):
                if doc:
                    f.write(" ".join(doc) + "\n")
                    counts.update(doc)
                    ndocs += 1
        if ndocs == 0:
            raise ValueError(path + ": no words")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    frequent = [c for c in counts.values() if c >= min_count]
    return {"documents": ndocs, "words": sum(counts.values()), "distinct": len(counts), "min_count": min_count,
            "vocab": len(frequent), "vocab_words": sum(frequent)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("path")
    ap.add_argument("out")
    args = ap.parse_args()
    try:
        stats = write_corpus(args.path, args.out, args.min_count)
    except (OSError, ValueError) as e:
        sys.exit("words_corpus.py: error: %s" % e)
    print(json.dumps(stats), file=sys.stderr)


if __name__ == "__main__":
    main()
