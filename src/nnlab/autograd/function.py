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

from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor


class Context:
    """Scratch space shared by one call's forward and backward."""

    __slots__ = ("saved_tensors", "needs_input_grad", "__dict__")

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.saved_tensors: tuple = ()
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays


class Node:
    """A recorded call: the Function, its context and its Tensor inputs (None for non-tensors)."""

    __slots__ = ("fn", "ctx", "inputs", "freed")

    def __init__(self, fn: type, ctx: Context, inputs: tuple):
        self.fn = fn
        self.ctx = ctx
        self.inputs = inputs
        self.freed = False

    def release(self) -> None:
        """Drop what forward saved, once backward has used it without ``retain_graph``."""
        self.ctx.saved_tensors = ()
        self.ctx.__dict__.clear()
        self.freed = True

    def __repr__(self) -> str:
        return f"<{self.fn.__name__}Backward>"


class Function:
    """Base class of differentiable primitives; see the module docstring."""

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any):  # pragma: no cover - abstract
        raise NotImplementedError("Function.forward is abstract: subclasses define it")

    @staticmethod
    def backward(ctx: Context, grad):  # pragma: no cover - abstract
        raise NotImplementedError("Function.backward is abstract: subclasses define it")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        raw = []
        needs = []
        any_grad = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.data)
                needs.append(a.requires_grad)
                any_grad = any_grad or a.requires_grad
            else:
                raw.append(a)
                needs.append(False)
        record = any_grad and is_grad_enabled()
        ctx = Context(tuple(needs))
        out = cls.forward(ctx, *raw, **kwargs)
        if not record:
            return Tensor._wrap(out, False, None)
        inputs = tuple(a if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        return Tensor._wrap(out, True, Node(cls, ctx, inputs))
