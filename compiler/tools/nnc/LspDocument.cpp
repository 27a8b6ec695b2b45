//===- LspDocument.cpp - One .nn buffer analysed for `nnc lsp` ------------===//
//
// Runs the frontend on the buffer (errors into a Diagnostics whose printed
// text is dropped; its entries become LSP diagnostics) and answers hover and
// definition from the AST, the names sema recorded (nnc::NameInfo) and the
// summary rows (Program::layers: the numbers `nnc summary` prints).
//
//===----------------------------------------------------------------------===//
#include "LspDocument.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace nnc;
using namespace nnc::lsp;
namespace fs = std::filesystem;

std::vector<std::string> lsp::codePoints(const std::string &text, int line) {
  std::vector<std::string> cps;
  size_t begin = 0;
  for (int l = 1; l < line; ++l) {
    begin = text.find('\n', begin);
    if (begin == std::string::npos)
      return cps;
    ++begin;
  }
  size_t end = text.find('\n', begin);
  if (end == std::string::npos)
    end = text.size();
  if (end > begin && text[end - 1] == '\r')
    --end;
  for (size_t i = begin; i < end; ++i) {
    if (((unsigned char)text[i] >> 6) == 2 && !cps.empty())
      cps.back() += text[i];
    else
      cps.push_back(std::string(1, text[i]));
  }
  return cps;
}

/// UTF-16 code units of one code point (4 UTF-8 bytes: a surrogate pair).
static int units(const std::string &cp) { return cp.size() >= 4 ? 2 : 1; }

static bool wordChar(const std::string &cp) {
  return cp.size() == 1 && (std::isalnum((unsigned char)cp[0]) || cp[0] == '_');
}

/// Code points of the token starting at `i` (0-based) of `cps`: a word, a
/// string literal, or one character; 0 past the end.
static int tokenLength(const std::vector<std::string> &cps, size_t i) {
  if (i >= cps.size())
    return 0;
  size_t j = i + 1;
  if (wordChar(cps[i]))
    while (j < cps.size() && wordChar(cps[j]))
      ++j;
  else if (cps[i] == "\"") {
    while (j < cps.size() && cps[j] != "\"")
      j += cps[j] == "\\" ? 2 : 1;
    j = std::min(j + 1, cps.size());
  }
  return (int)(j - i);
}

static std::string typeText(const ast::Type &t) {
  std::string s = t.elem;
  if (t.dims.empty())
    return s;
  s += "[";
  for (size_t i = 0; i < t.dims.size(); ++i)
    s += (i ? ", " : "") + (t.dims[i].symbol.empty()
                                ? std::to_string(t.dims[i].value)
                                : t.dims[i].symbol);
  return s + "]";
}

Document::Document(std::string path_, std::string text_,
                   const std::string &stdlibDir, int64_t seqLen)
    : path(std::move(path_)), text(std::move(text_)) {
  std::ostringstream printed; // the terminal format; the entries are used
  Diagnostics d(printed);
  try {
    module = parseModuleText(path, text, stdlibDir, d);
    if (module)
      analyze(*module, prog, d, seqLen, &names);
  } catch (const std::exception &e) {
    d.error(Loc{path, 1, 1}, std::string("internal failure: ") + e.what());
  } catch (...) {
    d.error(Loc{path, 1, 1}, "internal failure");
  }
  for (const Diagnostics::Entry &e : d.entries()) {
    if (e.loc.file == path && e.loc.line > 0) {
      std::vector<std::string> cps = codePoints(text, e.loc.line);
      size_t col = std::max(1, e.loc.col) - 1;
      diags.push_back({range(e.loc, tokenLength(cps, col)), e.message});
      continue;
    }
    // No position, or in an imported file: on the import that brought the
    // file in (the first line if none names it), with the file's position.
    std::string message = e.message;
    int line = 0;
    if (e.loc.line > 0) {
      message = e.loc.file + ":" + std::to_string(e.loc.line) + ":" +
                std::to_string(e.loc.col) + ": " + message;
      std::string base = fs::path(e.loc.file).filename().string();
      std::istringstream lines(text);
      std::string l;
      for (int i = 0; std::getline(lines, l); ++i)
        if (l.find("import") != std::string::npos &&
            l.find(base) != std::string::npos) {
          line = i;
          break;
        }
    }
    Loc at{path, line + 1, 1};
    diags.push_back(
        {range(at, (int)codePoints(text, line + 1).size()), message});
  }
}

const std::string &Document::textOf(const std::string &file) const {
  if (file == path)
    return text;
  for (const auto &[f, t] : otherTexts)
    if (f == file)
      return t;
  std::string t;
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    t = ss.str();
  }
  otherTexts.emplace_back(file, std::move(t));
  return otherTexts.back().second;
}

