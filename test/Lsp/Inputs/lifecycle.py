"""`nnc lsp`'s lifecycle (argv: nnc): requests before `initialize` and after
`shutdown` are refused, `exit` without `shutdown` exits with status 1."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lspclient import Client  # noqa: E402

nnc = sys.argv[1]
c = Client([nnc, "lsp"])
r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///x.nn"},
                                      "position": {"line": 0, "character": 0}})
print("before initialize: error", r["error"]["code"])
c.request("initialize", {"capabilities": {}})
r = c.request("initialize", {"capabilities": {}})
print("a second initialize: error", r["error"]["code"])
r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///not-open.nn"},
                                      "position": {"line": 0, "character": 0}})
print("hover on a document not open:", r["result"])
c.request("shutdown")
r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///x.nn"},
                                      "position": {"line": 0, "character": 0}})
print("after shutdown: error", r["error"]["code"])
print("exit status:", c.exit())

c = Client([nnc, "lsp"])
c.request("initialize", {"capabilities": {}})
print("exit without shutdown, status:", c.exit())
