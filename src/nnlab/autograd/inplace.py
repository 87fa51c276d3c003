"""In-place bookkeeping: the version counter, PyTorch's leaf rule and history rebasing.

PyTorch lets ``x += y``, ``x.add_(y)`` or ``x[idx] = v`` change a tensor in place and
keeps autograd honest with a version counter: every in-place change bumps
``tensor._version``; every recorded op remembers the versions of its inputs; backward
refuses to use a value that was changed after an op saved it, naming the in-place op.

* ``check_inplace`` — a leaf that requires grad, or a view of one, may only be changed
  under ``no_grad`` (otherwise its gradient would refer to a value that no longer exists).
* Views (``t()``, ``narrow``, ``view``, slicing, ``detach``...) share their base's version
  counter (``Tensor._share_version_with``, set by ``Function.apply`` when an output's array
  is a view of an input's), so a change through either is seen by everything that saved
  the other.
* ``rebase`` — when the change itself must be differentiated (a non-leaf that requires
  grad, or a value that requires grad written into a tensor), the tensor's history
  moves to a stand-in holding a copy of the old value, and the tensor becomes the
  output of the in-place op, as PyTorch's ``rebase_history`` does.
* ``modified_error`` — the engine's error when a saved input was changed since.
"""

from __future__ import annotations

import weakref

import numpy as np

from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor

def bump_version(t: Tensor, op: str) -> None:
    """Record that ``t`` changed in place through ``op`` (kept beside the shared counter, for the error message)."""
    t._version += 1
    vc = t._vc
    if len(vc) == 1:
        vc.append(op)
    else:
        vc[1] = op


def last_inplace_op(t: Tensor) -> str:
    vc = t._vc
    return vc[1] if vc is not None and len(vc) > 1 else "an in-place operation"


def check_inplace(t: Tensor, op: str) -> None:
    """PyTorch's rule: a leaf that requires grad, or a view of one, cannot change in place while grad mode is on."""
    if not is_grad_enabled():
        return
    if t.requires_grad and t._node is None:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad (shape {t.shape}) is being used in an in-place operation; "
            "wrap the update in `with nnlab.no_grad():` (as an optimizer step does)"
        )
    base = getattr(t, "_view_of", None)
    if base is not None and base.requires_grad and base._node is None:
        raise RuntimeError(
            f"{op}: a view of a leaf tensor that requires grad (view shape {t.shape}, leaf shape {base.shape}) is "
            "being used in an in-place operation; wrap the update in `with nnlab.no_grad():`"
        )


def needs_history(t: Tensor, *others) -> bool:
    """Whether an in-place op on ``t`` with ``others`` must be recorded in the graph."""
    if not is_grad_enabled():
        return False
    return t.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def stand_in(t: Tensor) -> Tensor:
    """A tensor with ``t``'s old value (copied) and ``t``'s history, to be the input of the in-place op."""
    old = Tensor._wrap(np.array(t.array, copy=True), t.requires_grad, t._node)
    old._version = t._version
    node = t._node
    if node is not None and any(s is t.array for s in node.saved_tensors):
        # the node saved t's own array as its output (exp, sigmoid, tanh ...): the change about to be
        # made overwrites what its backward needs, which PyTorch refuses at backward time
        node._output_overwritten = (weakref.ref(t), t._version)
    return old


def rebase(t: Tensor, result: Tensor, op: str) -> Tensor:
    """Make ``t`` hold ``result``'s value (in its own storage) and become the output of ``result``'s node."""
    t.array[...] = result.array
    bump_version(t, op)
    node = result._node
    t._node = node
    t.requires_grad = result.requires_grad
    if node is not None:
        # the version t has as this node's output; the engine checks that it is still the current one
        node._out_version = t._version
    return t


def rebase_base(base: Tensor, result: Tensor) -> None:
    """Make ``base`` the output of ``result``'s node (CopySlices after a write through one of its views).

    The memory already holds the new value (the view wrote through it) and the shared version
    counter was already bumped by the view's write, so only the history moves.
    """
    node = result._node
    base._node = node
    base.requires_grad = result.requires_grad
    if node is not None:
        node._out_version = base._version


def modified_error(t: Tensor, node, position: str, expected: int) -> RuntimeError:
    op = last_inplace_op(t)
    return RuntimeError(
        f"backward: one of the variables needed for gradient computation has been modified by an inplace "
        f"operation ({op}): the tensor of shape {t.shape} that is {position} of {node!r} is at version "
        f"{t._version}; expected version {expected}. Use the out-of-place form (x = x + y instead of x += y) "
        "or clone() the tensor before changing it"
    )


def check_saved(t: Tensor, node, k: int, expected: int) -> None:
    """Raise when input ``k`` of ``node`` changed since it was recorded and the change matters.

    It matters when ``node`` saved that input's array for backward, or when the input's
    history was rebased since (its gradient would flow into the wrong node).
    """
    saved = any(s is t.array or getattr(s, "base", None) is t.array for s in node.saved_tensors)
    rebased = t._node is not None and t._node.__dict__.get("_out_version", 0) > expected
    if saved or rebased or any(v is t.array for v in node.__dict__.values() if isinstance(v, np.ndarray)):
        raise modified_error(t, node, f"input {k}", expected)


def check_output(t: Tensor, node) -> None:
    """Raise when ``t`` (the output of ``node``) was changed in place after ``node`` saved it."""
    overwritten = node.__dict__.get("_output_overwritten")
    if overwritten is not None:  # t is a stand-in: the tensor that held this output was changed in place
        ref, version = overwritten
        changed = ref()
        raise modified_error(t if changed is None else changed, node, "the output", version)
    expected = node.__dict__.get("_out_version", 0)
    if t._version != expected and any(s is t.array for s in node.saved_tensors):
        raise modified_error(t, node, "the output", expected)


def cycle_error(t: Tensor) -> RuntimeError:
    """The engine's error when the graph loops back: ``t`` was changed in place after a call that feeds
    its own new value had already used it (``y.mul_(y.sum())`` — the sum read ``y`` before the change)."""
    return RuntimeError(
        f"backward: the graph loops through the tensor of shape {t.shape}: it was changed in place "
        f"({last_inplace_op(t)}) by an operation whose operand had itself been computed from it; compute the "
        "operand from a clone() (or use the out-of-place form) so that the old and new values are different tensors"
    )
