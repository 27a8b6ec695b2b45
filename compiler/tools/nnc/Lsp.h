//===- Lsp.h - `nnc lsp`: the language server -------------------*- C++ -*-===//
//
// A Language Server Protocol server over a byte stream (stdin/stdout):
// JSON-RPC 2.0 messages framed by `Content-Length` headers. It keeps the open
// .nn documents (full-text sync), publishes the frontend's errors as
// diagnostics after every change, and answers hover and go-to-definition
// (LspDocument.h). docs/editors.md lists what it supports.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TOOLS_LSP_H
#define NNC_TOOLS_LSP_H

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

namespace nnc::lsp {

struct Options {
  std::string stdlibDir; ///< where imports are looked for after the file's dir
  int64_t seqLen = 0;    ///< as `nnc check --seq-len`
  std::string version;   ///< reported in serverInfo
};

/// Serves requests from `in`, answering on `out`, until `exit` or the end of
/// `in`. Returns the exit status: 0 after `shutdown` then `exit`, else 1
/// (also when the stream is not LSP framing; the reason goes to `err`).
int serve(std::istream &in, std::ostream &out, std::ostream &err,
          const Options &options);

} // namespace nnc::lsp

#endif // NNC_TOOLS_LSP_H
