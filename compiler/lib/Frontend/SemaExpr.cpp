//===- SemaExpr.cpp - Expressions -----------------------------------------===//
//
// Semantic analysis of expressions: numbers, tensor literals, names, unary
// minus, binary operators (SemaElementwise.cpp) and calls (Sema::call in
// SemaBuiltins.cpp).
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

Value Sema::expr(const ast::Expr &e, Scope &scope) {
  switch (e.kind) {
  case ast::Expr::Number: {
    Value v = add(OpKind::Const, {}, TensorType{ElemType::F32, {}}, e.loc);
    graph->nodes[v.node].values = {(float)e.number};
    return v;
  }
  case ast::Expr::Tensor: {
    TensorType t{ElemType::F32, {}};
    std::vector<float> values;
    if (!literal(e, t.dims, values))
      return {};
    Value v = add(OpKind::Const, {}, t, e.loc);
    graph->nodes[v.node].values = std::move(values);
    return v;
  }
  case ast::Expr::String:
    error(e.loc, "a string is not a tensor");
    return {};
  case ast::Expr::Bool:
    error(e.loc, "a boolean is not a tensor");
    return {};
  case ast::Expr::Name: {
    auto it = scope.names.find(e.text);
    if (it != scope.names.end()) {
      note(e.loc, e.text, it->second);
      return local(it->second);
    }
    auto c = scope.consts.find(e.text);
    if (c != scope.consts.end()) { // a number or list used as a tensor
      note(e.loc, e.text, c->second);
      TensorType t{ElemType::F32, {}};
      if (c->second.list)
        t.dims = {(int64_t)c->second.values.size()};
      Value v = add(OpKind::Const, {}, t, e.loc);
      for (double d : c->second.values)
        graph->nodes[v.node].values.push_back((float)d);
      return v;
    }
    if (useBinding(e.text, scope))
      return expr(e, scope);
    if (inLoss && !scope.model && (e.text == "x" || e.text == "y") &&
        !scope.names.count("x")) {
      error(e.loc, "'" + e.text +
                       "' is the data, which `sample` does not "
                       "read: draw its input, e.g. Gen(normal([B, 64]))");
      return {};
    }
    if (e.text == "first" && scope.scan)
      return first(*scope.scan);
    if (e.text == "T") // the sequence length, as a number
      return knowSeqLen(e.loc) ? constant((float)seqLen, e.loc) : Value{};
    if (models.count(e.text) || findBuiltin(e.text))
      error(e.loc, "'" + e.text + "' is a function: call it, e.g. " + e.text +
                       "(...)");
    else
      error(e.loc, "unknown name '" + e.text + "'");
    return {};
  }
  case ast::Expr::Neg: {
    Value a = expr(*e.args[0], scope);
    if (!a.ok())
      return {};
    if (a.type.elem != ElemType::F32) {
      error(e.loc, "unary '-': operand must be f32, got " + formatType(a.type));
      return {};
    }
    Value v = add(OpKind::Neg, {a.node}, a.type, e.loc);
    addRow(scope, "neg", e.loc, a.type, -1, -1, 0);
    return v;
  }
  case ast::Expr::Binary: {
    Value a = expr(*e.args[0], scope);
    Value b = expr(*e.args[1], scope);
    return binary(e, a, b, scope);
  }
  case ast::Expr::Call:
    return call(e, scope);
  }
  return {};
}

} // namespace nnc::sema
