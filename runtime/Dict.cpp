//===- Dict.cpp - The CMU pronouncing dictionary for G2P ------------------===//
//
// The vocabularies, the FNV-1a split, a line parser for cmudict-0.4.out
// entries with NAME:LINE:COL errors, the encoding into fixed [S] / [T] rows,
// and the reader of user-typed words.
//
//===----------------------------------------------------------------------===//
#include "Dict.h"
#include "Error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace nnrt {

namespace {

/// The 40 phones, ids 3..42 in this order.
constexpr const char *kPhones[40] = {
    "aa", "ae", "ah", "ao", "aw", "ax", "ay", "b",  "ch", "d",
    "dh", "eh", "er", "ey", "f",  "g",  "hh", "ih", "iy", "jh",
    "k",  "l",  "m",  "n",  "ng", "ow", "oy", "p",  "r",  "s",
    "sh", "t",  "th", "uh", "uw", "v",  "w",  "y",  "z",  "zh"};

/// Byte c for a message: 'c' when printable, else \xNN.
std::string shown(char c) {
  unsigned char u = (unsigned char)c;
  if (u >= 0x20 && u < 0x7f)
    return std::string(1, c);
  char buf[8];
  snprintf(buf, sizeof buf, "\\x%02x", u);
  return buf;
}

/// A cursor over one entry line; every failure names NAME:LINE:COL.
class LineParser {
public:
  LineParser(std::string_view line, const std::string &name, int64_t lineNo)
      : line(line), name(name), lineNo(lineNo) {}

  /// Throws "NAME:LINE:COL: expected WHAT, found ..." at byte `at`.
  [[noreturn]] void fail(size_t at, const std::string &what) const {
    std::string found =
        at < line.size() ? "'" + shown(line[at]) + "'" : "end of line";
    throw Error(name + ":" + std::to_string(lineNo) + ":" +
                std::to_string(at + 1) + ": expected " + what + ", found " +
                found);
  }

  void skipBlanks() {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
      ++pos;
  }

  /// True when the next non-blank byte is c (not consumed).
  bool next(char c) {
    skipBlanks();
    return pos < line.size() && line[pos] == c;
  }

  /// Consumes c after blanks, or fails naming `what`.
  void expect(char c, const std::string &what) {
    if (!next(c))
      fail(pos, what);
    ++pos;
  }

  /// A run of bytes other than blanks, parentheses and quotes (maybe empty).
  std::string_view symbol() {
    skipBlanks();
    size_t start = pos;
    while (pos < line.size() && !strchr(" \t()\"", line[pos]))
      ++pos;
    return line.substr(start, pos - start);
  }

  /// The quoted word: its lower-case letters. The opening quote is next.
  std::string word() {
    expect('"', "'\"' before the word");
    size_t start = pos, end = line.find('"', pos);
    if (end == std::string_view::npos)
      fail(line.size(), "'\"' to close the word");
    if (end == start)
      fail(start, "a word between the quotes");
    std::string w(line.substr(start, end - start));
    for (size_t i = 0; i < w.size(); ++i) {
      if (letterId(w[i]) < 0)
        fail(start + i, "letters a-z in the word '" + w + "'");
      w[i] = char('a' + letterId(w[i]) - 1);
    }
    pos = end + 1;
    return w;
  }

  /// `((phones...) stress)`, appending the phone ids to `phones`.
  void syllable(std::vector<int32_t> &phones) {
    expect('(', "'(' to open a syllable '((phones) stress)'");
    expect('(', "'(' to open the syllable's phones");
    if (next(')'))
      fail(pos, "a phone in the syllable");
    while (!next(')')) {
      skipBlanks();
      size_t at = pos;
      std::string_view p = symbol();
      if (p.empty())
        fail(at, "a phone or ')'");
      int32_t id = phoneId(p);
      if (id < 0) {
        std::string all;
        for (const char *q : kPhones)
          all += std::string(" ") + q;
        fail(at,
             "a phone (one of" + all + ") instead of '" + std::string(p) + "'");
      }
      phones.push_back(id);
    }
    ++pos;
    skipBlanks();
    size_t at = pos;
    std::string_view stress = symbol();
    if (stress.empty() ||
        stress.find_first_not_of("0123456789") != std::string_view::npos)
      fail(at, "a stress digit after the phones");
    expect(')', "')' to close the syllable");
  }

  /// `("word" pos (syllable...))` and nothing after it.
  void entry(std::string &w, std::vector<int32_t> &phones) {
    expect('(', "'(' to open the entry");
    w = word();
    if (symbol().empty())
      fail(pos, "a part-of-speech tag after the word");
    expect('(', "'(' to open the syllables");
    if (next(')'))
      fail(pos, "a syllable '((phones) stress)' (empty pronunciation)");
    while (!next(')'))
      syllable(phones);
    ++pos;
    expect(')', "')' to close the entry");
    skipBlanks();
    if (pos != line.size())
      fail(pos, "the end of the line after the entry");
  }

private:
  std::string_view line;
  const std::string &name;
  int64_t lineNo;
  size_t pos = 0;
};

} // namespace

int32_t letterId(char c) {
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 1;
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 1;
  return -1;
}

char letterChar(int32_t id) {
  return id >= 1 && id <= 26 ? char('a' + id - 1) : '?';
}

