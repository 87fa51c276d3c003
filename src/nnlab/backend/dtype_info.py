"""``finfo`` / ``iinfo``: the numeric limits of a dtype, under PyTorch's names and fields."""

from __future__ import annotations

import numpy as np

from nnlab.backend.array import as_dtype


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (``nnlab.finfo(nnlab.float32).eps == 2**-23``).

    Args:
        dtype: a floating dtype; None means the default dtype.

    Attributes:
        bits, eps, max, min, tiny (= smallest_normal), resolution, dtype: as ``torch.finfo``.
    """

    def __init__(self, dtype=None):
        d = as_dtype(dtype)
        if d.kind != "f":
            raise TypeError(f"finfo: expected a floating dtype, got {d}; use nnlab.iinfo for integers")
        info = np.finfo(d)
        self.dtype = str(d)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer (or bool) dtype (``nnlab.iinfo(nnlab.int64).max == 2**63 - 1``).

    Args:
        dtype: an integer dtype.

    Attributes:
        bits, max, min, dtype: as ``torch.iinfo``.
    """

    def __init__(self, dtype):
        d = as_dtype(dtype)
        if d.kind == "b":
            self.dtype, self.bits, self.min, self.max = "bool", 8, 0, 1
            return
        if d.kind not in "iu":
            raise TypeError(f"iinfo: expected an integer dtype, got {d}; use nnlab.finfo for floating dtypes")
        info = np.iinfo(d)
        self.dtype = str(d)
        self.bits = int(info.bits)
        self.min = int(info.min)
        self.max = int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
