//===- Error.h - The runtime's one error type -------------------*- C++ -*-===//
//
// Every user-facing failure in the runtime (bad flag, bad file, malformed
// descriptor) is thrown as nnrt::Error with a complete message; the CLI catches
// it once, prints `error: <message>` to stderr and exits with status 1.
// A failure of the run itself (a NaN, a full disk) is a RunError: printed the
// same way, without the hint to read --help.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_ERROR_H
#define NNRT_ERROR_H

#include <stdexcept>
#include <string>

namespace nnrt {

struct Error : std::runtime_error {
  explicit Error(const std::string &msg) : std::runtime_error(msg) {}
};

struct RunError : std::runtime_error {
  explicit RunError(const std::string &msg) : std::runtime_error(msg) {}
};

/// A fault at a line of an input file (a --metrics file given to `plot`):
/// printed `<where>: error: <message>`, where = "file:line".
struct InputError : Error {
  InputError(const std::string &where, const std::string &msg)
      : Error(msg), where(where) {}
  std::string where;
};

} // namespace nnrt

#endif // NNRT_ERROR_H
