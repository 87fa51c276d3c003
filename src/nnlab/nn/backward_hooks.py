"""Full backward hooks on modules: ``register_full_backward_hook`` / ``register_full_backward_pre_hook``.

As in PyTorch, the module's tensor inputs and outputs pass through identity nodes
while hooks are registered: the output nodes collect ∂L/∂output (calling the
pre-hooks, which may replace it), the input nodes collect ∂L/∂input, and once every
input gradient is in, ``hook(module, grad_input, grad_output)`` runs and may return
a replacement ``grad_input``. A module none of whose inputs needs a gradient (a first
layer) gets its hook called from the output side with ``grad_input = (None, ...)``.
Replacing gradients is supported for one tensor input and one tensor output (every
layer); a module with several returns an error naming that limit if a hook replaces.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

from nnlab.autograd.function import Context, Function
from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.nn.hooks import RemovableHandle


class BackwardHooksMixin:
    """``Module``'s backward-hook registration (the hooks live in the module's ``__dict__``)."""

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once ∂L/∂inputs are known (see ``nn/backward_hooks.py``).

        A non-None result replaces ``grad_input``.
        """
        hooks = self.__dict__.setdefault("_backward_hooks", OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        self.__dict__.setdefault("_backward_pre_hooks", OrderedDict())
        return handle

    def register_full_backward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when ∂L/∂outputs are known; a non-None result replaces them."""
        hooks = self.__dict__.setdefault("_backward_pre_hooks", OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        self.__dict__.setdefault("_backward_hooks", OrderedDict())
        return handle


class _HookState:
    def __init__(self, module, n_in: int, n_out: int = 0):
        self.module = module
        self.grad_inputs: list = [None] * n_in
        self.grad_outputs: list = []
        self.n_in, self.n_out = n_in, n_out
        self.in_seen = 0
        self.out_seen = 0

    def _as_tensors(self, grads) -> tuple:
        return tuple(None if g is None else from_numpy(g) for g in grads)

    def output_grad(self, k: int, grad):
        self.out_seen += 1
        self.grad_outputs[k] = grad
        if self.out_seen == self.n_out:
            for hook in list(self.module._backward_pre_hooks.values()):
                res = hook(self.module, self._as_tensors(self.grad_outputs))
                if res is not None:
                    res = res if isinstance(res, (tuple, list)) else (res,)
                    self.grad_outputs = [None if r is None else (r.array if isinstance(r, Tensor) else r) for r in res]
            if self.n_in == 0:
                self._call_hooks()
        return self.grad_outputs[k]

    def input_grad(self, k: int, grad):
        self.in_seen += 1
        self.grad_inputs[k] = grad
        if self.in_seen == self.n_in:
            self._call_hooks()
        return self.grad_inputs[k]

    def _call_hooks(self) -> None:
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, self._as_tensors(self.grad_inputs) if self.n_in else (None,),
                       self._as_tensors(self.grad_outputs))
            if res is None:
                continue
            res = res if isinstance(res, (tuple, list)) else (res,)
            if self.n_in != 1 or len(res) != 1:
                raise RuntimeError(
                    f"backward hook of {type(self.module).__name__}: replacing grad_input is supported for modules "
                    f"with one tensor input that needs a gradient (this one has {self.n_in})")
            self.grad_inputs = [None if res[0] is None else (res[0].array if isinstance(res[0], Tensor) else res[0])]


class _Tap(Function):
    """Identity in forward; backward hands the gradient to the hook state (which may replace it)."""

    @staticmethod
    def forward(ctx: Context, x, state, k, side):
        ctx.state, ctx.k, ctx.side = state, k, side
        return x

    @staticmethod
    def backward(ctx: Context, grad):
        s = ctx.state
        g = s.output_grad(ctx.k, grad) if ctx.side == "out" else s.input_grad(ctx.k, grad)
        return g, None, None, None


def call_with_backward_hooks(module, call, args: tuple, kwargs: dict) -> Any:
    """Run ``call(*args, **kwargs)`` with the module's inputs and outputs tapped for its backward hooks."""
    if not is_grad_enabled():
        return call(*args, **kwargs)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    state = _HookState(module, len(positions))
    args = list(args)
    for k, i in enumerate(positions):
        args[i] = _Tap.apply(args[i], state, k, "in")
    output = call(*args, **kwargs)

    def tap(o):
        if isinstance(o, Tensor) and o.requires_grad:
            state.grad_outputs.append(None)
            state.n_out += 1
            return _Tap.apply(o, state, state.n_out - 1, "out")
        if isinstance(o, tuple) and not hasattr(o, "_fields"):
            return tuple(tap(v) for v in o)
        if isinstance(o, list):
            return [tap(v) for v in o]
        return o

    return tap(output)
