// The nnc extension: .nn files get the TextMate grammar (package.json) and
// the language server `nnc lsp` (diagnostics, hover, go-to-definition).
// Plain JavaScript, no build step: `npm install` in this folder fetches
// vscode-languageclient; see docs/editors.md.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("nnc");
  const args = ["lsp"];
  const stdlib = config.get("stdlib");
  if (stdlib) args.push("--stdlib", stdlib);
  const server = { command: config.get("path") || "nnc", args };
  client = new LanguageClient("nnc", "nnc language server", server, {
    documentSelector: [{ scheme: "file", language: "nn" }],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
