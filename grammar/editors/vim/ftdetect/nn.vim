" .nn files are nnc model files.
autocmd BufRead,BufNewFile *.nn setfiletype nn
