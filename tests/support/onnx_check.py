#!/usr/bin/python3
"""Checks an ONNX file with ONNX's own checker (Debian python3-onnx), the second reader of Attune's exports:
    /usr/bin/python3 onnx_check.py MODEL.onnx
runs the checker with full shape inference (check_type, strict_mode: what check_model's full_check=True
does), then prints the IR version, producer, opset imports, the graph's inputs and outputs with their
element types and (symbolic) shapes, and the metadata_props.
Exit status: 0 valid, 1 invalid or unreadable (the checker's message on stderr), 2 bad usage.

onnx 1.12's check_model(PATH, full_check=True) writes the shape-inferred model over PATH
(infer_shapes_path's output defaults to its input), so this runs the same two steps with the inferred
model written to a temporary folder: the file under test is never changed. The path form also checks
models over 2 GB and with external data.
"""
import os
import sys
import tempfile

import onnx
import onnx.checker
import onnx.shape_inference


def shape_text(value_info):
    kind = value_info.type.WhichOneof("value")
    if kind != "tensor_type":
        return f"{value_info.name}: {kind or 'no type'}"
    tensor = value_info.type.tensor_type
    element = onnx.TensorProto.DataType.Name(tensor.elem_type)
    if not tensor.HasField("shape"):
        return f"{value_info.name}: {element} (unknown rank)"
    dims = []
    for dim in tensor.shape.dim:
        which = dim.WhichOneof("value")
        dims.append(str(dim.dim_value) if which == "dim_value" else dim.dim_param if which == "dim_param" else "?")
    return f"{value_info.name}: {element} [{', '.join(dims)}]"


def main(argv):
    if len(argv) != 2:
        print("usage: onnx_check.py MODEL.onnx", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        onnx.checker.check_model(path)  # structure, ops against their schemas, external data
        with tempfile.TemporaryDirectory(prefix="onnx_check.") as folder:
            onnx.shape_inference.infer_shapes_path(
                path, os.path.join(folder, "inferred.onnx"), check_type=True, strict_mode=True)
        model = onnx.load(path, load_external_data=False)
    except Exception as error:  # ValidationError, InferenceError, a file that is not an ONNX model
        message = " ".join(str(error).split())
        print(f"onnx_check: {path} is not a valid ONNX model (onnx {onnx.__version__}): {message}", file=sys.stderr)
        return 1

    graph = model.graph
    initializers = {tensor.name for tensor in graph.initializer}
    print(f"{path}: valid (onnx {onnx.__version__} checker, full shape inference)")
    print(f"ir_version {model.ir_version}, producer {model.producer_name} {model.producer_version}".rstrip())
    print("opset imports: " + ", ".join(f"{opset.domain or 'ai.onnx'} {opset.version}" for opset in model.opset_import))
    print(f"graph {graph.name}: {len(graph.node)} nodes, {len(graph.initializer)} initializers")
    for value in graph.input:
        if value.name not in initializers:  # IR < 4 lists initializers among the inputs
            print("  input  " + shape_text(value))
    for value in graph.output:
        print("  output " + shape_text(value))
    for entry in model.metadata_props:
        text = entry.value if len(entry.value) <= 200 else entry.value[:200] + "..."
        print(f"  metadata {entry.key} = {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
