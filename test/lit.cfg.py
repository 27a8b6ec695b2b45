# lit configuration for nnc: every stage's tests (test/<Stage>/*.{nn,mlir}) and end-to-end runs of
# compiled binaries (test/Integration). Substitutions: %nnc, %nn-opt, %python (the Debian python3 with torch),
# %examples, %stdlib, %datadir (Fashion-MNIST IDX files), %src (the source tree).
import os
import lit.formats

config.name = "nnc"
config.test_format = lit.formats.ShTest(not lit_config.useValgrind)
config.suffixes = [".nn", ".mlir", ".test"]
config.excludes = ["Inputs", "Unit", "fuzz", "ort", "textmate", "CMakeLists.txt", "lit.cfg.py"]  # fuzz: run.sh runs its inputs
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nnc_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.nnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# The sanitizer options of .ci/sanitize reach the tools and the model binaries.
for var in ["HOME", "TMPDIR", "CCACHE_DIR", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
            "ASAN_SYMBOLIZER_PATH"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]
# A -DNNC_SANITIZE=ON build: tests that measure speed say "UNSUPPORTED: asan" (instrumentation slows them).
if getattr(config, "nnc_sanitize", "OFF").upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
# Editor tests (test/Editors) that need the editor: "REQUIRES: vim".
import shutil
if shutil.which("vim"):
    config.available_features.add("vim")

config.substitutions.append(("%{nnc-bin-dir}", config.nnc_tools_dir))
config.substitutions.append(("%nnc", os.path.join(config.nnc_tools_dir, "nnc")))
config.substitutions.append(("%fake-model", os.path.join(config.nnc_tools_dir, "nnrt-fake-model")))
config.substitutions.append(("%nn-opt", os.path.join(config.nnc_tools_dir, "nn-opt")))
config.substitutions.append(("%python", "/usr/bin/python3"))
# Open MPI refuses root without --allow-run-as-root (CI runs as root); 2-4 ranks may exceed the cores.
config.substitutions.append(("%mpirun", "mpirun --allow-run-as-root --oversubscribe"))
config.substitutions.append(("%src", config.nnc_src_root))
config.substitutions.append(("%examples", os.path.join(config.nnc_src_root, "examples")))
config.substitutions.append(("%stdlib", os.path.join(config.nnc_src_root, "stdlib")))
# ONNX Runtime (the npm package onnxruntime-node in test/Export/ort, installed by .ci/setup) on an exported model.
config.substitutions.append(("%ort", "node " + os.path.join(config.nnc_src_root, "test", "Export", "ort", "run.js")))
config.substitutions.append(("%datadir", "/usr/share/datasets/fashion-mnist"))
