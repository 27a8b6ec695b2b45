//===- Link.cpp - Objects + the runtime archive -> an executable ----------===//
//
// Links the model's object files with the runtime archive (libnnrt.a, which
// holds main) into an executable with the system C++ driver, adding libomp
// when the objects call the OpenMP runtime, and the libraries the runtime
// uses (libpng, zlib, cairo).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen.h"

#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#ifndef NNC_LIBOMP_DIR
#define NNC_LIBOMP_DIR "/usr/lib/llvm-19/lib"
#endif

#ifndef NNC_CAIRO_LIBS
#define NNC_CAIRO_LIBS "-lcairo"
#endif

using namespace mlir;

/// True when `object` has undefined references to the OpenMP runtime.
static bool callsOpenMP(llvm::StringRef object) {
  auto file = llvm::object::ObjectFile::createObjectFile(object);
  if (!file) {
    llvm::consumeError(file.takeError());
    return false;
  }
  for (const llvm::object::SymbolRef &sym : file->getBinary()->symbols()) {
    auto flags = sym.getFlags();
    auto name = sym.getName();
    if (!flags || !name) {
      if (!flags)
        llvm::consumeError(flags.takeError());
      if (!name)
        llvm::consumeError(name.takeError());
      continue;
    }
    if ((*flags & llvm::object::SymbolRef::SF_Undefined) &&
        (name->starts_with("__kmpc_") || name->starts_with("omp_")))
      return true;
  }
  return false;
}

LogicalResult nnc::linkExecutable(llvm::ArrayRef<std::string> objects,
                                  llvm::StringRef runtimeLib,
                                  llvm::StringRef output, bool distributed) {
  auto driver = llvm::sys::findProgramByName("c++");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang++-19");
  if (!driver) {
    llvm::errs() << "error: cannot link: no C++ compiler driver (c++ or "
                    "clang++-19) on PATH\n";
    return failure();
  }
  std::string rpath = "-Wl,-rpath," NNC_LIBOMP_DIR;
  llvm::SmallVector<llvm::StringRef> args = {*driver};
  args.append(objects.begin(), objects.end());
  // --distributed: libnnrt-mpi.a (next to libnnrt.a, whose core it uses)
  // and libmpi.
  llvm::SmallString<256> mpiLib(llvm::sys::path::parent_path(runtimeLib));
  llvm::sys::path::append(mpiLib, "libnnrt-mpi.a");
  llvm::SmallVector<llvm::StringRef> mpiLibs;
#ifdef NNC_MPI_LIBS
  llvm::StringRef(NNC_MPI_LIBS).split(mpiLibs, ';', -1, false);
#endif
  if (distributed) {
    if (mpiLibs.empty() || !llvm::sys::fs::exists(mpiLib)) {
      llvm::errs() << "error: --distributed: this nnc was built without MPI "
                      "(install libopenmpi-dev and openmpi-bin, then "
                      "reconfigure and rebuild nnc)\n";
      return failure();
    }
    args.push_back(mpiLib);
  }
  args.append({runtimeLib, "-o", output});
  if (distributed)
    args.append(mpiLibs.begin(), mpiLibs.end());
  if (llvm::any_of(objects, callsOpenMP))
    args.append({"-L" NNC_LIBOMP_DIR, "-lomp", rpath});
  // The runtime's plots (runtime/Plot.cpp): libcairo, as CMake found it.
  llvm::SmallVector<llvm::StringRef> cairoLibs;
  llvm::StringRef(NNC_CAIRO_LIBS).split(cairoLibs, ';', -1, false);
  args.append(cairoLibs.begin(), cairoLibs.end());
  args.append({"-lpng", "-lz", "-lm", "-pthread"});
#ifdef NNC_SANITIZE_LINK
  args.push_back(NNC_SANITIZE_LINK); // a sanitized nnc's libnnrt.a
#endif
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    llvm::errs() << "error: linking " << output << " failed ("
                 << (message.empty()
                         ? *driver + " exited with status " + std::to_string(rc)
                         : message)
                 << ")\n";
    return failure();
  }
  return success();
}
