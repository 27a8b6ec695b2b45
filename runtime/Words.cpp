//===- Words.cpp - A word corpus for skip-gram ----------------------------===//
#include "Words.h"

#include "Error.h"
#include "Images.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace nnrt {

namespace fs = std::filesystem;

namespace {

/// The files of `path`: itself, or a directory's regular files (no
/// symlinks, no `.dat` indexes) in name order.
std::vector<std::string> corpusFiles(const std::string &path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return {path};
  std::vector<std::string> files;
  for (const auto &e : fs::directory_iterator(path, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_symlink() || !e.is_regular_file() ||
        (name.size() > 4 && name.substr(name.size() - 4) == ".dat"))
      continue;
    files.push_back(e.path().string());
  }
  if (ec)
    throw Error(path + ": cannot read: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

void tokenizeLine(const std::string &text, std::vector<std::string> &out);

/// Lower-case words (letters and apostrophes inside them) of `text`; a line
/// that is only `%` (fortunes' separator) adds an empty token: the end of a
/// document.
void tokenize(const std::string &text, std::vector<std::string> &out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line == "%")
      out.push_back("");
    else
      tokenizeLine(line, out);
    start = end + 1;
  }
  out.push_back(""); // a file's end ends its last document
}

/// The words of one line.
void tokenizeLine(const std::string &text, std::vector<std::string> &out) {
  std::string w;
  auto flush = [&] {
    while (!w.empty() && w.back() == '\'')
      w.pop_back();
    if (!w.empty())
      out.push_back(w);
    w.clear();
  };
  for (char c : text) {
    if (std::isalpha((unsigned char)c))
      w += char(std::tolower((unsigned char)c));
    else if (c == '\'' && !w.empty())
      w += c;
    else
      flush();
  }
  flush();
}

} // namespace

Corpus readCorpus(const std::string &path, int64_t vocab, int64_t minCount) {
  std::vector<std::string> tokens;
  for (const std::string &file : corpusFiles(path)) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw Error(file + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    tokenize(ss.str(), tokens);
  }
  if (std::all_of(tokens.begin(), tokens.end(),
                  [](const std::string &t) { return t.empty(); }))
    throw Error(path + ": no words");
  std::map<std::string, int64_t> counts;
  for (const std::string &t : tokens)
    ++counts[t];
  counts.erase(""); // document ends are not words
  std::vector<std::pair<std::string, int64_t>> order(counts.begin(),
                                                     counts.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto &a, const auto &b) {
                     return a.second > b.second; // ties stay alphabetical
                   });
  int64_t eligible = std::count_if(order.begin(), order.end(), [&](auto &p) {
    return p.second >= minCount;
  });
  if (eligible < vocab)
    throw Error(path + ": only " + std::to_string(eligible) +
                " distinct words occur at least " + std::to_string(minCount) +
                " times; use vocab <= " + std::to_string(eligible));
  Corpus c;
  std::map<std::string, int32_t> ids;
  for (int64_t i = 0; i < vocab; ++i) {
    ids[order[i].first] = int32_t(i);
    c.words.push_back(order[i].first);
    c.counts.push_back(order[i].second);
  }
  for (const std::string &t : tokens) {
    if (t.empty()) {
      if (c.docEnds.empty() || c.docEnds.back() != int64_t(c.stream.size()))
        c.docEnds.push_back(int64_t(c.stream.size()));
      continue;
    }
    ++c.totalWords;
    auto it = ids.find(t);
    if (it != ids.end())
      c.stream.push_back(it->second);
  }
  return c;
}

