"""Exponentially weighted moving averages, the building block of momentum, RMSprop and Adam.

v_t = β·v_{t−1} + (1 − β)·θ_t with v₀ = 0 averages roughly the last 1/(1 − β) values.
Starting from zero makes the first estimates too small (v₁ = (1 − β)·θ₁); dividing by
1 − βᵗ removes that bias: with β = 0.9 and θ = (10, 20), v = (1, 2.9) and the
corrected estimates are (10, 15.263...).
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype
from nnlab.ops.creation import from_numpy


class ExponentialMovingAverage:
    """v_t = β·v_{t−1} + (1 − β)·θ_t, reported as v_t / (1 − βᵗ) when bias-corrected.

    Works on Python numbers, NumPy arrays and Tensors (of one fixed shape); the average
    keeps the values' floating dtype (integers average in the default dtype).

    Args:
        beta: β ∈ [0, 1), default 0.9.
        bias_correction: report v_t / (1 − βᵗ) instead of v_t, default True.

    Attributes:
        t: the number of values seen.
        raw: v_t without correction (``None`` before the first update).
    """

    def __init__(self, beta: float = 0.9, bias_correction: bool = True):
        beta = float(beta)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"ExponentialMovingAverage: beta must be in [0, 1), got {beta}")
        self.beta = beta
        self.bias_correction = bool(bias_correction)
        self.t = 0
        self.raw: Any = None

    def reset(self) -> None:
        """Forget every value seen (back to v₀ = 0, t = 0)."""
        self.t = 0
        self.raw = None

    def update(self, value: float | np.ndarray | Tensor) -> Any:
        """Fold in θ_t and return the new estimate (same kind as ``value``: number, array or Tensor)."""
        as_tensor = isinstance(value, Tensor)
        x = value.array if as_tensor else value
        scalar = isinstance(x, Real) and not isinstance(x, np.generic)
        if scalar:
            x = float(x)
        else:
            x = np.asarray(x)
            if x.dtype.kind != "f":
                x = x.astype(get_default_dtype())
        if self.raw is None:
            self.raw = 0.0 if scalar else np.zeros_like(x)
        elif not scalar and np.shape(self.raw) != x.shape:
            raise ValueError(f"ExponentialMovingAverage.update: value of shape {x.shape}, "
                             f"the average has shape {np.shape(self.raw)}")
        self.t += 1
        self.raw = self.beta * self.raw + (1.0 - self.beta) * x
        out = self.average
        return from_numpy(np.array(out, copy=True)) if as_tensor else out

    @property
    def average(self) -> Any:
        """The current estimate: v_t / (1 − βᵗ) if bias-corrected, else v_t."""
        if self.raw is None:
            raise RuntimeError("ExponentialMovingAverage: no value has been added yet")
        if self.bias_correction:
            return self.raw / (1.0 - self.beta**self.t)
        return self.raw

    def state_dict(self) -> dict[str, Any]:
        """``beta``, ``bias_correction``, ``t`` and ``raw`` (a float, a Tensor copy or None)."""
        raw = self.raw if self.raw is None or isinstance(self.raw, float) else from_numpy(np.array(self.raw))
        return {"beta": self.beta, "bias_correction": self.bias_correction, "t": self.t, "raw": raw}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        raw = state_dict["raw"]
        self.beta = float(state_dict["beta"])
        self.bias_correction = bool(state_dict["bias_correction"])
        self.t = int(state_dict["t"])
        self.raw = np.array(raw.array if isinstance(raw, Tensor) else raw, copy=True) \
            if raw is not None and not isinstance(raw, float) else raw

    def __repr__(self) -> str:
        return f"ExponentialMovingAverage(beta={self.beta}, bias_correction={self.bias_correction}, t={self.t})"


def ewma(values: Sequence[float] | np.ndarray | Tensor, beta: float, bias_correction: bool = True) -> np.ndarray:
    """[v₁, …, v_T] for θ = ``values`` (along the first axis), each v_t / (1 − βᵗ) if corrected.

    Args:
        values: a sequence of numbers (shape (T,)) or an array of shape (T, ...).
        beta: β ∈ [0, 1).
        bias_correction: divide by 1 − βᵗ, default True.

    Returns:
        A NumPy array of the values' shape; Python floats give the default dtype (float32).
    """
    arr = Tensor(values).array
    if arr.dtype.kind != "f":
        arr = arr.astype(get_default_dtype())
    if arr.ndim == 0:
        raise ValueError(f"ewma: values must have a time axis, got a 0-d value {arr}")
    ema = ExponentialMovingAverage(beta, bias_correction)
    out = np.empty_like(arr)
    for t in range(arr.shape[0]):
        out[t] = ema.update(arr[t])
    return out
