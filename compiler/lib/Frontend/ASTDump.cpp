//===- ASTDump.cpp - `nnc build --emit=ast` -------------------------------===//
//
// Prints the AST as an indented tree, one node per line, each ending with
// `@file:line:col`. Imported files follow the main file.
//
//===----------------------------------------------------------------------===//
#include "nnc/AST.h"

#include <cstdio>

using namespace nnc;
using namespace nnc::ast;

namespace {

class Dumper {
public:
  explicit Dumper(std::ostream &os) : os(os) {}

  void file(const File &f) {
    line(0, "File " + f.path, Loc{f.path, 1, 1});
    for (const Import &i : f.imports)
      line(1,
           "Import \"" + i.path + "\"" +
               (i.resolvedPath.empty() ? "" : " -> " + i.resolvedPath),
           i.loc);
    for (const Model &m : f.models)
      model(m);
    for (const Train &t : f.trains) {
      line(1, "Train " + t.model, t.loc);
      settings(2, t.settings);
      for (const ast::TrainStep &st : t.steps) {
        line(2, "Step " + st.name, st.loc);
        settings(3, st.settings);
      }
    }
  }

private:
  std::ostream &os;

  void settings(int indent, const std::vector<Setting> &list) {
    for (const Setting &s : list) {
      std::string names = s.key;
      for (const Binding &b : s.more)
        names += ", " + b.name;
      line(indent, "Setting " + names, s.loc);
      expr(indent + 1, *s.value);
    }
  }

  void line(int indent, const std::string &text, const Loc &loc) {
    os << std::string(2 * indent, ' ') << text << " @" << loc.file << ":"
       << loc.line << ":" << loc.col << "\n";
  }

  static std::string type(const Type &t) {
    std::string s = t.elem;
    if (t.dims.empty())
      return s;
    s += "[";
    for (size_t i = 0; i < t.dims.size(); ++i)
      s += (i ? "," : "") + (t.dims[i].symbol.empty()
                                 ? std::to_string(t.dims[i].value)
                                 : t.dims[i].symbol);
    return s + "]";
  }

  static std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
  }

  void model(const Model &m) {
    line(1, std::string(m.isBlock ? "Block " : "Model ") + m.name, m.loc);
    for (const Arg &a : m.args)
      line(2, "Arg " + a.name + (a.type ? ": " + type(*a.type) : ""), a.loc);
    if (m.result)
      line(2, "Result " + type(*m.result), m.result->loc);
    for (const Type &t : m.moreResults)
      line(2, "Result " + type(t), t.loc);
    stmts(2, m.body);
  }

  void stmts(int indent, const std::vector<Stmt> &body) {
    for (const Stmt &s : body) {
      switch (s.kind) {
      case Stmt::Param:
        line(indent, "Param " + s.name + ": " + type(*s.type), s.loc);
        break;
      case Stmt::Assign: {
        std::string names = s.name;
        for (const Binding &b : s.more)
          names += ", " + b.name;
        line(indent, "Assign " + names, s.loc);
        break;
      }
      case Stmt::Return:
        line(indent, "Return", s.loc);
        break;
      case Stmt::Repeat:
        line(indent, "Repeat", s.loc);
        break;
      case Stmt::If:
        line(indent, "If", s.loc);
        break;
      case Stmt::Emit:
        line(indent, "Emit", s.loc);
        break;
      case Stmt::Scan:
        line(indent, s.reverse ? "Scan reverse" : "Scan", s.loc);
        for (const Binding &b : s.targets)
          binding(indent + 1, "Target", b);
        for (const Binding &b : s.items)
          binding(indent + 1, b.value ? "In" : "Index", b);
        for (const Binding &b : s.states)
          binding(indent + 1, "State", b);
        break;
      }
      if (s.value)
        expr(indent + 1, *s.value);
      for (const ExprPtr &v : s.values)
        expr(indent + 1, *v);
      stmts(indent + 1, s.body);
      if (s.kind == Stmt::If && s.elseLoc.line > 0) {
        line(indent, "Else", s.elseLoc);
        stmts(indent + 1, s.orElse);
      }
    }
  }

  /// `Kind name` and the binding's expression below it.
  void binding(int indent, const std::string &kind, const Binding &b) {
    line(indent, kind + " " + b.name, b.loc);
    if (b.value)
      expr(indent + 1, *b.value);
  }

  void expr(int indent, const Expr &e) {
    switch (e.kind) {
    case Expr::Number:
      line(indent, "Number " + num(e.number), e.loc);
      break;
    case Expr::String:
      line(indent, "String \"" + e.text + "\"", e.loc);
      break;
    case Expr::Bool:
      line(indent, e.boolean ? "Bool true" : "Bool false", e.loc);
      break;
    case Expr::Name:
      line(indent, "Name " + e.text, e.loc);
      break;
    case Expr::Call:
      line(indent, "Call " + e.text, e.loc);
      break;
    case Expr::Neg:
      line(indent, "Neg", e.loc);
      break;
    case Expr::Binary:
      line(indent, "Binary '" + e.text + "'", e.loc);
      break;
    case Expr::Tensor:
      line(indent, "Tensor", e.loc);
      break;
    }
    for (const ExprPtr &a : e.args)
      expr(indent + 1, *a);
    for (const NamedArg &n : e.named) {
      line(indent + 1, "NamedArg " + n.name, n.loc);
      expr(indent + 2, *n.value);
    }
  }
};

} // namespace

void nnc::ast::dump(const Module &module, std::ostream &os) {
  Dumper d(os);
  for (const auto &f : module.files)
    d.file(*f);
}
