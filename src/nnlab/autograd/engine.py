"""The reverse-mode engine: an iterative topological sort and one backward sweep.

Broadcasting is reduced here, in one place: every gradient a ``Function`` returns
is summed back to the shape of the input it belongs to, then checked. No
``backward`` of an op thinks about broadcasting.
"""

from __future__ import annotations

import sys

import numpy as np

from nnlab.autograd import anomaly, hooks as tensor_hooks
from nnlab.autograd.inplace import check_output, check_saved, cycle_error
from nnlab.autograd.tensor import Tensor

#: ``run(node, grad) -> grads`` that replaces ``node._fn.backward(node, grad)`` while
#: ``nnlab.profile()`` is active (it times each call); ``None`` otherwise. Read once per
#: ``backward()``, so the unprofiled engine pays nothing per node.
backward_hook = None


_FLOAT16 = np.dtype(np.float16)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead < 0:
        raise RuntimeError(f"unbroadcast: gradient of shape {grad.shape} has fewer dims than its input {shape}")
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _dependencies(root: Tensor) -> dict[Tensor, int]:
    """For every tensor that ``root`` depends on through the graph: how many recorded calls consume it.

    One iterative walk (no recursion limit). Tensors are dict keys by identity:
    ``Tensor.__hash__`` is ``object.__hash__``, and a dict compares identity first.
    """
    deps: dict[Tensor, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()._node
        if node is None:
            continue
        for p in node._inputs:
            if p is None:
                continue
            n = deps.get(p)
            if n is None:
                deps[p] = 1
                stack.append(p)
            else:
                deps[p] = n + 1
    return deps


def _accumulate_into(t: Tensor, g: np.ndarray, owned: bool = False) -> None:
    """Add ``g`` to ``t.grad``; an ``owned`` gradient (no one else can see it) becomes ``grad`` without a copy."""
    if t.grad is None:
        if not (owned and g.dtype == t.array.dtype):
            g = np.array(g, dtype=t.array.dtype, copy=True)
        t.grad = Tensor._wrap(g)
    else:
        t.grad = Tensor._wrap(t.grad.array + g)


def _give_to_leaf(t: Tensor, g: np.ndarray) -> None:
    """``t.grad += g`` for a leaf, taking ``g`` itself as ``t.grad`` when nothing else can see it.

    Gradient ownership, the engine's one memory optimization, lives here and in
    :func:`_owned`: when ``g`` owns its memory and only the caller's one local variable
    reaches it, handing it to the leaf cannot alias anything (no view of it exists, since
    a view keeps its base referenced, and no backward kept it). For a wide layer this
    saves a copy of every weight gradient (and its page faults) per step, as PyTorch's
    gradient "stealing" does. The caller must hold ``g`` in a single local and nowhere
    else: the backward loop pops it from its dict and drops the tuple it arrived in.
    """
    refs = sys.getrefcount(g)  # its own statement: inside a call's arguments g is referenced once more
    _accumulate_into(t, g, _owned(g, refs))


def _owned(g: np.ndarray, refs: int | None = None) -> bool:
    """Whether ``g`` owns its memory and has ``refs`` references, those of an array only a caller's local holds.

    Args:
        g: the array.
        refs: ``sys.getrefcount(g)`` measured in a function that received ``g`` from its
            caller's local (as :func:`_give_to_leaf` does). The count an unshared array has
            there is measured once at import (:data:`_UNSHARED`), so the test holds whatever
            the interpreter counts for locals and arguments. Default: measured here, which
            is the same depth for a ``g`` passed straight from a caller's local.
    """
    if refs is None:
        refs = sys.getrefcount(g)
    return type(g) is np.ndarray and g.base is None and refs <= _UNSHARED


def _unshared_count() -> int:
    grads = {0: np.empty(1)}
    g = grads.pop(0)
    return _refcount(g)


def _refcount(g: np.ndarray) -> int:
    return sys.getrefcount(g)


# Only CPython's reference counts say who else holds an array; elsewhere always copy.
_UNSHARED = _unshared_count() if sys.implementation.name == "cpython" else -1


def backward(root: Tensor, gradient=None, retain_graph: bool = False) -> None:
    """Compute d(root)/d(leaf) for every leaf that requires grad; see ``Tensor.backward``.

    Each tensor is processed once all the calls that consumed it have passed their
    gradient back (dependency counting, as in PyTorch), so a reused tensor gets the
    sum of its gradients before its own node runs.
    """
    if not root.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no grad_fn")
    if gradient is None:
        if root.array.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for single-element outputs, got shape {root.shape}"
            )
        grad = np.ones_like(root.array)
    else:
        grad = np.asarray(gradient.array if isinstance(gradient, Tensor) else gradient, dtype=root.array.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward: gradient has shape {grad.shape}, the tensor has shape {root.shape}")

    hook = backward_hook
    check = anomaly.is_anomaly_enabled()  # read once: both extras cost nothing when off
    has_hooks = tensor_hooks.has_hooks()
    deps = _dependencies(root)
    if root in deps:
        raise cycle_error(root)
    grads: dict[Tensor, np.ndarray] = {root: grad}
    ready = [root]
    while ready:
        t = ready.pop()
        g = grads.pop(t, None)
        node = t._node
        if has_hooks and g is not None:
            g = tensor_hooks.run_hooks(t, g)
        if node is None:
            if g is not None:
                _give_to_leaf(t, g)
            continue
        if g is None:  # no gradient reached t, but its inputs still wait for t's turn
            in_grads = ()
        else:
            if t._retains_grad:
                _accumulate_into(t, g)
            if t._version or "_output_overwritten" in node.__dict__:
                check_output(t, node)
            for k, (p, v) in enumerate(zip(node._inputs, node._versions)):
                if p is not None and p._version != v:  # changed in place since this op used it
                    check_saved(p, node, k, v)
            if node._freed:
                raise RuntimeError(
                    f"backward: trying to backward through {node!r} a second time, but its saved values were "
                    "freed after the first backward; pass retain_graph=True to the first backward() to keep them"
                )
            if g.dtype == _FLOAT16 and node._fn.half_via_float32:  # float16 backward runs in float32 too
                g = g.astype(np.float32)
            in_grads = node._fn.backward(node, g) if hook is None else hook(node, g)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if check:
                anomaly.check_gradients(node, in_grads)
            if not retain_graph:
                node.release()
        for k, p in enumerate(node._inputs):
            if p is None:
                continue
            pg = in_grads[k] if k < len(in_grads) else None
            if pg is not None:
                if pg.shape != p.array.shape:
                    pg = unbroadcast(pg, p.array.shape)
                    if pg.shape != p.array.shape:
                        raise RuntimeError(
                            f"backward of {node._fn.__name__}: gradient of shape {pg.shape} does not match "
                            f"its input's shape {p.array.shape}"
                        )
                if pg.dtype != p.array.dtype:
                    pg = pg.astype(p.array.dtype)
                prev = grads.get(p)
                grads[p] = pg if prev is None else prev + pg
            n = deps[p] - 1
            deps[p] = n
            if n == 0:
                ready.append(p)
        in_grads = pg = None  # drop this node's references so that a leaf can own its gradient (_give_to_leaf)
    if grads:  # a tensor whose consumers never all ran: they wait on each other
        raise cycle_error(next(iter(grads)))
