"""Data transforms: feature scaling fitted on the training set, resizing, composition.

Scalers learn their statistics with ``fit`` on the TRAINING data only and then
apply those same statistics to dev and test data: fitting on dev/test would leak
information about them into the model and make the evaluation optimistic.
Transforms accept numpy arrays or nnlab Tensors and return the same kind.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from nnlab.autograd import Tensor
from nnlab.backend import get_default_dtype
from nnlab.backend.interp import interp_matrix
from nnlab.ops.creation import from_numpy


def _unwrap(x: Any) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        return x.array, True
    return np.asarray(x), False


def _rewrap(a: np.ndarray, was_tensor: bool):
    return from_numpy(a) if was_tensor else a


def _float_dtype(a: np.ndarray) -> np.dtype:
    return a.dtype if np.issubdtype(a.dtype, np.floating) else get_default_dtype()


def _axes(axis: int | Sequence[int], ndim: int, op: str) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(sorted(int(a) % ndim for a in axes))
    if 0 not in axes:
        raise ValueError(f"{op}: statistics are taken over samples, so axis must include 0, got {axis}")
    return axes


class _Scaler:
    """Shared fit/transform plumbing: statistics over ``axis`` (kept with size-1 dims, minus dim 0)."""

    _op = "scaler"
    _stats: tuple[str, ...] = ()

    def __init__(self, axis: int | Sequence[int] = 0):
        self.axis = axis
        for name in self._stats:
            setattr(self, name, None)

    def _reduce(self, a: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError(f"_reduce is abstract: {type(self).__name__} must implement it")

    def _apply(self, a: np.ndarray, inverse: bool) -> np.ndarray:
        raise NotImplementedError(f"_apply is abstract: {type(self).__name__} must implement it")

    def fit(self, X) -> "_Scaler":
        """Learn the statistics from ``X`` (the training data)."""
        a, _ = _unwrap(X)
        if a.ndim == 0 or a.shape[0] == 0:
            raise ValueError(f"{self._op}.fit: needs at least one sample, got shape {a.shape}")
        axes = _axes(self.axis, a.ndim, f"{self._op}.fit")
        dtype = _float_dtype(a)
        # Accumulate in float64 for accuracy; store in the data's own float dtype.
        stats = self._reduce(a.astype(np.float64), axes)
        for name, value in zip(self._stats, stats):
            setattr(self, name, value[0].astype(dtype))
        return self

    def _check(self, a: np.ndarray, op: str) -> None:
        first = getattr(self, self._stats[0])
        if first is None:
            raise RuntimeError(f"{self._op}.{op}: call fit() on the training data first")
        try:
            ok = a.ndim == first.ndim + 1 and np.broadcast_shapes(a.shape[1:], first.shape) == a.shape[1:]
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"{self._op}.{op}: input of shape {a.shape} does not match the fitted statistics "
                f"of shape {first.shape} (one sample's shape, broadcast)"
            )

    def transform(self, X):
        """Scale ``X`` with the fitted (training) statistics."""
        a, t = _unwrap(X)
        self._check(a, "transform")
        return _rewrap(self._apply(a.astype(_float_dtype(a), copy=False), inverse=False), t)

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        a, t = _unwrap(X)
        self._check(a, "inverse_transform")
        return _rewrap(self._apply(a.astype(_float_dtype(a), copy=False), inverse=True), t)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def __call__(self, X):
        return self.transform(X)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted statistics, as numpy arrays (safe to save with safetensors/npz)."""
        if getattr(self, self._stats[0]) is None:
            raise RuntimeError(f"{self._op}.state_dict: not fitted yet")
        return {name: getattr(self, name).copy() for name in self._stats}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore statistics saved by :meth:`state_dict`."""
        missing = [n for n in self._stats if n not in state]
        if missing:
            raise KeyError(f"{self._op}.load_state_dict: missing {missing}, got keys {sorted(state)}")
        values = [np.asarray(state[n].array if isinstance(state[n], Tensor) else state[n]) for n in self._stats]
        if any(v.shape != values[0].shape for v in values):
            raise ValueError(f"{self._op}.load_state_dict: statistics shapes differ: {[v.shape for v in values]}")
        for name, v in zip(self._stats, values):
            setattr(self, name, v.copy())


class Standardize(_Scaler):
    """``(x - mean) / std`` per feature, with mean and std fitted on the training set.

    The standard deviation is the population one (ddof=0, like scikit-learn's
    StandardScaler). A feature with std 0 is only centred (its std is stored as 1),
    so there is never a division by zero.

    Args:
        axis: the dims averaged over; must include 0 (samples). Use ``(0, 2, 3)`` for
            per-channel statistics of NCHW images. Default: 0.

    Shape:
        - X: :math:`(N, D)` (or :math:`(N, *)`); output: same shape.

    Attributes:
        mean: :math:`(D)` (the sample shape, size 1 along reduced dims), ``None`` before ``fit``.
        std: same shape as ``mean``.
    """

    _op = "Standardize"
    _stats = ("mean", "std")

    def _reduce(self, a, axes):
        mean = a.mean(axis=axes, keepdims=True)
        std = a.std(axis=axes, keepdims=True)
        # Rounding leaves a constant feature with a std of ~1e-17 * |mean|, not exactly 0.
        std = np.where(std > 1e-10 * np.maximum(np.abs(mean), 1.0), std, 1.0)
        return mean, std

    def _apply(self, a, inverse):
        dt = a.dtype
        mean, std = self.mean.astype(dt, copy=False), self.std.astype(dt, copy=False)
        return a * std + mean if inverse else (a - mean) / std


class MinMaxScale(_Scaler):
    """``lo + (x - min) / (max - min) * (hi - lo)`` per feature, min and max fitted on the training set.

    A constant feature (max = min) maps to ``lo``.

    Args:
        feature_range: the target interval ``(lo, hi)``. Default: (0, 1).
        axis: the dims reduced over; must include 0. Default: 0.

    Shape:
        - X: :math:`(N, D)` (or :math:`(N, *)`); output: same shape.

    Attributes:
        data_min, data_max: :math:`(D)`, ``None`` before ``fit``.
    """

    _op = "MinMaxScale"
    _stats = ("data_min", "data_max")

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0), axis: int | Sequence[int] = 0):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScale: feature_range must have lo < hi, got {feature_range}")
        self.feature_range = (float(lo), float(hi))
        super().__init__(axis)

    def _reduce(self, a, axes):
        return a.min(axis=axes, keepdims=True), a.max(axis=axes, keepdims=True)

    def _apply(self, a, inverse):
        dt = a.dtype
        lo, hi = (np.asarray(v, dtype=dt) for v in self.feature_range)
        dmin = self.data_min.astype(dt, copy=False)
        span = self.data_max.astype(dt, copy=False) - dmin
        span = np.where(span > 0, span, np.asarray(1, dtype=dt))
        if inverse:
            return (a - lo) / (hi - lo) * span + dmin
        return (a - dmin) / span * (hi - lo) + lo


def resize_bilinear(images, size: int | tuple[int, int], align_corners: bool = False):
    """Bilinear resize of the last two dims, as ``F.interpolate(mode="bilinear")`` does.

    Separable: rows then columns are linearly interpolated, each a small matrix product.

    Args:
        images: array or Tensor, at least 2-d; integer images become the default float dtype.
        size: output ``(H_out, W_out)``, or one int for a square.
        align_corners: PyTorch's flag (corner pixels' centres aligned). Default: False.

    Shape:
        - images: :math:`(*, H, W)`; output: :math:`(*, H_{out}, W_{out})`.
    """
    a, t = _unwrap(images)
    if a.ndim < 2:
        raise ValueError(f"resize_bilinear: needs at least 2 dims (H, W), got shape {a.shape}")
    h_out, w_out = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if h_out < 1 or w_out < 1:
        raise ValueError(f"resize_bilinear: size must be positive, got {size}")
    dtype = _float_dtype(a)
    rows = interp_matrix(a.shape[-2], int(h_out), "linear", align_corners, dtype=dtype)
    cols = interp_matrix(a.shape[-1], int(w_out), "linear", align_corners, dtype=dtype)
    out = np.matmul(np.matmul(rows, a.astype(dtype, copy=False)), cols.T)
    return _rewrap(np.ascontiguousarray(out), t)


class Resize:
    """Callable form of :func:`resize_bilinear` for :class:`Compose` pipelines.

    Args:
        size: output ``(H_out, W_out)`` or one int.
        align_corners: see :func:`resize_bilinear`. Default: False.
    """

    def __init__(self, size: int | tuple[int, int], align_corners: bool = False):
        self.size = size
        self.align_corners = align_corners

    def __call__(self, images):
        return resize_bilinear(images, self.size, self.align_corners)


class Lambda:
    """Wrap a function ``fn(x)`` as a transform.

    Args:
        fn: the function to apply.
    """

    def __init__(self, fn: Callable[[Any], Any]):
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)


class Compose:
    """Apply transforms in order: ``Compose([f, g])(x) == g(f(x))``.

    Args:
        transforms: callables (fitted scalers, :class:`Resize`, :class:`Lambda`, ...).
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]):
        self.transforms = list(transforms)
        for i, tr in enumerate(self.transforms):
            if not callable(tr):
                raise TypeError(f"Compose: transform {i} is not callable ({type(tr).__name__})")

    def __call__(self, x):
        for tr in self.transforms:
            x = tr(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(type(t).__name__ for t in self.transforms) + "])"
