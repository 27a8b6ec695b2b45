//===- Parser.cpp - .nn source -> AST (via the ANTLR parse tree) ----------===//
//
// Reads a file, checks it is UTF-8, lexes it, rejects nesting deeper than
// kMaxNesting before the (recursive-descent) ANTLR parser can exhaust the
// stack, parses with an error listener that reports every syntax error in the
// house format, converts the parse tree to the AST of nnc/AST.h, and loads
// imports (relative to the importing file, then the stdlib dir; never the
// importing file itself), each file once. ANTLR exceptions are caught and
// reported; nothing here may crash.
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

#include "NNLexer.h"
#include "NNParser.h"
#include "antlr4-runtime.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace nnc;
namespace fs = std::filesystem;

namespace {

/// Reports lexer and parser errors as `file:line:col: error: ...`.
class ErrorListener : public antlr4::BaseErrorListener {
public:
  ErrorListener(const std::string &file, Diagnostics &diags)
      : file(file), diags(diags) {}
  void syntaxError(antlr4::Recognizer *, antlr4::Token *, size_t line,
                   size_t charPos, const std::string &msg,
                   std::exception_ptr) override {
    diags.error(Loc{file, (int)line, (int)charPos + 1}, msg);
    ++count;
  }
  int count = 0;

private:
  std::string file;
  Diagnostics &diags;
};

/// Parse tree -> AST for one file. `depth` bounds the recursion of
/// convertExpr (a long `a + b + ...` chain is a deep left-nested tree).
class Converter {
public:
  Converter(const std::string &file, Diagnostics &diags)
      : file(file), diags(diags) {}

  bool failed = false; ///< an error was reported during conversion

  std::unique_ptr<ast::File> convert(NNParser::FileContext *ctx) {
    auto out = std::make_unique<ast::File>();
    out->path = file;
    for (auto *item : ctx->item()) {
      if (auto *imp = item->importDecl()) {
        out->imports.push_back(
            {loc(imp), unquote(imp->STRING()->getText()), ""});
      } else if (auto *m = item->modelDecl()) {
        ast::Model model;
        model.loc = loc(m);
        model.name = m->IDENT()->getText();
        for (auto *a : m->typedArg())
          model.args.push_back(
              {loc(a), a->IDENT()->getText(), type(a->type())});
        if (auto *r = m->resultTypes()) {
          model.result = type(r->type(0));
          for (size_t i = 1; i < r->type().size(); ++i)
            model.moreResults.push_back(type(r->type(i)));
        }
        body(m->body(), model);
        out->models.push_back(std::move(model));
      } else if (auto *b = item->blockDecl()) {
        ast::Model block;
        block.loc = loc(b);
        block.isBlock = true;
        block.name = b->IDENT()->getText();
        for (auto *a : b->blockArg()) {
          ast::Arg arg{loc(a), a->IDENT()->getText(), std::nullopt};
          if (a->type())
            arg.type = type(a->type());
          block.args.push_back(std::move(arg));
        }
        if (b->type())
          block.result = type(b->type());
        body(b->body(), block);
        out->models.push_back(std::move(block));
      } else if (auto *t = item->trainDecl()) {
        ast::Train train;
        train.loc = loc(t);
        train.modelLoc = loc(t->IDENT()->getSymbol());
        train.model = t->IDENT()->getText();
        for (auto *s : t->setting())
          train.settings.push_back(setting(s));
        for (auto *st : t->stepDecl()) {
          if (st->IDENT(0)->getText() != "step") {
            diags.error(loc(st), "expected a setting 'name = value' or a step "
                                 "'step NAME { ... }', got '" +
                                     st->IDENT(0)->getText() + "'");
            failed = true;
            continue;
          }
          ast::TrainStep step{
              loc(st->IDENT(1)->getSymbol()), st->IDENT(1)->getText(), {}};
          for (auto *s : st->setting())
            step.settings.push_back(setting(s));
          train.steps.push_back(std::move(step));
        }
        out->trains.push_back(std::move(train));
      }
    }
    return out;
  }

private:
  std::string file;
  Diagnostics &diags;

  Loc loc(antlr4::Token *tok) {
    return Loc{file, (int)tok->getLine(),
               (int)tok->getCharPositionInLine() + 1};
  }
  Loc loc(antlr4::ParserRuleContext *ctx) { return loc(ctx->getStart()); }

  ast::Setting setting(NNParser::SettingContext *s) {
    ast::Setting out{loc(s), s->IDENT(0)->getText(), expr(s->expr(), 0), {}};
    for (size_t i = 1; i < s->IDENT().size(); ++i)
      out.more.push_back(
          {loc(s->IDENT(i)->getSymbol()), s->IDENT(i)->getText(), nullptr});
    return out;
  }

