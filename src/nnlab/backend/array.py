"""The array module and the dtypes nnlab knows about.

nnlab's dtypes are plain :class:`numpy.dtype` objects under PyTorch's names, so
``nnlab.float32 == np.float32`` and arrays move between the two without copies.
"""

from __future__ import annotations

import numpy as np

xp = np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
bool_ = np.dtype(np.bool_)

_default_dtype = float32

_ALIASES = {
    "float": float32,
    "float16": float16,
    "half": float16,
    "float32": float32,
    "float64": float64,
    "double": float64,
    "int": int64,
    "int32": int32,
    "int64": int64,
    "long": int64,
    "uint8": uint8,
    "int8": int8,
    "int16": int16,
    "short": int16,
    "bool": bool_,
}


def get_default_dtype() -> np.dtype:
    """The floating dtype new tensors get from Python floats and initializers (float32)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype; only float32 and float64 are allowed."""
    global _default_dtype
    d = as_dtype(dtype)
    if d not in (float32, float64):
        raise ValueError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default_dtype = d


def as_dtype(dtype) -> np.dtype:
    """Turn ``nnlab.float32``, ``np.float32``, ``"float32"`` or ``float`` into a numpy dtype.

    ``None`` means the default dtype. The Python types map as in PyTorch and NumPy:
    ``float`` → float64, ``int`` → int64, ``bool`` → bool.
    """
    if dtype is None:
        return _default_dtype
    if isinstance(dtype, str):
        try:
            return _ALIASES[dtype]
        except KeyError:
            raise TypeError(f"unknown dtype name {dtype!r}; expected one of {sorted(_ALIASES)}") from None
    if dtype is float:
        return float64
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"as_dtype: {dtype!r} is not a dtype") from None


def is_floating(dtype) -> bool:
    """True for floating dtypes (the only ones that can carry gradients)."""
    return np.issubdtype(np.dtype(dtype), np.floating)
