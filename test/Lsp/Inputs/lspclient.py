"""A minimal LSP client for the tests of `nnc lsp`: starts the server, frames
JSON-RPC messages with Content-Length headers and reads its answers (with a
timeout, so a hung server fails the test instead of blocking it)."""
import json
import os
import select
import subprocess
import sys


class Client:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.buf = b""
        self.notifications = []

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read_exact(self, n, timeout):
        fd = self.proc.stdout.fileno()
        while len(self.buf) < n:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                sys.exit("lspclient: no answer from the server within %ss" % timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                sys.exit("lspclient: the server closed its output (exit status %s)" % self.proc.wait())
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, timeout=60):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            header += self._read_exact(1, timeout)
        length = None
        for line in header.decode().split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        assert length is not None, "no Content-Length in %r" % header
        return json.loads(self._read_exact(length, timeout))

    def request(self, method, params=None):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}})
        while True:
            msg = self.read()
            if msg.get("id") == self.next_id and "method" not in msg:
                return msg
            self.notifications.append(msg)

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def diagnostics(self, uri):
        """The next publishDiagnostics for uri (notifications already read first)."""
        while True:
            msg = self.notifications.pop(0) if self.notifications else self.read()
            if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                return msg["params"]["diagnostics"]

    def exit(self, timeout=60):
        self.notify("exit")
        self.proc.stdin.close()
        return self.proc.wait(timeout)


def position(text, needle, occurrence=0, offset=0):
    """The LSP position (0-based line, UTF-16 column) of the occurrence-th
    `needle` in text, plus offset characters."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return {"line": line, "character": len(text[at - col:at].encode("utf-16-le")) // 2}


def fmt_range(r):
    """1-based line:col-line:col, as nnc prints positions."""
    s, e = r["start"], r["end"]
    return "%d:%d-%d:%d" % (s["line"] + 1, s["character"] + 1, e["line"] + 1, e["character"] + 1)