Dataset wordsSplit(const ModelDesc &d, const std::string &fileOverride,
                   bool test) {
  const WordsDesc &w = d.words;
  const std::string &path = fileOverride.empty() ? w.path : fileOverride;
  Corpus c = readCorpus(path, w.vocab, w.minCount);
  const int64_t n = int64_t(c.stream.size()), cut = n - n / 50;
  const int64_t from = test ? cut : 0, to = test ? n : cut;
  std::mt19937_64 rng(uint64_t(d.seed) * 2654435761u + (test ? 1 : 0));
  std::uniform_real_distribution<double> unit(0, 1);
  // Subsampling of frequent words.
  // f: the word's share of all the text's words (word2vec, fastText).
  const double total = double(c.totalWords);
  std::vector<int32_t> kept;
  std::vector<int64_t> doc; // the document of each kept word
  size_t docAt = 0;
  for (int64_t i = from; i < to; ++i) {
    while (docAt < c.docEnds.size() && c.docEnds[docAt] <= i)
      ++docAt;
    double f = double(c.counts[c.stream[i]]) / total;
    double keep =
        w.subsample > 0 ? std::sqrt(w.subsample / f) + w.subsample / f : 1.0;
    if (keep >= 1 || unit(rng) < keep) {
      kept.push_back(c.stream[i]);
      doc.push_back(int64_t(docAt));
    }
  }
  // Negatives: a table of the unigram distribution to the power 0.75.
  std::vector<int32_t> table;
  if (w.negatives > 0) {
    double z = 0;
    for (int64_t k : c.counts)
      z += std::pow(double(k), 0.75);
    const int64_t size = 1 << 20;
    for (size_t i = 0; i < c.counts.size(); ++i) {
      int64_t m = std::max<int64_t>(
          1, std::llround(size * std::pow(double(c.counts[i]), 0.75) / z));
      table.insert(table.end(), m, int32_t(i));
    }
  }
  std::uniform_int_distribution<int64_t> window(1, w.window);
  std::uniform_int_distribution<size_t> pick(
      0, table.empty() ? 0 : table.size() - 1);
  const int64_t per = 1 + w.negatives;
  Dataset ds;
  ds.xPer = 1;
  ds.yPer = per;
  const int64_t m = int64_t(kept.size());
  for (int64_t i = 0; i < m; ++i) {
    int64_t b = window(rng);
    for (int64_t j = std::max<int64_t>(0, i - b); j <= std::min(m - 1, i + b);
         ++j) {
      if (j == i || doc[j] != doc[i]) // windows stay inside a document
        continue;
      ds.xI.push_back(kept[i]);
      ds.yI.push_back(kept[j]);
      for (int64_t k = 0; k < w.negatives; ++k) {
        int32_t neg;
        do
          neg = table[pick(rng)];
        while (neg == kept[j]);
        ds.yI.push_back(neg);
      }
    }
  }
  ds.n = int64_t(ds.xI.size());
  if (ds.n == 0)
    throw Error(path + ": no " + (test ? "test" : "training") +
                " pairs (too few words)");
  return ds;
}

std::vector<std::pair<int32_t, float>>
nearestWords(const float *e, int64_t v, int64_t d, int32_t id, int64_t k) {
  auto norm = [&](int64_t r) {
    double s = 0;
    for (int64_t j = 0; j < d; ++j)
      s += double(e[r * d + j]) * e[r * d + j];
    return std::sqrt(s);
  };
  const double nq = norm(id);
  std::vector<std::pair<int32_t, float>> all;
  for (int64_t r = 0; r < v; ++r) {
    if (r == id)
      continue;
    double dot = 0, nr = norm(r);
    for (int64_t j = 0; j < d; ++j)
      dot += double(e[r * d + j]) * e[id * d + j];
    all.push_back({int32_t(r), nq > 0 && nr > 0 ? float(dot / (nq * nr)) : 0});
  }
  k = std::min<int64_t>(k, int64_t(all.size()));
  std::partial_sort(all.begin(), all.begin() + k, all.end(),
                    [](const auto &a, const auto &b) {
                      return a.second > b.second ||
                             (a.second == b.second && a.first < b.first);
                    });
  all.resize(k);
  return all;
}

void writeWord2Vec(const std::string &path,
                   const std::vector<std::string> &words, const float *e,
                   int64_t d) {
  atomicWrite(path, [&](FILE *f) {
    bool ok = std::fprintf(f, "%zu %lld\n", words.size(), (long long)d) > 0;
    for (size_t i = 0; ok && i < words.size(); ++i) {
      ok = std::fprintf(f, "%s", words[i].c_str()) > 0;
      for (int64_t j = 0; ok && j < d; ++j)
        ok = std::fprintf(f, " %.6g", e[i * d + j]) > 0;
      ok = ok && std::fputc('\n', f) != EOF;
    }
    return ok;
  });
}

} // namespace nnrt
