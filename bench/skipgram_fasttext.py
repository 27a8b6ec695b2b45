#!/usr/bin/python3
"""fastText skip-gram on Debian's fortunes: the peer of nnc's skip-gram (runtime/Words.h).

Builds the corpus with bench/words_corpus.py (nnc's tokenisation, one fortune per line), then runs K times
  fasttext skipgram -input corpus.txt -output OUT -minn 0 -maxn 0 -dim 100 -ws 5 -neg 5 -epoch 5
                    -minCount 5 -thread 2 -t 1e-4 -lr 0.025
(Debian's `fasttext` package; `apt-get install fasttext`) and reports words/s = fastText's last
"words/sec/thread" x threads (fastText counts every in-vocabulary token it reads, its end-of-line `</s>` too,
subsampled or not), the wall time, and the nearest neighbours (`fasttext nn OUT.bin`) of a few words.

What fastText does differently from word2vec (and nnc): `</s>` ends every line and is a word (it trains as a
centre and context, and counts in the words/s); f in the subsampling is count / all tokens read; negatives come
from unigram^0.5 (not 0.75); the learning rate decays linearly to 0 over all words of all epochs; one pair per
update (no batch), 2 Hogwild threads.

  bench/skipgram_fasttext.py [-i PATH] [-k RUNS] [-o RESULTS.json] [--out PREFIX] [--words w1,w2,...]
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import words_corpus  # noqa: E402

ARGS = ["-minn", "0", "-maxn", "0", "-dim", "100", "-ws", "5", "-neg", "5", "-epoch", "5", "-minCount", "5",
        "-thread", "2", "-t", "1e-4", "-lr", "0.025"]
THREADS, EPOCHS, MIN_COUNT = 2, 5, 5


def die(msg):
    sys.exit("bench/skipgram_fasttext.py: error: " + msg)


def git_rev():
    """The repository's HEAD commit, or "unknown"."""
    r = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def train(corpus, prefix):
    """One fastText run: (words/s over both threads, wall seconds, final avg loss, vocabulary size)."""
    t0 = time.perf_counter()
    r = subprocess.run(["fasttext", "skipgram", "-input", corpus, "-output", prefix] + ARGS,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        die("fasttext skipgram failed:\n" + r.stderr[-2000:])
    progress = re.findall(r"words/sec/thread:\s*(\d+).*?avg\.loss:\s*([0-9.]+)", r.stderr)
    nwords = re.search(r"Number of words:\s*(\d+)", r.stdout + r.stderr)
    if not progress or not nwords:
        die("cannot find words/sec/thread in fastText's output:\n" + r.stderr[-2000:])
    return int(progress[-1][0]) * THREADS, wall, float(progress[-1][1]), int(nwords.group(1))


def neighbours(model, words, k):
    """{word: [[neighbour, cosine], ...]} from `fasttext nn`."""
    r = subprocess.run(["fasttext", "nn", model, str(k)], input="\n".join(words) + "\n",
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("fasttext nn failed:\n" + r.stderr[-2000:])
    rows = [line.replace("Query word? ", "").split() for line in r.stdout.splitlines()]
    rows = [row for row in rows if len(row) == 2]
    if len(rows) != k * len(words):
        die("fasttext nn gave %d rows, expected %d" % (len(rows), k * len(words)))
    return {w: [[n, float(s)] for n, s in rows[i * k:(i + 1) * k]] for i, w in enumerate(words)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--input", default="/usr/share/games/fortunes")
    ap.add_argument("-k", "--runs", type=int, default=3)
    ap.add_argument("-o", "--results", default=os.path.join(HERE, "results-skipgram.json"))
    ap.add_argument("--out", default="/tmp/ft", help="prefix of the last run's model (.bin, .vec)")
    ap.add_argument("--words", default="love,money,man,god,computer,time")
    ap.add_argument("--nn", type=int, default=10)
    args = ap.parse_args()
    if args.runs < 1:
        die("-k needs a positive number of runs")
    if subprocess.run(["which", "fasttext"], capture_output=True).returncode != 0:
        die("fasttext not found: install Debian's package (apt-get install fasttext)")
    if not os.path.exists(args.input):
        die(args.input + ": no such file or directory")

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        try:
            stats = words_corpus.write_corpus(args.input, corpus, MIN_COUNT)
        except (OSError, ValueError) as e:
            die(str(e))
        # What fastText reads per epoch: the in-vocabulary words and one </s> per line.
        stats["fasttext_tokens_per_epoch"] = stats["vocab_words"] + stats["documents"]
        print("corpus: %(documents)d documents, %(words)d words, %(distinct)d distinct, "
              "%(vocab)d with count >= 5 (%(vocab_words)d of the words)" % stats)
        runs = []
        for i in range(args.runs):
            wps, wall, loss, nwords = train(corpus, args.out)
            runs.append({"words_per_s": wps, "wall_s": round(wall, 3), "avg_loss": loss,
                         "load_avg_1min": round(os.getloadavg()[0], 2)})
            print("run %d: %d words/s (%d/thread x %d), %.2f s wall, avg.loss %.4f, load %.2f"
                  % (i + 1, wps, wps // THREADS, THREADS, wall, loss, os.getloadavg()[0]))
    words = [w for w in args.words.split(",") if w]
    nn = neighbours(args.out + ".bin", words, args.nn)
    for w in words:
        print("%-9s %s" % (w, " ".join("%s(%.3f)" % (n, s) for n, s in nn[w])))
    wps = [r["words_per_s"] for r in runs]
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"), "git": git_rev(),
        "fasttext": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "fasttext"],
                                   capture_output=True, text=True).stdout or "unknown",
        "command": "fasttext skipgram -input corpus.txt -output " + args.out + " " + " ".join(ARGS),
        "input": args.input, "corpus": stats, "fasttext_vocab": nwords, "epochs": EPOCHS, "threads": THREADS,
        "runs": runs, "words_per_s": {"best": max(wps), "median": statistics.median(wps), "worst": min(wps)},
        "neighbours": nn}
    tmp = args.results + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.results)
    print("words/s: best %d, median %d, worst %d; written to %s"
          % (max(wps), statistics.median(wps), min(wps), args.results))


if __name__ == "__main__":
    main()
