"""``Function``: a differentiable primitive with ``forward`` and ``backward`` side by side.

A subclass works on raw backend arrays::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = np.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

``Exp.apply(t)`` unwraps Tensor arguments, runs ``forward`` and, when some input
needs a gradient and grad mode is on, records a node so that the engine can call
``backward``. ``backward`` returns one gradient per positional argument of
``forward`` (``None`` where there is none); it never reduces broadcasting — the
engine does that in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd import anomaly
from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor


_FLOAT16 = np.dtype(np.float16)
_FLOAT32 = np.dtype(np.float32)
#: whether float16 tensors exist (then Function.apply checks for them); one list cell, read per call
_HALF_ROUTE = [False]


def enable_half_route() -> None:
    """Turn on float16-via-float32 computing (see ``Function``); called when float16 comes into use."""
    _HALF_ROUTE[0] = True


class Context:
    """Scratch space shared by one call's forward and backward, and the graph node of that call.

    ``forward`` stores what ``backward`` needs with :meth:`save_for_backward` or as
    attributes (``ctx.dim = dim``); ``needs_input_grad[i]`` says whether argument ``i``
    wants a gradient. The engine's own fields start with an underscore so that no
    attribute an op sets can clash with them. One object per recorded call (rather
    than a context plus a separate node) keeps ``Function.apply`` cheap.
    """

    __slots__ = ("saved_tensors", "needs_input_grad", "_fn", "_inputs", "_versions", "_freed", "_operands",
                 "__dict__")

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.saved_tensors: tuple = ()
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def release(self) -> None:
        """Drop what forward saved, once backward has used it without ``retain_graph``."""
        self.saved_tensors = ()
        self.__dict__.clear()
        self._freed = True

    @property
    def next_functions(self) -> tuple:
        """PyTorch's graph walk: ``((node, 0), ...)``, one entry per tensor operand of this call.

        An input made by an op gives that op's node; a leaf that requires grad gives an
        :class:`AccumulateGrad` holding it (``.variable``); an operand that needs no
        gradient gives ``(None, 0)``, as in PyTorch — including the Python number of
        ``w * 2`` (PyTorch wraps it as a tensor), but not an argument that is an option
        (an axis, a shape, ``keepdim``).
        """
        out = []
        operands = getattr(self, "_operands", None)
        for k, p in enumerate(getattr(self, "_inputs", ())):
            if p is None:
                if operands is not None and operands[k]:
                    out.append((None, 0))
            elif p._node is not None:
                out.append((p._node, 0))
            else:
                out.append((AccumulateGrad(p), 0))
        return tuple(out)

    def name(self) -> str:
        return repr(self)[1:-1]

    def __repr__(self) -> str:
        fn = getattr(self, "_fn", None)
        return f"<{fn.__name__}Backward>" if fn is not None else "<Context>"


class AccumulateGrad:
    """The end of a graph walk at a leaf that requires grad (``variable`` is the leaf)."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Function:
    """Base class of differentiable primitives; see the module docstring.

    ``half_via_float32``: NumPy has no float16 BLAS and does float16 arithmetic in scalar
    code, so once float16 is in use (:func:`enable_half_route`, called by ``half()`` and
    casts to float16) a Function whose inputs include float16 arrays computes in float32
    and rounds its floating output back to float16, as CPU frameworks do (gradients are
    rounded by the engine). Ops that change dtype on purpose (``Cast``) opt out.
    """

    half_via_float32 = True
    #: positions of ``forward``'s arguments where a Python number is an operand, not an option
    #: (``w * 2``): ``next_functions`` lists them as ``(None, 0)``, as PyTorch does
    scalar_operands: tuple[int, ...] = ()

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any):  # pragma: no cover - abstract
        raise NotImplementedError("Function.forward is abstract: subclasses define it")

    @staticmethod
    def backward(ctx: Context, grad):  # pragma: no cover - abstract
        raise NotImplementedError("Function.backward is abstract: subclasses define it")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the raw arrays of ``args``; record the call when a gradient is needed."""
        raw = []
        needs = []
        operands = []
        any_grad = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.array)
                rg = a.requires_grad
                needs.append(rg)
                operands.append(True)
                any_grad = any_grad or rg
            else:
                raw.append(a)
                needs.append(False)
                operands.append(False)
        ctx = Context(tuple(needs))
        half = _HALF_ROUTE[0] and cls.half_via_float32 and any(getattr(r, "dtype", None) == _FLOAT16 for r in raw)
        if half:
            raw = [r.astype(_FLOAT32) if getattr(r, "dtype", None) == _FLOAT16 else r for r in raw]
        try:
            out = cls.forward(ctx, *raw, **kwargs)
        except ValueError as e:  # NumPy's shape errors do not say which op failed
            if type(e) is not ValueError:  # e.g. AxisError, also an IndexError: keep its type
                raise
            shapes = ", ".join(str(a.shape) for a in raw if hasattr(a, "shape"))
            raise ValueError(f"{cls.__name__.lower()}: {e} (input shapes {shapes})") from None
        if half and getattr(out, "dtype", None) == _FLOAT32:
            out = out.astype(_FLOAT16)
        if not (any_grad and is_grad_enabled()):
            return _share_version(Tensor._wrap(out, False, None), args, raw)
        ctx._fn = cls
        for k in cls.scalar_operands:
            if k < len(args) and isinstance(args[k], _NUMBERS):
                operands[k] = True
        ctx._operands = operands
        ctx._inputs = tuple([a if n else None for a, n in zip(args, needs)])
        # the version of each input when it was used, checked by the engine (in-place changes since)
        ctx._versions = tuple([a._version if n else 0 for a, n in zip(args, needs)])
        ctx._freed = False
        if anomaly._enabled:
            ctx._anomaly_site = anomaly.forward_site()
        return _share_version(Tensor._wrap(out, True, ctx), args, raw)


_NUMBERS = (int, float, np.number)


def _share_version(t: Tensor, args: tuple, raw: list) -> Tensor:
    """A view shares its base's version counter (as in PyTorch), so in-place changes through either are seen.

    ``t`` is a view when its array is one of the inputs' arrays or a view of the same
    memory (NumPy's ``base`` names the array that owns the memory).
    """
    arr = t.array
    base = arr.base
    if base is None:
        return t
    for a, r in zip(args, raw):
        if isinstance(a, Tensor) and (base is r or (r.base is not None and base is r.base)):
            t._share_version_with(a)
            break
    return t
