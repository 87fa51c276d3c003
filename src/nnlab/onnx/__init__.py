"""ONNX export (``nnlab.onnx.export``, torch.onnx.export's signature), checked in onnxruntime.

    from nnlab.onnx import export
    export(model, x, "model.onnx", input_names=["x"], output_names=["logits"],
           dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})

Needs the ``onnx`` extra (``pip install 'nnlab[onnx]'``). See ``docs/onnx.md``.
"""

from nnlab.onnx.export import DEFAULT_OPSET, SUPPORTED_OPSETS, export
from nnlab.onnx.graph import ExportError

__all__ = ["export", "ExportError", "DEFAULT_OPSET", "SUPPORTED_OPSETS"]

# ---- ONNX import for inference (onnx/importer.py) ----
from nnlab.onnx.importer import OnnxModule, load_onnx  # noqa: E402
__all__ += ["OnnxModule", "load_onnx"]
