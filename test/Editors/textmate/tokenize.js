// Tokenizes .nn files with VS Code's own TextMate engine (the npm packages vscode-textmate and
// vscode-oniguruma, the regex engine VS Code runs), using grammar/editors/nn.tmLanguage.json.
// usage: node tokenize.js GRAMMAR FILE...
//   one FILE: prints each token as `text<TAB>innermost scope`, one per line
//   several:  prints `FILE: N tokens, M unscoped words` per file (a word the grammar gives no scope beyond
//             source.nn) and exits 1 if a keyword of the language is ever scoped as something else
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const KEYWORDS = new Set(['block', 'false', 'import', 'model', 'param', 'return', 'train', 'true']);

async function main() {
  const [grammarPath, ...files] = process.argv.slice(2);
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.nn');
  let bad = 0;
  for (const file of files) {
    let state = vsctm.INITIAL, count = 0, unscoped = 0;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const r = grammar.tokenizeLine(line, state);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (!text.trim()) continue;
        const scope = t.scopes[t.scopes.length - 1];
        ++count;
        if (scope === 'source.nn' && /^[A-Za-z_]\w*$/.test(text)) ++unscoped;
        if (KEYWORDS.has(text) && !/keyword|constant\.language/.test(scope) && !/comment|string/.test(scope)) {
          console.error(`${file}: keyword '${text}' scoped ${scope}`);
          ++bad;
        }
        if (files.length === 1) console.log(`${text}\t${scope}`);
      }
      state = r.ruleStack;
    }
    if (files.length > 1) console.log(`${path.basename(file)}: ${count} tokens, ${unscoped} unscoped words`);
  }
  process.exit(bad ? 1 : 0);
}
main().catch((e) => { console.error(`tokenize.js: error: ${e.message}`); process.exit(1); });
