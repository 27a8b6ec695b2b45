" Prints (to $OUT) the filetype, any error, and the syntax group at the first
" match of each pattern of the buffer, for test/Editors/vim.test.
let out = ['filetype ' . &filetype, 'errors "' . v:errmsg . '"']
for pat in ['\<model\>', 'CNN', 'max_pool', 'f32', '32,', '"same"', '// \[B', '\<train\>', '->', '\<return\>']
  call cursor(1, 1)
  let [l, c] = searchpos(pat, 'cW')
  call add(out, pat . ' ' . synIDattr(synID(l, c, 1), 'name'))
endfor
call writefile(out, $OUT)
qall!
