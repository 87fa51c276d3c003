"""Gradient checkpointing: keep a block's inputs, not its activations, and recompute them in backward.

``checkpoint(fn, *args)`` runs ``fn`` under ``no_grad`` (so none of its intermediate
arrays are saved) and records one node; its backward restores the random-generator
state, re-runs ``fn`` with gradients on, and backpropagates through that fresh graph —
which also accumulates the gradients of the parameters ``fn`` uses. Memory falls from
every activation of the block to its inputs and output, for one extra forward pass.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.grad_mode import enable_grad, no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_rng_state, set_rng_state


class Checkpoint(Function):
    """y = fn(*xs) without saved activations; backward recomputes fn(*xs) and backpropagates through it."""

    @staticmethod
    def forward(ctx: Context, fn, preserve_rng_state, kwargs, anchor, *arrays):
        ctx.fn, ctx.kwargs, ctx.arrays = fn, kwargs, arrays
        ctx.rng = get_rng_state() if preserve_rng_state else None
        with no_grad():
            out = fn(*[Tensor._wrap(a) if isinstance(a, np.ndarray) else a for a in arrays], **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"checkpoint: the function must return one Tensor, got {type(out).__name__}")
        return out.array

    @staticmethod
    def backward(ctx: Context, grad):
        wants = ctx.needs_input_grad[4:]
        inputs = [Tensor._wrap(a, bool(w)) if isinstance(a, np.ndarray) else a for a, w in zip(ctx.arrays, wants)]
        if ctx.rng is not None:
            saved = get_rng_state()
            set_rng_state(ctx.rng)
        try:
            with enable_grad():
                out = ctx.fn(*inputs, **ctx.kwargs)
        finally:
            if ctx.rng is not None:
                set_rng_state(saved)
        if out.requires_grad:
            out.backward(grad)
        grads = [x.grad.array if isinstance(x, Tensor) and x.grad is not None else None for x in inputs]
        return (None, None, None, None, *grads)


def checkpoint(function: Callable[..., Tensor], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Tensor:
    """``function(*args, **kwargs)``, recomputed in backward instead of keeping its activations.

    Args:
        function: returns one Tensor (a block of a model, e.g. ``model.layer3``).
        *args: its inputs (Tensors or other values).
        use_reentrant: accepted for PyTorch compatibility; the behaviour is that of
            ``use_reentrant=False`` (parameters get gradients even when no input needs one).
        preserve_rng_state: replay the same random draws (dropout) in the recomputation.
    """
    anchor = Tensor._wrap(np.zeros(0, dtype=np.float32), True)  # records the node even if no input needs grad
    return Checkpoint.apply(function, preserve_rng_state, kwargs, anchor, *args)


def checkpoint_sequential(functions, segments: int, input: Tensor, use_reentrant: bool | None = None) -> Tensor:
    """Run a Sequential (or list of modules) in ``segments`` checkpointed chunks."""
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(1, -(-len(fns) // segments))

    def run(chunk):
        def block(x):
            for f in chunk:
                x = f(x)
            return x

        return block

    for start in range(0, len(fns), size):
        input = checkpoint(run(fns[start:start + size]), input)
    return input