  static std::string unquote(const std::string &s) {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      char c = s[i];
      if (c == '\\' && i + 2 < s.size()) {
        c = s[++i];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
      }
      out += c;
    }
    return out;
  }

  ast::Type type(NNParser::TypeContext *ctx) {
    ast::Type t;
    t.loc = loc(ctx);
    t.elem = ctx->IDENT()->getText();
    for (auto *d : ctx->dim()) {
      ast::Dim dim;
      dim.loc = loc(d);
      if (d->IDENT())
        dim.symbol = d->IDENT()->getText();
      else
        dim.value = std::strtoll(d->INT()->getText().c_str(), nullptr, 10);
      if (!d->IDENT() && d->INT()->getText().size() > 15) {
        diags.error(dim.loc, "dimension too large");
        failed = true;
      }
      t.dims.push_back(dim);
    }
    return t;
  }

  void body(NNParser::BodyContext *ctx, ast::Model &model) {
    model.body = stmts(ctx);
  }

  std::vector<ast::Stmt> stmts(NNParser::BodyContext *ctx) {
    std::vector<ast::Stmt> out;
    for (auto *s : ctx->stmt()) {
      ast::Stmt stmt;
      stmt.loc = loc(s);
      if (auto *p = dynamic_cast<NNParser::ParamStmtContext *>(s)) {
        stmt.kind = ast::Stmt::Param;
        stmt.name = p->IDENT()->getText();
        stmt.type = type(p->type());
        if (p->expr())
          stmt.value = expr(p->expr(), 0);
      } else if (auto *a = dynamic_cast<NNParser::AssignStmtContext *>(s)) {
        stmt.kind = ast::Stmt::Assign;
        stmt.name = a->IDENT(0)->getText();
        for (size_t i = 1; i < a->IDENT().size(); ++i)
          stmt.more.push_back(
              {loc(a->IDENT(i)->getSymbol()), a->IDENT(i)->getText(), nullptr});
        stmt.value = expr(a->expr(), 0);
      } else if (auto *r = dynamic_cast<NNParser::ReturnStmtContext *>(s)) {
        stmt.kind = ast::Stmt::Return;
        stmt.value = expr(r->expr(0), 0);
        for (size_t i = 1; i < r->expr().size(); ++i)
          stmt.values.push_back(expr(r->expr(i), 0));
      } else if (auto *r = dynamic_cast<NNParser::RepeatStmtContext *>(s)) {
        // `repeat` and `if` are contextual: any other word here is a
        // malformed statement.
        std::string word = r->IDENT(0)->getText();
        if (word != "repeat" && word != "if") {
          diags.error(stmt.loc, "expected '=' after '" + word +
                                    "' (or 'repeat N { ... }')");
          failed = true;
          continue;
        }
        stmt.kind = word == "if" ? ast::Stmt::If : ast::Stmt::Repeat;
        stmt.value = expr(r->expr(), 0);
        stmt.body = stmts(r->body(0));
        if (r->body().size() > 1) {
          stmt.elseLoc = loc(r->IDENT(1)->getSymbol());
          if (word != "if" || r->IDENT(1)->getText() != "else") {
            diags.error(stmt.elseLoc, word == "if"
                                          ? "expected 'else' after 'if c { "
                                            "... }'"
                                          : "only 'if' has an 'else' branch");
            failed = true;
            continue;
          }
          stmt.orElse = stmts(r->body(1));
        }
      } else if (auto *e = dynamic_cast<NNParser::EmitStmtContext *>(s)) {
        std::string word = e->IDENT()->getText();
        if (word != "emit") {
          diags.error(stmt.loc, "expected '=' after '" + word + "'");
          failed = true;
          continue;
        }
        stmt.kind = ast::Stmt::Emit;
        for (auto *x : e->expr())
          stmt.values.push_back(expr(x, 0));
      } else if (auto *c = dynamic_cast<NNParser::ScanStmtContext *>(s)) {
        for (auto *t : c->IDENT())
          stmt.targets.push_back({loc(t->getSymbol()), t->getText(), nullptr});
        if (!scan(c->scan(), stmt)) {
          failed = true;
          continue;
        }
      }
      out.push_back(std::move(stmt));
    }
    return out;
  }

