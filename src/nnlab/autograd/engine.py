"""The reverse-mode engine: an iterative topological sort and one backward sweep.

Broadcasting is reduced here, in one place: every gradient a ``Function`` returns
is summed back to the shape of the input it belongs to, then checked. No
``backward`` of an op thinks about broadcasting.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor


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


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from ``root`` that need gradients, inputs before outputs."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        node = t._node
        if node is not None:
            for p in node.inputs:
                if p is not None and id(p) not in visited:
                    stack.append((p, False))
    return order


def _accumulate_into(t: Tensor, g: np.ndarray) -> None:
    if t.grad is None:
        t.grad = Tensor._wrap(np.array(g, dtype=t.data.dtype, copy=True))
    else:
        t.grad = Tensor._wrap(t.grad.data + g)


def backward(root: Tensor, gradient=None, retain_graph: bool = False) -> None:
    """Compute d(root)/d(leaf) for every leaf that requires grad; see ``Tensor.backward``."""
    if not root.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no grad_fn")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for single-element outputs, got shape {root.shape}"
            )
        grad = np.ones_like(root.data)
    else:
        grad = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=root.data.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward: gradient has shape {grad.shape}, the tensor has shape {root.shape}")

    grads: dict[int, np.ndarray] = {id(root): grad}
    for t in reversed(_topological_order(root)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        node = t._node
        if node is None:
            _accumulate_into(t, g)
            continue
        if t._retains_grad:
            _accumulate_into(t, g)
        if node.freed:
            raise RuntimeError(
                f"backward: trying to backward through {node!r} a second time, but its saved values were freed "
                "after the first backward; pass retain_graph=True to the first backward() to keep them"
            )
        in_grads = node.fn.backward(node.ctx, g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for p, pg in zip(node.inputs, in_grads):
            if p is None or pg is None:
                continue
            if pg.shape != p.data.shape:
                pg = unbroadcast(pg, p.data.shape)
                if pg.shape != p.data.shape:
                    raise RuntimeError(
                        f"backward of {node.fn.__name__}: gradient of shape {pg.shape} does not match "
                        f"its input's shape {p.data.shape}"
                    )
            if pg.dtype != p.data.dtype:
                pg = pg.astype(p.data.dtype)
            prev = grads.get(id(p))
            grads[id(p)] = pg if prev is None else prev + pg
        if not retain_graph:
            node.release()