Range Document::range(const Loc &loc, int length) const {
  std::vector<std::string> cps = codePoints(textOf(loc.file), loc.line);
  size_t first = std::min(cps.size(), (size_t)std::max(0, loc.col - 1));
  size_t last = std::min(cps.size(), first + std::max(0, length));
  int start = 0, end = 0;
  for (size_t i = 0; i < last; ++i)
    (i < first ? start : end) += units(cps[i]);
  int line = std::max(0, loc.line - 1);
  return {{line, start}, {line, start + end}};
}

Loc Document::nameLoc(const Loc &loc, const std::string &name) const {
  std::vector<std::string> cps = codePoints(textOf(loc.file), loc.line);
  for (size_t i = std::max(0, loc.col - 1); i < cps.size(); ++i) {
    if (!wordChar(cps[i]) || (i > 0 && wordChar(cps[i - 1])))
      continue;
    std::string w;
    for (size_t j = i; j < cps.size() && wordChar(cps[j]); ++j)
      w += cps[j];
    if (w == name)
      return Loc{loc.file, loc.line, (int)i + 1};
  }
  return loc;
}

std::optional<Document::Word> Document::wordAt(Position pos) const {
  std::vector<std::string> cps = codePoints(text, pos.line + 1);
  size_t i = 0;
  for (int u = 0; i < cps.size() && u + units(cps[i]) <= pos.character; ++i)
    u += units(cps[i]);
  if ((i >= cps.size() || !wordChar(cps[i])) && i > 0 && wordChar(cps[i - 1]))
    --i; // just after a word
  if (i >= cps.size() || !wordChar(cps[i]))
    return std::nullopt;
  size_t b = i, e = i;
  while (b > 0 && wordChar(cps[b - 1]))
    --b;
  while (e < cps.size() && wordChar(cps[e]))
    ++e;
  Word w{pos.line + 1, (int)b + 1, ""};
  for (size_t k = b; k < e; ++k)
    w.text += cps[k];
  if (std::isdigit((unsigned char)w.text[0]))
    return std::nullopt; // a number
  return w;
}

std::string Document::modelHover(const ast::Model &m) const {
  std::string s = (m.isBlock ? "block " : "model ") + m.name + "(";
  for (size_t i = 0; i < m.args.size(); ++i)
    s += (i ? ", " : "") + m.args[i].name +
         (m.args[i].type ? ": " + typeText(*m.args[i].type) : "");
  s += ")";
  if (m.result) {
    s += " -> ";
    if (!m.moreResults.empty())
      s += "(";
    s += typeText(*m.result);
    for (const ast::Type &t : m.moreResults)
      s += ", " + typeText(t);
    if (!m.moreResults.empty())
      s += ")";
  }
  // Its summary rows: the trained model's come first, each other model's
  // after a row of kind "model" (Summary.cpp).
  const std::vector<LayerInfo> &rows = prog.layers;
  size_t begin = rows.size(), end = rows.size();
  bool trained = m.name == prog.modelName && prog.steps.empty();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].kind != "model")
      continue;
    if (trained && begin == rows.size()) {
      begin = 0;
      end = i;
      break;
    }
    if (rows[i].name == m.name)
      begin = i + 1;
    else if (begin < rows.size()) {
      end = i;
      break;
    }
  }
  if (trained && begin == rows.size())
    begin = 0;
  if (m.isBlock || begin >= end)
    return "```\n" + s + "\n```";
  int64_t weights = 0, biases = 0, macs = 0;
  for (size_t i = begin; i < end; ++i) {
    weights += rows[i].weights;
    biases += rows[i].biases;
    macs += rows[i].macs;
  }
  return "```\n" + s +
         "\n```\nparameters: " + std::to_string(weights + biases) + " (" +
         std::to_string(weights) + " weights + " + std::to_string(biases) +
         " biases); MACs per sample: " + std::to_string(macs);
}

static std::string shapeText(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") +
         (dims[i] == kBatch ? std::string("B") : std::to_string(dims[i]));
  return s + "]";
}

