//===- Help.h - nnc's help texts --------------------------------*- C++ -*-===//
//
// One row per subcommand (usage, one-line summary, options); `nnc --help`
// prints them all, `nnc help CMD` and `nnc CMD --help` one. A new
// subcommand adds its row in Help.cpp (and its words to nnc.bash).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TOOLS_HELP_H
#define NNC_TOOLS_HELP_H

#include <string>
#include <vector>

namespace nnc::cli {

struct Command {
  const char *name;    ///< "build"
  const char *usage;   ///< "nnc build FILE [-o OUT] ..."
  const char *summary; ///< one line: what it does
  const char *options; ///< its own options, indented two spaces; may be ""
  bool takesFile;      ///< reads a .nn FILE
};

/// Every subcommand, in the order help lists them.
const std::vector<Command> &commands();
/// The command named `name`, or null.
const Command *findCommand(const std::string &name);
/// "build, check, summary or lsp" (for error messages).
std::string commandList();
/// `nnc --help`: every command with its options.
std::string overview();
/// `nnc help CMD`: one command.
std::string commandHelp(const Command &c);

} // namespace nnc::cli

#endif // NNC_TOOLS_HELP_H
