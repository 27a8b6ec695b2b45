//===- Diagnostics.h - Source-located error reporting ------------*- C++
//-*-===//
//
// The one diagnostic format of nnc: `file:line:col: error: message`, then the
// source line, then a caret under the column. The engine keeps the text of
// every file it has seen (the main file and its imports) to print the line,
// counts errors so a phase can keep going and the CLI can exit with 1, drops
// exact duplicates (a model body checked alone and again when inlined), and
// stops printing after kMaxErrors so binary garbage gives a short report.
// Control bytes and invalid UTF-8 are escaped, and very long source lines
// are shown as a window around the column.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIAGNOSTICS_H
#define NNC_DIAGNOSTICS_H

#include "nnc/Program.h"
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace nnc {

/// Offset of the first byte of `text` that is not valid UTF-8, or npos.
size_t invalidUtf8(const std::string &text);

class Diagnostics {
public:
  static constexpr int kMaxErrors = 50;

  explicit Diagnostics(std::ostream &os) : os(os) {}

  /// Registers the text of `file` so errors in it can show the source line.
  void addSource(const std::string &file, std::string text) {
    sources[file] = std::move(text);
  }

  /// Reports `file:line:col: error: message` + source line + caret.
  void error(const Loc &loc, const std::string &message);
  /// Reports an error that has no source position: `error: message`.
  void error(const std::string &message);

  /// An error as reported: its position (line 0 if it has none) and message.
  struct Entry {
    Loc loc;
    std::string message;
  };
  /// Every error printed so far, in order (for `nnc lsp`'s diagnostics).
  const std::vector<Entry> &entries() const { return reported; }

  int errorCount() const { return numErrors; }
  bool hasErrors() const { return numErrors > 0; }

private:
  std::ostream &os;
  std::map<std::string, std::string> sources;
  std::set<std::tuple<std::string, int, int, std::string>> seen;
  std::vector<Entry> reported;
  int numErrors = 0;
};

} // namespace nnc

#endif // NNC_DIAGNOSTICS_H