int32_t phoneId(std::string_view name) {
  for (int32_t i = 0; i < 40; ++i)
    if (name == kPhones[i])
      return i + 3;
  return -1;
}

std::string phoneName(int32_t id) {
  if (id == kPadId)
    return "<pad>";
  if (id == kStartId)
    return "<s>";
  if (id == kEndId)
    return "</s>";
  return id >= 3 && id < kPhoneClasses ? kPhones[id - 3] : "<?>";
}

std::string phonesText(const std::vector<int32_t> &phones) {
  std::string s;
  for (int32_t id : phones)
    s += (s.empty() ? "" : " ") + phoneName(id);
  return s;
}

uint32_t fnv1a32(std::string_view s) {
  uint32_t h = 0x811c9dc5u;
  for (char c : s)
    h = (h ^ (unsigned char)c) * 0x01000193u;
  return h;
}

bool isHeldOut(std::string_view word) { return fnv1a32(word) % 10 == 0; }

Dictionary parseCmudict(const std::string &text, const std::string &name) {
  if (text.empty())
    throw Error(name + ": empty file");
  std::vector<DictWord> words;
  std::unordered_map<std::string, size_t> index;
  Dictionary d;
  size_t start = 0;
  for (int64_t lineNo = 1; start < text.size(); ++lineNo) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (lineNo == 1) {
      if (line != "MNCL")
        throw Error(name + ":1:1: expected the header line 'MNCL', found '" +
                    std::string(line.substr(0, 40)) + "'");
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    std::string w;
    Pron p;
    LineParser(line, name, lineNo).entry(w, p.phones);
    ++d.entries;
    auto [it, fresh] = index.emplace(w, words.size());
    if (fresh) {
      DictWord dw{w, {}, {}};
      for (char c : w)
        dw.letters.push_back(letterId(c));
      words.push_back(std::move(dw));
    }
    std::vector<Pron> &prons = words[it->second].prons;
    bool seen = false;
    for (const Pron &q : prons)
      seen = seen || q.phones == p.phones;
    if (seen)
      ++d.mergedDuplicates;
    else
      prons.push_back(std::move(p));
  }
  if (d.entries == 0)
    throw Error(name + ": no entries after the 'MNCL' header");
  for (DictWord &w : words)
    (isHeldOut(w.word) ? d.test : d.train).push_back(std::move(w));
  return d;
}

Dictionary readCmudict(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(path + ": cannot open: " + strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    throw Error(path + ": read error: " + strerror(errno));
  return parseCmudict(ss.str(), path);
}

/// Appends `letters` padded with 0 to S.
static void appendPadded(std::vector<int32_t> &to,
                         const std::vector<int32_t> &letters, int64_t S) {
  to.insert(to.end(), letters.begin(), letters.end());
  to.resize(to.size() + (S - int64_t(letters.size())), kPadId);
}

G2PSamples encodeG2P(const std::vector<DictWord> &words, int64_t S, int64_t T) {
  if (S < 1 || T < 1)
    throw Error("G2P samples need S >= 1 and T >= 1, got S=" +
                std::to_string(S) + " T=" + std::to_string(T));
  G2PSamples out;
  for (size_t i = 0; i < words.size(); ++i) {
    const DictWord &w = words[i];
    int64_t rowsBefore = out.rows;
    for (const Pron &p : w.prons) {
      ++out.samples;
      if (int64_t(w.letters.size()) > S || int64_t(p.phones.size()) > T - 1) {
        ++out.skipped;
        continue;
      }
      appendPadded(out.x, w.letters, S);
      out.y.insert(out.y.end(), p.phones.begin(), p.phones.end());
      out.y.push_back(kEndId);
      out.y.resize(out.y.size() + (T - 1 - int64_t(p.phones.size())), kPadId);
      out.wordOf.push_back(int64_t(i));
      ++out.rows;
    }
    if (out.rows == rowsBefore)
      ++out.skippedWords;
  }
  return out;
}

G2PWords encodeWords(const std::vector<DictWord> &words, int64_t S) {
  if (S < 1)
    throw Error("G2P words need S >= 1, got S=" + std::to_string(S));
  G2PWords out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (int64_t(words[i].letters.size()) > S) {
      ++out.skipped;
      continue;
    }
    appendPadded(out.x, words[i].letters, S);
    out.wordOf.push_back(int64_t(i));
    ++out.rows;
  }
  return out;
}

std::vector<DictWord> readUserWords(std::istream &in, const std::string &name,
                                    int64_t S) {
  std::vector<DictWord> words;
  std::string line;
  for (int64_t lineNo = 1; std::getline(in, line); ++lineNo) {
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos)
      continue;
    size_t last = line.find_last_not_of(" \t\r");
    std::string w = line.substr(first, last - first + 1);
    std::string where = name + ":" + std::to_string(lineNo) + ": '" + w + "'";
    DictWord dw;
    for (char &c : w) {
      int32_t id = letterId(c);
      if (id < 0)
        throw Error(where + " has '" + shown(c) + "', expected letters a-z");
      c = letterChar(id);
      dw.letters.push_back(id);
    }
    if (int64_t(w.size()) > S)
      throw Error(where + " has " + std::to_string(w.size()) +
                  " letters, the model takes at most " + std::to_string(S));
    dw.word = std::move(w);
    words.push_back(std::move(dw));
  }
  if (in.bad())
    throw Error(name + ": read error");
  return words;
}

} // namespace nnrt
