"""Anomaly detection: name the first backward op that produces NaN or inf, and where its forward ran.

    with nnlab.autograd.detect_anomaly():
        loss = nnlab.log(nnlab.relu(x)).sum()
        loss.backward()
    # RuntimeError: detect_anomaly: the backward of Log (<LogBackward>) returned inf in its gradient
    # for input 0 (shape (3,)); the forward call was at train.py:12 in <module>: loss = nnlab.log(...)

While the mode is on (``detect_anomaly()`` as a context manager, or
``set_detect_anomaly(True)``), every recorded call keeps the place in the user's code
that made it, and the engine checks every gradient a backward returns. Both cost
time: turn it on to debug, as in PyTorch.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]

_enabled = False
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    return _enabled


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off; also a context manager that restores the previous mode.

    Args:
        mode: True to check every backward for NaN/inf.
    """

    def __init__(self, mode: bool) -> None:
        global _enabled
        self.prev = _enabled
        _enabled = bool(mode)

    def __enter__(self) -> "set_detect_anomaly":
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        global _enabled
        _enabled = self.prev


class detect_anomaly(set_detect_anomaly):  # noqa: N801 - PyTorch's name
    """``with detect_anomaly(): ...``: anomaly detection on inside the block."""

    def __init__(self) -> None:
        self.prev = _enabled

    def __enter__(self) -> "detect_anomaly":
        global _enabled
        _enabled = True
        return self


def forward_site() -> str:
    """``file:line in function: code`` of the innermost frame outside nnlab (the user's call)."""
    frame = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "inside nnlab"
    import linecache

    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} in {frame.f_code.co_name}"
    return f"{where}: {code}" if code else where


def check_gradients(node, in_grads: tuple) -> None:
    """Raise naming ``node`` (and its forward call) if a gradient it returned holds NaN or inf."""
    for k, g in enumerate(in_grads):
        if g is None or not isinstance(g, np.ndarray) or g.dtype.kind not in "fc" or np.isfinite(g).all():
            continue
        what = "nan" if np.isnan(g).any() else "inf"
        site = getattr(node, "_anomaly_site", None)
        raise RuntimeError(
            f"detect_anomaly: the backward of {node._fn.__name__} ({node!r}) returned {what} in its gradient for "
            f"input {k} (shape {g.shape}); the forward call was at {site or 'an unknown place (recorded before the mode was on)'}"
        )
