"""A scripted editor session with `nnc lsp` (argv: nnc, a scratch dir):
prints what the server answers, one line per fact, for FileCheck."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lspclient import Client, fmt_range, position  # noqa: E402

nnc, scratch = sys.argv[1], sys.argv[2]
os.makedirs(scratch, exist_ok=True)
path = os.path.join(scratch, "net.nn")
uri = "file://" + path

BROKEN = """model Net(x: f32[B, 28, 28, 1]) -> f32[B, 10] {
  h = max_pool(relu(conv2d(x, 32, 3, padding="same")), 2)
  h = relu(dens(flatten(h), 64))
  return dense(h, 10)
}
"""
FIXED = BROKEN.replace("dens(", "dense(")
# An import from the stdlib and a model used by a train section.
FIXED = 'import "residual.nn"\n' + FIXED + """
model Res(x: f32[B, 8, 8, 16]) -> f32[B, 8, 8, 16] {
  return Residual(x, 16)
}

train Net {
  data = fashion_mnist()
  loss = cross_entropy(Net(x), y)
  optimizer = sgd(lr=0.1)
}

block Wide(x, c) {
  return relu(dense(x, c * 2))
}

model UsesWide(x: f32[B, 4]) -> f32[B, 6] {
  return Wide(x, 3)
}
"""

c = Client([nnc, "lsp"])
init = c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
caps = init["result"]["capabilities"]
print("server:", init["result"]["serverInfo"]["name"])
print("capabilities: sync=%s hover=%s definition=%s" % (
    caps["textDocumentSync"]["change"], caps["hoverProvider"], caps["definitionProvider"]))
c.notify("initialized")

c.notify("textDocument/didOpen",
         {"textDocument": {"uri": uri, "languageId": "nn", "version": 1, "text": BROKEN}})
for d in c.diagnostics(uri):
    print("diagnostic %s severity=%d: %s" % (fmt_range(d["range"]), d["severity"], d["message"]))

c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                     "contentChanges": [{"text": FIXED}]})
after = c.diagnostics(uri)
print("after fix: %d diagnostics" % len(after))
for d in after:
    print("  unexpected: " + d["message"])


def at(method, needle, occurrence, offset):
    """The result of `method` at the occurrence of needle (+ offset) in the fixed text."""
    return c.request(method, {"textDocument": {"uri": uri},
                              "position": position(FIXED, needle, occurrence, offset)})["result"]


def hover(needle, occurrence=0, offset=0):
    res = at("textDocument/hover", needle, occurrence, offset)
    if res is None:
        print("hover %r: none" % needle)
        return
    value = res["contents"]["value"].replace("```", "")
    print("hover %r at %s:" % (needle, fmt_range(res["range"])))
    for line in value.split("\n"):
        if line.strip():
            print("  " + line)


def definition(needle, occurrence=0, offset=0):
    res = at("textDocument/definition", needle, occurrence, offset)
    if res is None:
        print("definition %r: none" % needle)
        return
    print("definition %r: %s %s" % (needle, os.path.basename(res["uri"]), fmt_range(res["range"])))


# What `nnc summary` says of the same file, to compare the hovers with.
with open(path, "w") as f:
    f.write(FIXED)
summary = json.loads(subprocess.check_output([nnc, "summary", "--json", path]))
rows = {r["name"]: r for r in summary["layers"]}
print("summary: dense1 %d conv1 %d total %d" % (
    rows["dense1"]["weights"] + rows["dense1"]["biases"],
    rows["conv1"]["weights"] + rows["conv1"]["biases"], summary["total"]["params"]))

hover("h = max_pool")                # the first h: after the pooling
hover("h = relu")                    # the second h: after the dense layer
hover("flatten(h)", offset=8)        # a use of the first, the cursor on `h`
hover("dense(flatten", offset=2)     # a layer call: its parameters
hover("conv2d")
hover("Net", occurrence=1)           # the model named by the train section
hover("Residual")               # a block instance's layers
hover("32")                          # a number: nothing
hover("c * 2")                       # a block's number argument
definition("Net", occurrence=2)      # Net(x) in the loss
definition("Residual")          # into the stdlib
definition("h, 10")                  # a local name: its first binding
definition("x, 32")                  # an argument

r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {}})
print("unknown request: error %d %s" % (r["error"]["code"], r["error"]["message"]))
c.notify("$/unknownNotification", {})
r = c.request("textDocument/hover", {"textDocument": {"uri": uri}})
print("bad params: error %d" % r["error"]["code"])
c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
print("after close: %d diagnostics" % len(c.diagnostics(uri)))
r = c.request("shutdown")
print("shutdown:", "result" in r and r["result"] is None)
print("exit status:", c.exit())