  /// scan : IDENT IDENT? scanItem (',' scanItem)*
  ///        (IDENT scanState (',' scanState)*)? body
  /// The words are contextual: `scan`, maybe `reverse`, `in` in an item,
  /// `with` before the states.
  bool scan(NNParser::ScanContext *ctx, ast::Stmt &stmt) {
    stmt.kind = ast::Stmt::Scan;
    stmt.loc = loc(ctx);
    auto word = [&](antlr4::tree::TerminalNode *n, const char *expected) {
      if (n->getText() == expected)
        return true;
      diags.error(loc(n->getSymbol()), std::string("expected '") + expected +
                                           "', got '" + n->getText() + "'");
      return false;
    };
    // IDENT() holds `scan`, `reverse` if it is there and `with` if there are
    // states.
    std::vector<antlr4::tree::TerminalNode *> words = ctx->IDENT();
    bool ok = word(words[0], "scan");
    stmt.reverse = words.size() - (ctx->scanState().empty() ? 0 : 1) == 2;
    if (stmt.reverse)
      ok &= word(words[1], "reverse");
    if (!ctx->scanState().empty())
      ok &= word(words.back(), "with");
    for (auto *item : ctx->scanItem()) {
      ast::Binding b{loc(item), item->IDENT(0)->getText(), nullptr};
      if (item->expr()) {
        ok &= word(item->IDENT(1), "in");
        b.value = expr(item->expr(), 0);
      }
      stmt.items.push_back(std::move(b));
    }
    for (auto *st : ctx->scanState())
      stmt.states.push_back(
          {loc(st), st->IDENT()->getText(), expr(st->expr(), 0)});
    stmt.body = stmts(ctx->body());
    return ok;
  }

  ast::ExprPtr make(ast::Expr::Kind kind, Loc l) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->loc = std::move(l);
    return e;
  }

  /// Expressions. Returns a Number 0 placeholder past the depth limit (after
  /// reporting) so later phases see a complete tree.
  ast::ExprPtr expr(NNParser::ExprContext *ctx, int depth) {
    if (depth > 4 * kMaxNesting) {
      if (!failed)
        diags.error(loc(ctx), "expression nested deeper than " +
                                  std::to_string(4 * kMaxNesting) + " levels");
      failed = true;
      return make(ast::Expr::Number, loc(ctx));
    }
    if (auto *n = dynamic_cast<NNParser::NegExprContext *>(ctx)) {
      auto e = make(ast::Expr::Neg, loc(ctx));
      e->args.push_back(expr(n->expr(), depth + 1));
      return e;
    }
    NNParser::ExprContext *lhs = nullptr, *rhs = nullptr;
    antlr4::Token *op = nullptr;
    if (auto *m = dynamic_cast<NNParser::MulExprContext *>(ctx))
      lhs = m->expr(0), rhs = m->expr(1), op = m->op;
    else if (auto *a = dynamic_cast<NNParser::AddExprContext *>(ctx))
      lhs = a->expr(0), rhs = a->expr(1), op = a->op;
    if (op) {
      // The location of a binary expression is its operator: that is where
      // a shape mismatch is reported.
      auto e = make(ast::Expr::Binary, loc(op));
      e->text = op->getText();
      e->args.push_back(expr(lhs, depth + 1));
      e->args.push_back(expr(rhs, depth + 1));
      return e;
    }
    auto *p = dynamic_cast<NNParser::PrimaryExprContext *>(ctx);
    return primary(p->primary(), depth + 1);
  }

  ast::ExprPtr primary(NNParser::PrimaryContext *ctx, int depth) {
    Loc l = loc(ctx);
    if (auto *c = dynamic_cast<NNParser::CallExprContext *>(ctx)) {
      auto e = make(ast::Expr::Call, l);
      e->text = c->IDENT()->getText();
      for (auto *a : c->arg()) {
        if (a->IDENT()) {
          e->named.push_back(
              {loc(a), a->IDENT()->getText(), expr(a->expr(), depth + 1)});
        } else {
          if (!e->named.empty())
            e->positionalAfterNamed = true;
          e->args.push_back(expr(a->expr(), depth + 1));
        }
      }
      return e;
    }
    if (auto *n = dynamic_cast<NNParser::NameExprContext *>(ctx)) {
      auto e = make(ast::Expr::Name, l);
      e->text = n->IDENT()->getText();
      return e;
    }
    if (auto *n = dynamic_cast<NNParser::NumberExprContext *>(ctx)) {
      auto e = make(ast::Expr::Number, l);
      e->isInt = n->INT() != nullptr;
      e->number = std::strtod(ctx->getText().c_str(), nullptr);
      return e;
    }
    if (auto *s = dynamic_cast<NNParser::StringExprContext *>(ctx)) {
      auto e = make(ast::Expr::String, l);
      e->text = unquote(s->STRING()->getText());
      return e;
    }
    if (dynamic_cast<NNParser::BoolExprContext *>(ctx)) {
      auto e = make(ast::Expr::Bool, l);
      e->boolean = ctx->getText() == "true";
      return e;
    }
    if (auto *t = dynamic_cast<NNParser::TensorExprContext *>(ctx)) {
      auto e = make(ast::Expr::Tensor, l);
      for (auto *x : t->expr())
        e->args.push_back(expr(x, depth + 1));
      return e;
    }
    auto *p = dynamic_cast<NNParser::ParenExprContext *>(ctx);
    return expr(p->expr(), depth + 1);
  }
};

