//===- LspDocument.h - One .nn buffer analysed for `nnc lsp` ----*- C++ -*-===//
//
// An open document of the language server: its text is parsed and analysed
// (imports resolved relative to its path, then in the stdlib dir) as
// `nnc check` does, and the results answer the editor's questions: the
// errors as diagnostics, the type or layer under the cursor (hover), where
// a model, block or name is defined. Positions are LSP's: 0-based lines
// and UTF-16 code units; nnc's Locs count 1-based lines and code points.
// Nothing here throws: analysis failures become diagnostics.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TOOLS_LSPDOCUMENT_H
#define NNC_TOOLS_LSPDOCUMENT_H

#include "nnc/Frontend.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::lsp {

struct Position {
  int line = 0;      ///< 0-based
  int character = 0; ///< UTF-16 code units
};

struct Range {
  Position start, end;
};

struct Diagnostic {
  Range range;
  std::string message;
};

struct Location {
  std::string path; ///< a file path (the server makes it a URI)
  Range range;
};

struct Hover {
  Range range;
  std::string markdown;
};

class Document {
public:
  /// Parses and analyses `text` as the file `path`.
  Document(std::string path, std::string text, const std::string &stdlibDir,
           int64_t seqLen);

  /// Every error `nnc check` reports for this text; errors in an imported
  /// file are placed on the import (or the first line) and name their file.
  const std::vector<Diagnostic> &diagnostics() const { return diags; }
  std::optional<Hover> hover(Position pos) const;
  std::optional<Location> definition(Position pos) const;

private:
  /// An identifier: its file, 1-based line, first code point and text.
  struct Word {
    int line = 0, col = 0;
    std::string text;
  };
  std::optional<Word> wordAt(Position pos) const;
  /// The Loc of the identifier `name` at or after `loc` on its line (the
  /// name of `model M`, of `param W`), or `loc` itself.
  Loc nameLoc(const Loc &loc, const std::string &name) const;
  /// `loc` and the next `length` code points as an LSP range.
  Range range(const Loc &loc, int length) const;
  std::string modelHover(const ast::Model &m) const;
  std::optional<Loc> localDefinition(const Word &w) const;
  /// The text of `file` (this document's or an import's), or "" .
  const std::string &textOf(const std::string &file) const;

  std::string path, text;
  std::unique_ptr<ast::Module> module;
  Program prog;
  std::vector<NameInfo> names;
  std::vector<Diagnostic> diags;
  mutable std::vector<std::pair<std::string, std::string>> otherTexts;
};

/// Line `line` (1-based) of `text` as code points, without its newline.
std::vector<std::string> codePoints(const std::string &text, int line);

} // namespace nnc::lsp

#endif // NNC_TOOLS_LSPDOCUMENT_H
