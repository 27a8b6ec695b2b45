"""`nnc lsp` on text an editor produces while typing (argv: nnc, .nn files):
every file cut at many points and with bytes flipped, each followed by hovers
and definitions at many positions. Every request must be answered without an
error, every change with diagnostics, and the server must stay up; prints the
counts."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lspclient import Client  # noqa: E402

nnc, files = sys.argv[1], sys.argv[2:]
rng = random.Random(1)
c = Client([nnc, "lsp"])
c.request("initialize", {"capabilities": {}})
c.notify("initialized")
edits = answered = found = failures = 0


def check(diagnostics):
    """An exception inside the analysis becomes an 'internal failure' diagnostic: a failure here."""
    global failures
    for d in diagnostics:
        if "internal failure" in d["message"]:
            failures += 1
            print("internal failure:", d["message"])

for path in files:
    uri = "file://" + os.path.abspath(path)
    text = open(path, encoding="utf-8").read()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "nn", "version": 0,
                                                        "text": text}})
    check(c.diagnostics(uri))
    variants = [text[:rng.randrange(len(text) + 1)] for _ in range(8)]
    for _ in range(8):
        chars = list(text)
        for _ in range(3):
            chars[rng.randrange(len(chars))] = rng.choice("(){}[],=:@+-*/\"x0é\U0001F600\t\n")
        variants.append("".join(chars))
    for v in variants:
        edits += 1
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": edits},
                                             "contentChanges": [{"text": v}]})
        check(c.diagnostics(uri))
        lines = v.split("\n")
        for _ in range(6):
            line = rng.randrange(len(lines) + 1)
            pos = {"line": line, "character": rng.randrange(120)}
            for method in ("textDocument/hover", "textDocument/definition"):
                r = c.request(method, {"textDocument": {"uri": uri}, "position": pos})
                answered += 1
                found += r.get("result") is not None
                if "error" in r:
                    failures += 1
                    print("error on %s %s: %s" % (method, pos, r["error"]))
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    c.diagnostics(uri)
# A message that is not JSON gets a parse error; the server goes on.
body = b"{not json"
c.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
c.proc.stdin.flush()
print("not json: error", c.read()["error"]["code"])
print("files %d, edits %d, requests answered %d (%d with a result), errors %d" % (
    len(files), edits, answered, found, failures))
print("shutdown:", c.request("shutdown").get("result", "missing"))
print("exit status:", c.exit())
