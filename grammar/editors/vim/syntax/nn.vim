" Vim syntax file for .nn model files (nnc; grammar/NN.g4).
" Install: copy or link grammar/editors/vim/* into ~/.vim (syntax/, ftdetect/,
" ftplugin/), or `set runtimepath+=/path/to/grammar/editors/vim`.
" test/Editors/grammar.test checks the keyword lists against NN.g4 and the
" parser; test/Editors/vim.test loads this file on an example.
if exists("b:current_syntax")
  finish
endif

" NN.g4's keywords, then the contextual words (statements start with them,
" but they remain valid names).
syn keyword nnKeyword import model block param return train
syn keyword nnBoolean true false
syn keyword nnContextual repeat if else scan reverse in with emit step
syn keyword nnType f32 i32

syn match nnNumber "\<\d\+\(\.\d*\)\=\([eE][+-]\=\d\+\)\=\>"
syn match nnNumber "\.\d\+\([eE][+-]\=\d\+\)\=\>"
syn match nnFunction "\<\h\w*\ze\s*("
syn match nnDecl "\(\<\(model\|block\|train\)\s\+\)\@<=\h\w*"
syn match nnOperator "->\|[-+*/@=]"
syn region nnString start=+"+ skip=+\\.+ end=+"+ oneline
syn keyword nnTodo contained TODO FIXME XXX
syn match nnComment "//.*$" contains=nnTodo
syn region nnComment start="/\*" end="\*/" contains=nnTodo

hi def link nnKeyword Keyword
hi def link nnContextual Statement
hi def link nnBoolean Boolean
hi def link nnType Type
hi def link nnNumber Number
hi def link nnFunction Function
hi def link nnDecl Identifier
hi def link nnOperator Operator
hi def link nnString String
hi def link nnTodo Todo
hi def link nnComment Comment

let b:current_syntax = "nn"
