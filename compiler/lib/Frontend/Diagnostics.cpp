//===- Diagnostics.cpp - Source-located error reporting
//--------------------===//
//
// Prints `file:line:col: error: message`, the source line and a caret. Tabs
// in the source line are kept in the caret line so the caret lines up;
// control bytes are shown as '?' (`\xNN` in messages) so binary input cannot
// mess up a terminal; a long line is cut to a window around the column.
//
//===----------------------------------------------------------------------===//
#include "nnc/Diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace nnc;

size_t nnc::invalidUtf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int n = c < 0x80         ? 0
            : (c >> 5) == 6  ? 1
            : (c >> 4) == 14 ? 2
            : (c >> 3) == 30 ? 3
                             : -1;
    if (n < 0 || i + n >= s.size())
      return i;
    for (int k = 1; k <= n; ++k)
      if (((unsigned char)s[i + k] >> 6) != 2)
        return i;
    i += n + 1;
  }
  return std::string::npos;
}

/// Returns line `line` (1-based) of `text`, or "" if there is none.
static std::string sourceLine(const std::string &text, int line) {
  size_t begin = 0;
  for (int l = 1; l < line; ++l) {
    begin = text.find('\n', begin);
    if (begin == std::string::npos)
      return "";
    ++begin;
  }
  size_t end = text.find('\n', begin);
  std::string s =
      text.substr(begin, end == std::string::npos ? end : end - begin);
  if (!s.empty() && s.back() == '\r')
    s.pop_back();
  return s;
}

/// Control bytes (and, in text that is not UTF-8, all non-ASCII bytes)
/// become `?` in source lines or `\xNN` in messages.
static std::string escape(const std::string &s, bool inMessage) {
  bool utf8 = invalidUtf8(s) == std::string::npos;
  std::string out;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && !utf8)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += inMessage ? buf : "?";
    } else {
      out += (char)c;
    }
  }
  return out;
}

void Diagnostics::error(const Loc &loc, const std::string &message) {
  if (!seen.insert({loc.file, loc.line, loc.col, message}).second)
    return;
  ++numErrors;
  if (numErrors > kMaxErrors) {
    if (numErrors == kMaxErrors + 1)
      os << loc.file << ": error: too many errors, not reporting more\n";
    return;
  }
  reported.push_back({loc, escape(message, true)});
  os << loc.file << ":" << loc.line << ":" << loc.col
     << ": error: " << reported.back().message << "\n";
  auto it = sources.find(loc.file);
  if (it == sources.end() || loc.line <= 0)
    return;
  std::string line = escape(sourceLine(it->second, loc.line), false);
  // Split the line into code points; columns count code points (ANTLR's
  // charPositionInLine + 1).
  std::vector<std::string> cps;
  for (size_t i = 0; i < line.size(); ++i) {
    if (((unsigned char)line[i] >> 6) == 2 && !cps.empty())
      cps.back() += line[i];
    else
      cps.push_back(std::string(1, line[i]));
  }
  // Show at most a window of 2 * kHalf code points around a long line's column.
  constexpr int kHalf = 60;
  int col = std::max(1, loc.col);
  size_t first = 0, last = cps.size();
  if (cps.size() > 2 * kHalf) {
    first = col > kHalf ? col - 1 - kHalf : 0;
    last = std::min(cps.size(), first + 2 * kHalf);
  }
  std::string shown = first > 0 ? "..." : "", caret(shown.size(), ' ');
  for (size_t i = first; i < last; ++i) {
    shown += cps[i];
    if ((int)i < col - 1)
      caret += cps[i] == "\t" ? '\t' : ' ';
  }
  if (last < cps.size())
    shown += "...";
  os << shown << "\n" << caret << "^\n";
}

void Diagnostics::error(const std::string &message) {
  ++numErrors;
  if (numErrors > kMaxErrors)
    return;
  reported.push_back({Loc{}, escape(message, true)});
  os << "error: " << reported.back().message << "\n";
}
