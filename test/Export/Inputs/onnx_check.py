"""Checks an ONNX model with the ONNX package's own tools (Debian's python3-onnx):
the full checker, then shape inference in strict mode; prints the output's
shape as inferred and the initializers' names, for FileCheck.

usage: onnx_check.py MODEL.onnx
"""
import sys

import onnx

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
out = inferred.graph.output[0].type.tensor_type
dims = [d.dim_param or str(d.dim_value) for d in out.shape.dim]
print("opset", model.opset_import[0].version, "ir", model.ir_version)
print("input", model.graph.input[0].name, "output", inferred.graph.output[0].name,
      "[" + ", ".join(dims) + "]")
print("ops", " ".join(sorted({n.op_type for n in model.graph.node})))
for init in model.graph.initializer:
    if not init.name.split("_")[0] in ("ints", "f", "const"):
        print("initializer", init.name, list(init.dims))
