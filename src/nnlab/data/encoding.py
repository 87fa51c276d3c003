"""Label encodings: one-hot vectors and class weights for imbalanced data."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd import Tensor
from nnlab.backend import as_dtype, float32
from nnlab.ops.creation import from_numpy


def _labels(labels: Any, op: str) -> tuple[np.ndarray, bool]:
    was_tensor = isinstance(labels, Tensor)
    a = labels.array if was_tensor else np.asarray(labels)
    if a.dtype.kind not in "iu":
        if a.dtype.kind == "f" and a.size and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        elif a.size:
            raise TypeError(f"{op}: labels must be integers, got dtype {a.dtype}")
        else:
            a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise ValueError(f"{op}: labels must be non-negative class indices, got min {a.min()}")
    return a.astype(np.int64, copy=False), was_tensor


def _num_classes(a: np.ndarray, num_classes: int | None, op: str) -> int:
    if num_classes is None or num_classes == -1:
        if a.size == 0:
            raise ValueError(f"{op}: cannot infer num_classes from empty labels; pass num_classes")
        return int(a.max()) + 1
    if a.size and a.max() >= num_classes:
        raise ValueError(f"{op}: label {a.max()} is out of range for num_classes={num_classes}")
    return int(num_classes)


def one_hot(labels, num_classes: int | None = None, dtype=float32):
    """``out[..., c] = 1 if labels[...] == c else 0``.

    Unlike ``torch.nn.functional.one_hot`` (int64), the default dtype is float32,
    ready to multiply with probabilities.

    Args:
        labels: integer class indices (numpy array, list or Tensor).
        num_classes: the number of classes C. Default: None (``max(labels) + 1``).
        dtype: output dtype. Default: float32.

    Shape:
        - labels: :math:`(*)`; output: :math:`(*, C)`. Tensor in, Tensor out; else numpy.
    """
    a, was_tensor = _labels(labels, "one_hot")
    c = _num_classes(a, num_classes, "one_hot")
    out = np.zeros(a.shape + (c,), dtype=as_dtype(dtype))
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return from_numpy(out) if was_tensor else out


def class_weights(labels, num_classes: int | None = None, scheme: str = "balanced"):
    """Per-class loss weights that counter class imbalance: ``w_c = N / (C * count_c)`` ("balanced").

    "balanced" gives every class the same total weight (a class with half the
    average count gets weight 2); it matches scikit-learn's ``class_weight="balanced"``.
    "sqrt" is its square root, a milder correction. A class absent from ``labels``
    gets weight 0 (it never occurs in the loss anyway).

    Args:
        labels: integer class indices of the training set, shape :math:`(N)`.
        num_classes: C. Default: None (``max(labels) + 1``).
        scheme: "balanced" or "sqrt". Default: "balanced".

    Shape:
        - output: :math:`(C)`, float32 (a Tensor for Tensor labels, else numpy), for
          ``CrossEntropyLoss(weight=...)``.
    """
    a, was_tensor = _labels(labels, "class_weights")
    a = a.reshape(-1)
    if a.size == 0:
        raise ValueError("class_weights: needs at least one label")
    c = _num_classes(a, num_classes, "class_weights")
    counts = np.bincount(a, minlength=c).astype(np.float64)
    with np.errstate(divide="ignore"):
        w = np.where(counts > 0, a.size / (c * counts), 0.0)
    if scheme == "sqrt":
        w = np.sqrt(w)
    elif scheme != "balanced":
        raise ValueError(f"class_weights: unknown scheme {scheme!r}; expected 'balanced' or 'sqrt'")
    w = w.astype(np.float32)
    return from_numpy(w) if was_tensor else w
