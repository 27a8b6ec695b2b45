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

modelDecl : 'model' IDENT '(' (typedArg (',' typedArg)*)? ')' ('->' resultTypes)? body ;

// `-> f32[B, 10]`, or several results `-> (f32[B, 20], f32[B, 20])`.
resultTypes : type | '(' type (',' type)* ')' ;

// A block is a model whose every call site gets its own parameters; its
// arguments may be untyped (tensors or compile-time numbers and lists).
blockDecl : 'block' IDENT '(' (blockArg (',' blockArg)*)? ')' ('->' type)? body ;

typedArg : IDENT ':' type ;
blockArg : IDENT (':' type)? ;

body : '{' stmt* '}' ;

stmt
  : 'param' IDENT ':' type ('=' expr)? ';'?   # paramStmt
  | IDENT expr body (IDENT body)?             # repeatStmt
  | (IDENT (',' IDENT)* '=')? scan ';'?       # scanStmt
  | IDENT (',' IDENT)* '=' expr ';'?          # assignStmt
  | 'return' expr (',' expr)* ';'?            # returnStmt
  | IDENT expr (',' expr)* ';'?               # emitStmt
  ;
// The words that start or shape these statements are contextual, not
// keywords: like the names of builtins (dense, relu, ...), files that use
// them as names keep parsing. The converter checks each word:
//   repeatStmt  `repeat N { ... }` or `if c { ... } else { ... }`
//   scan        `scan [reverse] t, x in xs, ... [with h = init, ...] { }`
//   emitStmt    `emit e, ...` (in a scan body)
// Where two alternatives both match, ANTLR takes the first: `repeat n { }`
// is a repeat, not a scan of an index `n`; `h = scan t, x in xs { }` (no
// state: an error sema reports) is a scan, not `h = scan`, `t, x` and
// `in xs { }`.

// `scan [reverse] item, ... [with h = init, ...] { body }`; an item is the
// step index `t`, the index and the number of steps `t in 28`, or a
// sequence `x in xs`.
scan : IDENT IDENT? scanItem (',' scanItem)*
       (IDENT scanState (',' scanState)*)? body ;
scanItem : IDENT (IDENT expr)? ;
scanState : IDENT '=' expr ;

// Settings, bindings (`z = normal([B, 64])`, `mu, logvar = Encoder(x)`) and
// named training steps `step D { settings }` (the word `step` is checked by
// the converter).
trainDecl : 'train' IDENT '{' (setting | stepDecl)* '}' ;

stepDecl : IDENT IDENT '{' setting* '}' ;

setting : IDENT (',' IDENT)* '=' expr ';'? ;

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
