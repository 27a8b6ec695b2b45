// NN.g4 - the grammar of .nn model files.
//
// A file is a list of imports, model and block definitions, and train
// sections. Newlines are not significant; ';' may separate statements.
// Expression precedence, loosest first: `+ -` < `* / @` (left-assoc, as in
// Python) < unary `-` < calls and primaries. The tree is turned into the AST
// of nnc/AST.h by compiler/lib/Frontend/Parser.cpp; names of builtins are
// not keywords (sema resolves them), so the language can grow without
// breaking existing files (see docs/language.md).
grammar NN;

file : item* EOF ;

item
  : importDecl
  | modelDecl
  | blockDecl
  | trainDecl
  ;

importDecl : 'import' STRING ';'? ;

modelDecl : 'model' IDENT '(' (typedArg (',' typedArg)*)? ')' ('->' type)? body ;

// A block is a model whose every call site gets its own parameters; its
// arguments may be untyped (tensors or compile-time numbers and lists).
blockDecl : 'block' IDENT '(' (blockArg (',' blockArg)*)? ')' ('->' type)? body ;

typedArg : IDENT ':' type ;
blockArg : IDENT (':' type)? ;

body : '{' stmt* '}' ;

stmt
  : 'param' IDENT ':' type ('=' expr)? ';'?   # paramStmt
  | IDENT '=' expr ';'?                       # assignStmt
  | 'return' expr ';'?                        # returnStmt
  | IDENT expr body                           # repeatStmt
  ;
// `repeat N { ... }` is written as IDENT expr body and the converter checks
// that the word is `repeat`: like the names of builtins (dense, relu, ...),
// `repeat` is contextual, not a keyword, so files that use it as a name keep
// parsing.

trainDecl : 'train' IDENT '{' setting* '}' ;

setting : IDENT '=' expr ';'? ;

// f32[B, 784], i32[B], f32 (a scalar).
type : IDENT ('[' (dim (',' dim)*)? ']')? ;
dim : INT | IDENT ;

expr
  : '-' expr                                  # negExpr
  | expr op=('*' | '/' | '@') expr            # mulExpr
  | expr op=('+' | '-') expr                  # addExpr
  | primary                                   # primaryExpr
  ;

primary
  : IDENT '(' (arg (',' arg)*)? ')'           # callExpr
  | IDENT                                     # nameExpr
  | (INT | FLOAT)                             # numberExpr
  | STRING                                    # stringExpr
  | ('true' | 'false')                        # boolExpr
  | '[' (expr (',' expr)* ','?)? ']'          # tensorExpr
  | '(' expr ')'                              # parenExpr
  ;

// Positional or named (`alpha=0.01`); sema checks that named come last.
arg : (IDENT '=')? expr ;

INT : [0-9]+ ;
FLOAT : [0-9]+ '.' [0-9]* EXPONENT? | '.' [0-9]+ EXPONENT? | [0-9]+ EXPONENT ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;
STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;
IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;
LINE_COMMENT : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS : [ \t\r\n]+ -> skip ;
