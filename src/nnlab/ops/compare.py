"""Elementwise comparisons (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``) as one recorded primitive.

A comparison has no gradient, so it needs no graph node; it still runs through
``Function.apply`` so that everything that watches the primitives sees it — above all
the ONNX exporter, which turns ``ids == pad`` into an ``Equal`` node instead of freezing
the mask of the example input into a constant. The operands are passed as raw arrays,
so the result never requires grad (PyTorch's comparisons do not either).
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor

__all__ = ["Compare", "compare", "COMPARISONS", "eq", "ne", "lt", "le", "gt", "ge"]

#: the comparisons by name, as NumPy ufuncs
COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
               "ge": np.greater_equal}


class Compare(Function):
    """y = (a ⊙ b) as bool for a comparison ⊙, broadcast; no gradient (backward gives None)."""

    @staticmethod
    def forward(ctx: Context, a, b, ufunc):
        return np.asarray(ufunc(a, b))

    @staticmethod
    def backward(ctx: Context, grad):  # pragma: no cover - the operands are never recorded
        return None, None, None


def compare(a, b, name: str) -> Tensor:
    """``a ⊙ b`` for ``name`` in :data:`COMPARISONS` (Tensors, arrays or numbers), a bool Tensor."""
    ufunc = COMPARISONS[name]
    return Compare.apply(a.array if isinstance(a, Tensor) else a, b.array if isinstance(b, Tensor) else b, ufunc)


def _named(name: str):
    def fn(a, b) -> Tensor:
        return compare(a, b, name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}(a, b) as a bool tensor (no gradient; recorded, so exports keep it)."
    return fn


#: ``torch.eq`` ... ``torch.ge`` (also the Tensor methods of the same names)
eq, ne, lt, le, gt, ge = (_named(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
