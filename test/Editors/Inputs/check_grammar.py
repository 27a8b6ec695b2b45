"""Checks the editor files against the language (argv: source root): the
TextMate grammar and the VS Code manifests are valid JSON, the grammar's and
the Vim syntax's keyword lists are NN.g4's keywords and the contextual words
the parser checks (compiler/lib/Frontend/Parser.cpp), the grammar's regexes
compile and tokenize a sample as intended. Prints one line per check."""
import json
import os
import re
import sys

root = sys.argv[1]
editors = os.path.join(root, "grammar", "editors")


def read(*parts):
    with open(os.path.join(root, *parts), encoding="utf-8") as f:
        return f.read()


# The language: quoted words of NN.g4 (not in comments) and the parser's words.
g4 = re.sub(r"//.*", "", read("grammar", "NN.g4"))
keywords = set(re.findall(r"'([a-z]+)'", g4))
parser = read("compiler", "lib", "Frontend", "Parser.cpp")
# `word != "repeat"` on a statement's first IDENT, `word(n, "scan")` in scans,
# `IDENT(0)->getText() != "step"` in train sections (the literals' true/false
# are keywords already).
contextual = set(re.findall(r'(?:word [!=]= |getText\(\) != |word\([^;]*?, )"([a-z]+)"', parser))
print("NN.g4 keywords:", " ".join(sorted(keywords)))
print("contextual words:", " ".join(sorted(contextual)))

grammar = json.loads(read("grammar", "editors", "nn.tmLanguage.json"))
rules = grammar["repository"]["keywords"]["patterns"]


def words(rule):
    return set(re.fullmatch(r"\\b\((.*)\)\\b", rule["match"]).group(1).split("|"))


tm_contextual = set().union(*(words(r) for r in rules if "contextual" in r["name"]))
tm_keywords = set().union(*(words(r) for r in rules if "contextual" not in r["name"]))
print("tmLanguage keywords:", "same" if tm_keywords == keywords else "differ: %s" % sorted(tm_keywords ^ keywords))
print("tmLanguage contextual:", "same" if tm_contextual == contextual else
      "differ: %s" % sorted(tm_contextual ^ contextual))

vim = read("grammar", "editors", "vim", "syntax", "nn.vim")
vim_words = {}
for group, ws in re.findall(r"^syn keyword (\w+) (.*)$", vim, re.M):
    vim_words.setdefault(group, set()).update(ws.split())
vim_keywords = vim_words["nnKeyword"] | vim_words["nnBoolean"]
print("vim keywords:", "same" if vim_keywords == keywords else "differ: %s" % sorted(vim_keywords ^ keywords))
print("vim contextual:", "same" if vim_words["nnContextual"] == contextual else
      "differ: %s" % sorted(vim_words["nnContextual"] ^ contextual))

# Every regex compiles (Python's re is close to Oniguruma for these); a
# sample line tokenizes as intended, first matching rule first.
flat = []
for name in [p["include"][1:] for p in grammar["patterns"]]:
    rule = grammar["repository"][name]
    for r in rule.get("patterns", [rule]):
        if "match" in r:
            flat.append((r["name"], re.compile(r["match"])))
sample = 'model Net(x: f32[B, 4]) -> f32[B, 2] { h = relu(dense(x, 8)); repeat 2 { h = h * 0.5 } return h }'
tokens, i = [], 0
while i < len(sample):
    for name, rx in flat:
        m = rx.match(sample, i)
        if m and m.end() > i:
            tokens.append("%s=%s" % (m.group(0), name.split(".")[0] + "." + name.split(".")[-2]))
            i = m.end()
            break
    else:
        i += 1
print("regexes compile:", len(flat))
print("tokens:", " ".join(tokens))

pkg = json.loads(read("grammar", "editors", "vscode", "package.json"))
json.loads(read("grammar", "editors", "vscode", "language-configuration.json"))
g = pkg["contributes"]["grammars"][0]
linked = json.loads(read("grammar", "editors", "vscode", g["path"]))
print("vscode: language %s, extensions %s, grammar %s, client %s" % (
    pkg["contributes"]["languages"][0]["id"], pkg["contributes"]["languages"][0]["extensions"],
    "same" if linked == grammar and g["scopeName"] == grammar["scopeName"] else "differs",
    "declared" if "vscode-languageclient" in pkg["dependencies"] else "missing"))