Loc locOfOffset(const std::string &file, const std::string &text, size_t off) {
  Loc l{file, 1, 1};
  for (size_t i = 0; i < off; ++i) {
    if (text[i] == '\n')
      l.line++, l.col = 1;
    else if (((unsigned char)text[i] >> 6) != 2)
      l.col++;
  }
  return l;
}

/// Parses one file's text. Returns null after reporting errors.
std::unique_ptr<ast::File> parseText(const std::string &file,
                                     const std::string &text,
                                     Diagnostics &diags) {
  size_t bad = invalidUtf8(text);
  if (bad != std::string::npos) {
    diags.error(locOfOffset(file, text, bad),
                "the file is not UTF-8 text (invalid byte)");
    return nullptr;
  }
  try {
    antlr4::ANTLRInputStream input(text);
    NNLexer lexer(&input);
    ErrorListener listener(file, diags);
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();

    // The parser recurses once per bracket and per unary minus: bound both
    // before parsing.
    int depth = 0, minusRun = 0;
    for (antlr4::Token *tok : tokens.getTokens()) {
      std::string t = tok->getText();
      bool open = t == "(" || t == "[" || t == "{";
      depth += open ? 1 : (t == ")" || t == "]" || t == "}") ? -1 : 0;
      minusRun = t == "-" ? minusRun + 1 : 0;
      if (depth > kMaxNesting || minusRun > kMaxNesting) {
        diags.error(Loc{file, (int)tok->getLine(),
                        (int)tok->getCharPositionInLine() + 1},
                    "nesting deeper than " + std::to_string(kMaxNesting) +
                        " levels");
        return nullptr;
      }
    }

    NNParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&listener);
    NNParser::FileContext *tree = parser.file();
    if (listener.count > 0)
      return nullptr;
    Converter converter(file, diags);
    auto ast = converter.convert(tree);
    if (converter.failed)
      return nullptr;
    return ast;
  } catch (const std::exception &e) {
    diags.error(Loc{file, 1, 1}, std::string("parser failure: ") + e.what());
  } catch (...) {
    diags.error(Loc{file, 1, 1}, "parser failure");
  }
  return nullptr;
}

bool readFile(const std::string &path, std::string &text) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return false;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

} // namespace

std::unique_ptr<ast::Module> nnc::parseModule(const std::string &path,
                                              const std::string &stdlibDir,
                                              Diagnostics &diags) {
  std::string text;
  if (!readFile(path, text)) {
    diags.error("cannot read '" + path + "': " +
                (fs::exists(path) ? "not a regular file"
                                  : "no such file or directory"));
    return nullptr;
  }
  return parseModuleText(path, text, stdlibDir, diags);
}

std::unique_ptr<ast::Module> nnc::parseModuleText(const std::string &path,
                                                  const std::string &text,
                                                  const std::string &stdlibDir,
                                                  Diagnostics &diags) {
  diags.addSource(path, text);
  auto module = std::make_unique<ast::Module>();
  auto main = parseText(path, text, diags);
  if (!main)
    return nullptr;
  std::error_code ec;
  std::set<std::string> loaded = {fs::weakly_canonical(path, ec).string()};
  module->files.push_back(std::move(main));
  bool ok = true;
  // Breadth-first over imports; module->files grows while we walk it.
  for (size_t f = 0; f < module->files.size(); ++f) {
    for (ast::Import &imp : module->files[f]->imports) {
      fs::path dir = fs::path(module->files[f]->path).parent_path();
      std::vector<fs::path> candidates = {dir / imp.path};
      if (!stdlibDir.empty())
        candidates.push_back(fs::path(stdlibDir) / imp.path);
      // A file never imports itself: examples/inception.nn's
      // `import "inception.nn"` means the stdlib's.
      std::string self =
          fs::weakly_canonical(module->files[f]->path, ec).string();
      std::string found, importText;
      for (const fs::path &c : candidates)
        if (fs::weakly_canonical(c, ec).string() != self &&
            readFile(c.string(), importText)) {
          found = c.string();
          break;
        }
      if (found.empty()) {
        std::string where;
        for (const fs::path &c : candidates)
          where += (where.empty() ? "" : ", ") + c.string();
        diags.error(imp.loc, "cannot find import '" + imp.path +
                                 "' (looked for " + where + ")");
        ok = false;
        continue;
      }
      imp.resolvedPath = found;
      if (!loaded.insert(fs::weakly_canonical(found, ec).string()).second)
        continue;
      diags.addSource(found, importText);
      auto file = parseText(found, importText, diags);
      if (!file) {
        ok = false;
        continue;
      }
      module->files.push_back(std::move(file));
    }
  }
  return ok ? std::move(module) : nullptr;
}
