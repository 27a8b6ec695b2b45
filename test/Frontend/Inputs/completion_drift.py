"""Checks that nnc.bash offers exactly the subcommands `nnc --help` lists and,
for each, exactly the flags `nnc help CMD` documents (argv: nnc, nnc.bash,
complete.sh). Prints one line per command."""
import re
import subprocess
import sys

nnc, script, complete = sys.argv[1:4]


def offered(*words):
    out = subprocess.run(["bash", complete, script, *words], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def documented(text):
    flags = {"--help"}
    for line in text.splitlines():
        m = re.match(r"^  (-[\w-]+=?)[A-Z ]*(?:, (-[\w-]+))?", line)
        if m:
            flags.update(f for f in m.groups() if f)
    return flags


overview = subprocess.run([nnc, "--help"], capture_output=True, text=True, check=True).stdout
commands = set(re.findall(r"^  nnc (\w+)", overview, re.M))
print("commands:", "same" if commands == offered("nnc", "") - {"--help", "--version"}
      else "differ: help %s, completion %s" % (sorted(commands), sorted(offered("nnc", ""))))
for cmd in sorted(commands - {"help"}):
    helped = documented(subprocess.run([nnc, "help", cmd], capture_output=True, text=True, check=True).stdout)
    completed = offered("nnc", cmd, "-")
    print("%s: %d flags, %s" % (cmd, len(helped), "same" if helped == completed else
                                "differ: only in help %s, only in completion %s" % (
                                    sorted(helped - completed), sorted(completed - helped))))
