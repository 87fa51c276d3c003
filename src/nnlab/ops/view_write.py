"""Writing through a view: PyTorch's ``CopySlices``, so the base's history sees the change.

``v = y[0]`` (or ``y.t()``, ``y.narrow(...)``, ``y.view(...)``) shares ``y``'s storage. When
``v.mul_(3)`` is recorded in the graph, ``v`` becomes the output of the in-place op — and
``y``, whose memory changed too, must also: its new value is its old value with the view's
positions replaced by ``v``'s. ``CopySlices`` is that op:

    y_new = y_old with y_new[positions] = v        (positions: where the view's elements sit in y)
    ∂y_new/∂y_old = grad with the view's positions set to 0
    ∂y_new/∂v     = grad[positions], in the view's shape

The positions are found from the two arrays' memory layout (byte offsets and strides), so
any strided view works, whatever op made it.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor


def view_positions(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """Flat (C-order) indices into ``base`` of each element of ``view`` (shaped like ``view``).

    Raises:
        ValueError: when ``view`` does not lie inside ``base``'s memory.
    """
    item = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    vgrid = np.indices(view.shape, dtype=np.int64).reshape(view.ndim, -1) if view.ndim else np.zeros((0, 1), np.int64)
    view_off = start + (np.asarray(view.strides, dtype=np.int64)[:, None] * vgrid).sum(axis=0)
    if base.flags.c_contiguous and view.dtype.itemsize == item:  # the usual base: the byte offset is the position
        pos = view_off // item
        if np.all(view_off % item == 0) and np.all((pos >= 0) & (pos < base.size)):
            return pos.reshape(view.shape)
        raise ValueError(f"copy_slices: the array of shape {view.shape} is not a view into the base of shape {base.shape}")
    grids = np.indices(base.shape, dtype=np.int64).reshape(base.ndim, -1) if base.ndim else np.zeros((0, 1), np.int64)
    base_off = (np.asarray(base.strides, dtype=np.int64)[:, None] * grids).sum(axis=0)
    order = np.argsort(base_off, kind="stable")
    found = np.searchsorted(base_off[order], view_off)
    found = np.clip(found, 0, base_off.size - 1)
    pos = order[found]
    if view.dtype.itemsize != item or not np.array_equal(base_off[pos], view_off):
        raise ValueError(f"copy_slices: the array of shape {view.shape} is not a view into the base of shape {base.shape}")
    return pos.reshape(view.shape)


class CopySlices(Function):
    """out = base_old with the view's positions holding ``v`` (see the module docstring)."""

    @staticmethod
    def forward(ctx, base_old, v, positions):
        out = np.array(base_old, copy=True, order="C")
        out.reshape(-1)[positions.reshape(-1)] = np.reshape(v, -1)
        ctx.positions = positions
        return out

    @staticmethod
    def backward(ctx, grad):
        pos = ctx.positions.reshape(-1)
        flat = np.array(grad, copy=True, order="C").reshape(-1)
        gv = flat[pos].reshape(ctx.positions.shape)
        flat[pos] = 0
        return flat.reshape(grad.shape), gv, None


def copy_slices(base_old: Tensor, view: Tensor, base_array: np.ndarray) -> Tensor:
    """The recorded op making the base's new value from its old value and the changed view."""
    return CopySlices.apply(base_old, view, view_positions(base_array, view.array))
