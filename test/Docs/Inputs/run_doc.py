"""Runs a Markdown document's commands, so the document cannot go stale (test/Docs).

In the document:
  ```nn file=NAME.nn      the block is written to NAME.nn before the commands after it run
  ```console              `$ command` lines run in order (bash, in one scratch directory, with nnc on PATH);
                          the lines after a command are its expected output: each must match a line of the
                          actual output (stdout and stderr), in order, blanks compared as one; a line `...`
                          stands for any lines. A command whose expected output has an `error:` line must
                          exit 1; every other command must exit 0.
  ```console vary         the same, with every number a wildcard (the seconds, speeds and losses of a
                          training run vary; its words and names do not)
Blocks of other kinds (```sh, ```python, ...) are shown, not run.

usage: run_doc.py DOC.md --dir SCRATCH --src SOURCE_TREE --bin NNC_BIN_DIR
Prints one line per command; exits 1 at the first command that fails or prints something else.
"""
import argparse
import os
import re
import subprocess
import sys

NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def shape(line, vary):
    """The line with every run of blanks one blank (columns move with widths) and, in a `vary` block, every
    number a wildcard."""
    return " ".join((NUMBER.sub("#", line) if vary else line).split())


def blocks(text):
    """(info string, lines) of every fenced block."""
    out, cur, info = [], None, None
    for line in text.splitlines():
        if cur is None and line.startswith("```"):
            cur, info = [], line[3:].strip()
        elif cur is not None and line.startswith("```"):
            out.append((info, cur))
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def check(cmd, expected, actual, vary):
    """Expected lines in order among the actual lines; `...` skips any."""
    got = [shape(l, vary) for l in actual.splitlines()]
    i = 0
    for want in expected:
        if want.strip() == "...":
            continue
        w = shape(want, vary)
        while i < len(got) and got[i] != w:
            i += 1
        if i == len(got):
            return f"expected a line like\n  {want}\nin the output of `{cmd}`:\n{actual}"
        i += 1
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("doc")
    p.add_argument("--dir", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--bin", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    # nnc first, then Debian's programs (python3 with torch: the machine may have another python3 first).
    env = dict(os.environ, PATH=os.pathsep.join([a.bin, "/usr/bin", os.environ["PATH"]]), NNC_SRC=a.src)
    for link in ("examples", "stdlib"):
        dst = os.path.join(a.dir, link)
        if not os.path.exists(dst):
            os.symlink(os.path.join(a.src, link), dst)
    ran = 0
    for info, lines in blocks(open(a.doc).read()):
        words = info.split()
        if words[:1] == ["nn"] and any(w.startswith("file=") for w in words):
            name = [w for w in words if w.startswith("file=")][0][5:]
            with open(os.path.join(a.dir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
            continue
        if words[:1] != ["console"]:
            continue
        cmds = []
        for line in lines:
            if line.startswith("$ "):
                cmds.append((line[2:], []))
            elif cmds:
                cmds[-1][1].append(line)
        for cmd, expected in cmds:
            r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=a.dir, env=env,
                               capture_output=True, text=True, timeout=900)
            actual = r.stdout + r.stderr
            want_fail = any("error:" in l for l in expected)
            if r.returncode != (1 if want_fail else 0):
                sys.exit(f"run_doc: `{cmd}` exited {r.returncode}:\n{actual}")
            msg = check(cmd, expected, actual, words[1:2] == ["vary"])
            if msg:
                sys.exit("run_doc: " + msg)
            ran += 1
            print(f"ok: {cmd}")
    print(f"run_doc: {ran} commands ran as the document shows")


main()