std::optional<Hover> Document::hover(Position pos) const {
  std::optional<Word> w = wordAt(pos);
  if (!w || !module)
    return std::nullopt;
  std::vector<std::string> parts;
  for (const auto &file : module->files)
    for (const ast::Model &m : file->models)
      if (m.name == w->text && parts.empty())
        parts.push_back(modelHover(m));
  std::string types;
  std::set<std::string> seen;
  for (const NameInfo &n : names) {
    if (n.loc.file != path || n.name != w->text || n.loc.line != w->line)
      continue;
    Loc at = nameLoc(n.loc, n.name);
    if (at.col == w->col && seen.insert(n.type).second)
      types += n.name + (n.type[0] == '=' ? " " : ": ") + n.type + "\n";
  }
  if (!types.empty())
    parts.push_back("```\n" + types + "```");
  // The layer rows of a call (a block's layers: one per instance).
  constexpr int kMaxRows = 8;
  std::string layers;
  int count = 0;
  for (const LayerInfo &l : prog.layers) {
    if (l.kind == "model" || l.loc.file != path || l.loc.line != w->line ||
        l.loc.col != w->col)
      continue;
    if (++count > kMaxRows)
      continue;
    layers += "`" + l.name + "` (" + l.kind + ") -> " + shapeText(l.outShape);
    if (l.weights + l.biases > 0)
      layers += "; parameters: " + std::to_string(l.weights + l.biases) + " (" +
                std::to_string(l.weights) + " weights + " +
                std::to_string(l.biases) + " biases)";
    if (l.macs > 0)
      layers += "; MACs per sample: " + std::to_string(l.macs);
    layers += "\n\n";
  }
  if (count > kMaxRows)
    layers += "... and " + std::to_string(count - kMaxRows) + " more\n";
  if (!layers.empty())
    parts.push_back(layers.substr(0, layers.size() - 1));
  if (parts.empty())
    return std::nullopt;
  std::string md;
  for (const std::string &p : parts)
    md += (md.empty() ? "" : "\n\n") + p;
  Loc at{path, w->line, w->col};
  return Hover{range(at, (int)codePoints(w->text, 1).size()), md};
}

namespace {
/// The first binding of `name` in statements, in source order.
struct Finder {
  const std::string &name;
  std::optional<Loc> found;

  void binding(const Loc &loc, const std::string &n) {
    if (!found && n == name)
      found = loc;
  }
  void stmts(const std::vector<ast::Stmt> &body) {
    for (const ast::Stmt &s : body) {
      if (s.kind == ast::Stmt::Param || s.kind == ast::Stmt::Assign)
        binding(s.loc, s.name);
      for (const ast::Binding &b : s.more)
        binding(b.loc, b.name);
      for (const auto *list : {&s.targets, &s.items, &s.states})
        for (const ast::Binding &b : *list)
          binding(b.loc, b.name);
      stmts(s.body);
      stmts(s.orElse);
    }
  }
};
} // namespace

std::optional<Loc> Document::localDefinition(const Word &w) const {
  const ast::File &file = *module->files[0];
  auto before = [&](const Loc &l) {
    return l.line < w.line || (l.line == w.line && l.col <= w.col);
  };
  auto later = [](const Loc &a, const Loc &b) {
    return a.line > b.line || (a.line == b.line && a.col > b.col);
  };
  // The model, block or train section the word is in: the last to start
  // before it.
  const ast::Model *model = nullptr;
  const ast::Train *train = nullptr;
  std::optional<Loc> best;
  for (const ast::Model &m : file.models)
    if (before(m.loc) && (!best || later(m.loc, *best))) {
      model = &m;
      best = m.loc;
    }
  for (const ast::Train &t : file.trains)
    if (before(t.loc) && (!best || later(t.loc, *best))) {
      train = &t;
      model = nullptr;
      best = t.loc;
    }
  Finder f{w.text, std::nullopt};
  if (model) {
    for (const ast::Arg &a : model->args)
      f.binding(a.loc, a.name);
    f.stmts(model->body);
  } else if (train) {
    auto settings = [&](const std::vector<ast::Setting> &list) {
      for (const ast::Setting &s : list) {
        f.binding(s.loc, s.key);
        for (const ast::Binding &b : s.more)
          f.binding(b.loc, b.name);
      }
    };
    settings(train->settings);
    for (const ast::TrainStep &st : train->steps)
      settings(st.settings);
  }
  return f.found;
}

std::optional<Location> Document::definition(Position pos) const {
  std::optional<Word> w = wordAt(pos);
  if (!w || !module)
    return std::nullopt;
  int length = (int)codePoints(w->text, 1).size();
  for (const auto &file : module->files)
    for (const ast::Model &m : file->models)
      if (m.name == w->text) {
        Loc at = nameLoc(m.loc, m.name);
        return Location{at.file, range(at, length)};
      }
  std::optional<Loc> local = localDefinition(*w);
  if (!local)
    return std::nullopt;
  Loc at = nameLoc(*local, w->text);
  return Location{path, range(at, length)};
}
