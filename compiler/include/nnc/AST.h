//===- AST.h - The abstract syntax tree of .nn files -------------*- C++
//-*-===//
//
// What the parser produces from NN.g4's parse tree: files with imports, model
// and block definitions and train sections; statements; expressions. Every
// node carries the Loc of its first token. Expressions are one tagged struct
// (a small language does not need a class hierarchy): operands hold call
// positional arguments, unary/binary operands, or tensor literal elements.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_AST_H
#define NNC_AST_H

#include "nnc/Program.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace nnc::ast {

/// One dimension of a type: a number or a symbol (`B`).
struct Dim {
  Loc loc;
  std::string symbol; ///< empty for a number
  int64_t value = 0;
};

/// `f32[B, 784]`; a type without brackets is a scalar.
struct Type {
  Loc loc;
  std::string elem;
  std::vector<Dim> dims;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name=value` in a call.
struct NamedArg {
  Loc loc;
  std::string name;
  ExprPtr value;
};

struct Expr {
  enum Kind { Number, String, Bool, Name, Call, Neg, Binary, Tensor } kind;
  Loc loc;
  double number = 0;           ///< Number
  bool isInt = false;          ///< Number written without '.' or exponent
  bool boolean = false;        ///< Bool
  std::string text;            ///< String value, Name, Call callee, Binary op
  std::vector<ExprPtr> args;   ///< Call positional args, Neg/Binary operands,
                               ///< Tensor elements
  std::vector<NamedArg> named; ///< Call named args, in source order
  /// For a Call: true if a positional argument follows a named one.
  bool positionalAfterNamed = false;
};

/// A name with an optional expression, in a scan statement: a target
/// (`hs` in `hs = scan ...`, no expression), an item of its head (`t`, `x in
/// xs`, `t in 28`) or a state (`h = zeros([B, 16])`).
struct Binding {
  Loc loc;
  std::string name;
  ExprPtr value; ///< after `in` or `=`; null for a target or a bare `t`
};

struct Stmt {
  enum Kind { Param, Assign, Return, Repeat, If, Emit, Scan } kind;
  Loc loc;                  ///< the first token; for Scan the word `scan`
  std::string name;         ///< Param, Assign (the first name)
  std::optional<Type> type; ///< Param
  /// Assign, Return; Param initialiser (optional); Repeat count; If condition
  ExprPtr value;
  /// Emit: the emitted expressions; Return: the results after the first
  std::vector<ExprPtr> values;
  /// Assign of a model's several results `mu, logvar = Encoder(x)`: the
  /// names after the first (with their locations)
  std::vector<Binding> more;
  /// Repeat: the repeated statements; If: the `then` branch; Scan: the body
  std::vector<Stmt> body;
  std::vector<Stmt> orElse; ///< If: the `else` branch (may be empty)
  Loc elseLoc;              ///< If: the word `else`, if any
  // Scan: `targets = scan [reverse] items with states { body }`.
  bool reverse = false;
  std::vector<Binding> targets, items, states;
};

/// A formal argument; blocks may leave the type out.
struct Arg {
  Loc loc;
  std::string name;
  std::optional<Type> type;
};

/// `model` or `block` definition.
struct Model {
  Loc loc;
  bool isBlock = false;
  std::string name;
  std::vector<Arg> args;
  std::optional<Type> result;    ///< the (first) result's declared type
  std::vector<Type> moreResults; ///< `-> (T1, T2, ...)`: T2, ...
  std::vector<Stmt> body;
};

/// `key = value` inside a train section or a step: a setting, or a binding
/// of a name (`z = normal([B, 64])`) or of several (`mu, logvar = Enc(x)`).
struct Setting {
  Loc loc;
  std::string key;
  ExprPtr value;
  std::vector<Binding> more; ///< the names after the first
};

/// `step NAME { settings }`: one of several training steps.
struct TrainStep {
  Loc loc;
  std::string name;
  std::vector<Setting> settings;
};

struct Train {
  Loc loc;
  Loc modelLoc;
  std::string model;
  std::vector<Setting> settings;
  std::vector<TrainStep> steps;
};

struct Import {
  Loc loc;
  std::string path;         ///< as written
  std::string resolvedPath; ///< the file that was loaded (set by the loader)
};

struct File {
  std::string path;
  std::vector<Import> imports;
  std::vector<Model> models; ///< models and blocks, in source order
  std::vector<Train> trains;
};

/// The main file and every file it imports (directly or not), main first.
struct Module {
  std::vector<std::unique_ptr<File>> files;
};

/// Prints the AST, one node per line, with `file:line:col` on every node.
void dump(const Module &module, std::ostream &os);

} // namespace nnc::ast

#endif // NNC_AST_H
