"""Views share their base's version counter, and ``grad_fn.next_functions`` lists every operand — as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnlab

VIEWS = {
    "t": lambda x: x.t(),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "view": lambda x: x.view(3, 2),
    "reshape": lambda x: x.reshape(6),
    "transpose": lambda x: x.transpose(0, 1),
    "slice": lambda x: x[:, 1:],
    "select": lambda x: x[0],
    "unsqueeze": lambda x: x.unsqueeze(0),
    "flatten": lambda x: x.flatten(),
    "detach": lambda x: x.detach(),  # not a view for autograd (``_base`` None) but one counter, as in PyTorch
    "split": lambda x: x.split(1)[1],
    "movedim": lambda x: x.movedim(0, 1),
    "expand": lambda x: x.unsqueeze(0).expand(2, 2, 3),
}


def _pair(requires_grad: bool = False):
    values = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    return (nnlab.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


@pytest.mark.parametrize("name", list(VIEWS))
def test_a_view_shares_the_version_counter_of_its_base(name):
    view = VIEWS[name]
    seen = []
    for x in _pair():
        v = view(x)
        is_base = v._base is x
        x.add_(1)  # through the base ...
        first = (x._version, v._version)
        if name != "expand":  # (an expanded view cannot be written: its elements overlap)
            v.mul_(2)  # ... and through the view
        seen.append((is_base,) + first + (x._version, v._version, float(x.sum())))
    assert seen[0] == seen[1]
    assert seen[0][1:3] == (1, 1) and seen[0][0] == (name != "detach")


def _outcome(fn):
    try:
        fn()
    except RuntimeError as exc:
        return "error" if "modified by an inplace operation" in str(exc) else f"other: {exc}"
    return "ok"


def _saved_view_then_base_changed(lib, a):
    y = a * 1
    v = y.t()
    loss = (v * v).sum()  # Mul saves the view
    y.add_(1)  # changed through the base
    loss.backward()


def _saved_base_then_view_changed(lib, a):
    y = a * 1
    loss = (y * y).sum()  # Mul saves the base
    y.narrow(0, 0, 1).mul_(2)  # changed through a view
    loss.backward()


def _nothing_saved_then_view_changed(lib, a):
    y = a * 1
    loss = (y * 3).sum()  # only the constant is needed for backward
    y.view(6).add_(1)
    loss.backward()


@pytest.mark.parametrize("case", [_saved_view_then_base_changed, _saved_base_then_view_changed])
def test_autograd_sees_inplace_changes_through_views_as_pytorch(case):
    (a, ta) = _pair(requires_grad=True)
    ours, theirs = _outcome(lambda: case(nnlab, a)), _outcome(lambda: case(torch, ta))
    assert ours == theirs == "error"


def test_a_base_rewritten_through_a_view_after_an_earlier_use_is_refused_where_torch_keeps_going():
    """The write makes ``y`` the output of CopySlices; nnlab's graph links calls to tensors (PyTorch's
    to nodes), so the earlier ``y * 3`` would send its gradient into the new history: refused, loudly."""
    (a, ta) = _pair(requires_grad=True)
    assert _outcome(lambda: _nothing_saved_then_view_changed(torch, ta)) == "ok"
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation \(add_\)"):
        _nothing_saved_then_view_changed(nnlab, a)


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_is_refused_as_in_pytorch():
    a, ta = _pair(requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        ta.t().mul_(2)
    with pytest.raises(RuntimeError, match="mul_: a view of a leaf tensor that requires grad"):
        a.t().mul_(2)
    with nnlab.no_grad():  # allowed under no_grad, as for the leaf itself
        a.narrow(1, 0, 1).mul_(2)
    assert a.tolist()[0] == [2.0, 2.0, 3.0] and a._version == 1


NEXT = {
    "w*2": lambda w, x: w * 2, "2*w": lambda w, x: 2 * w, "w+1": lambda w, x: w + 1, "w-1": lambda w, x: w - 1,
    "1-w": lambda w, x: 1 - w, "w/2": lambda w, x: w / 2, "w**2": lambda w, x: w ** 2, "w*x": lambda w, x: w * x,
    "x*w": lambda w, x: x * w, "sum": lambda w, x: w.sum(0), "exp": lambda w, x: w.exp(),
    "maximum": lambda w, x: w.maximum(x), "matmul": lambda w, x: w @ x, "clamp": lambda w, x: w.clamp(0, 1),
    "cat": lambda w, x: (torch if isinstance(w, torch.Tensor) else nnlab).cat([w, x]),
    "stack": lambda w, x: (torch if isinstance(w, torch.Tensor) else nnlab).stack([x, w]),
}


def _walk(out) -> list:
    return [None if f is None else type(f).__name__ for f, k in out.grad_fn.next_functions]


@pytest.mark.parametrize("name", list(NEXT))
def test_next_functions_lists_operands_without_grad_as_none(name):
    w, x = nnlab.ones(3, requires_grad=True), nnlab.ones(3)
    tw, tx = torch.ones(3, requires_grad=True), torch.ones(3)
    ours, theirs = _walk(NEXT[name](w, x)), _walk(NEXT[name](tw, tx))
    assert ours == theirs
    assert all(k == 0 for _, k in NEXT[name](w, x).grad_fn.next_functions)
