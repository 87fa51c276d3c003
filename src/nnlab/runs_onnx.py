"""``nnlab export RUN_DIR model.onnx``: a trained run's model as ONNX, checked in onnxruntime."""

from __future__ import annotations

import os

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.onnx.export import DEFAULT_OPSET, export
from nnlab.ops.creation import from_numpy
from nnlab.runs import load_run

__all__ = ["export_run"]


def export_run(run_dir: str, path: str | os.PathLike, opset_version: int = DEFAULT_OPSET,
               check_samples: int = 64) -> dict[str, float]:
    """Export the model of ``run_dir`` (input ``x``, output ``logits``, dynamic batch) to ``path``.

    The model is traced on one test sample; then onnxruntime runs the first
    ``check_samples`` test samples and its logits are compared with nnlab's.

    Returns:
        ``{"max_abs_diff", "max_rel_diff", "agreement"}``: the largest absolute and
        (max-abs-scaled) relative difference of the logits, and the fraction of samples
        whose predicted class is the same in both.
    """
    import onnxruntime as ort

    _, model, data = load_run(run_dir)
    x = np.ascontiguousarray(data.X_test[:check_samples].astype(np.float32))
    export(model, x[:1], path, input_names=["x"], output_names=["logits"],
           dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset_version)
    session = ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    (ours,) = session.run(None, {"x": x})
    with no_grad():
        ref = model(from_numpy(x)).array
    diff = float(np.abs(ours - ref).max())
    return {"max_abs_diff": diff, "max_rel_diff": diff / max(float(np.abs(ref).max()), 1e-30),
            "agreement": float(np.mean(ours.argmax(-1) == ref.argmax(-1))) if ref.ndim == 2 and ref.shape[1] > 1
            else float(np.mean((ours > 0) == (ref > 0)))}
