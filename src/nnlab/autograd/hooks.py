"""Gradient hooks on tensors: ``t.register_hook(fn)`` calls ``fn(grad)`` when ``t``'s gradient is computed.

As in PyTorch, ``fn`` receives the gradient with respect to ``t`` (a Tensor) and may
return a replacement (same shape), which is what flows on: into ``t.grad`` for a leaf,
into the rest of the backward pass otherwise. Hooks run in the order registered.
The registry is keyed by identity and holds tensors weakly, so a hook never keeps a
tensor alive.
"""

from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

__all__ = ["RemovableHandle", "register_hook", "run_hooks", "has_hooks"]

_hooks: dict[int, tuple[weakref.ref, dict[int, Callable]]] = {}
_next_id = 0


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, key: int, hook_id: int) -> None:
        self.key, self.hook_id = key, hook_id

    def remove(self) -> None:
        entry = _hooks.get(self.key)
        if entry is not None:
            entry[1].pop(self.hook_id, None)
            if not entry[1]:
                _hooks.pop(self.key, None)


def register_hook(t, fn: Callable) -> RemovableHandle:
    global _next_id
    if not callable(fn):
        raise TypeError(f"register_hook: expected a callable fn(grad), got {type(fn).__name__}")
    if not t.requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
    key = id(t)
    entry = _hooks.get(key)
    if entry is None or entry[0]() is not t:
        entry = (weakref.ref(t, lambda _, k=key: _hooks.pop(k, None)), {})
        _hooks[key] = entry
    _next_id += 1
    entry[1][_next_id] = fn
    return RemovableHandle(key, _next_id)


def has_hooks() -> bool:
    return bool(_hooks)


def run_hooks(t, g: np.ndarray) -> np.ndarray:
    """``g`` passed through ``t``'s hooks (unchanged when it has none)."""
    entry = _hooks.get(id(t))
    if entry is None or entry[0]() is not t:
        return g
    from nnlab.autograd.tensor import Tensor

    for fn in list(entry[1].values()):
        out = fn(Tensor._wrap(g))
        if out is None:
            continue
        new = out.array if isinstance(out, Tensor) else np.asarray(out)
        if new.shape != g.shape:
            raise RuntimeError(f"register_hook: a hook returned a gradient of shape {new.shape} for a tensor of "
                               f"shape {g.shape}")
        g = new.astype(g.dtype, copy=False)
    return g
