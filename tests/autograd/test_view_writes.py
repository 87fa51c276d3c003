"""Writes through views reach the base's history (PyTorch's CopySlices); loops are refused, never silent."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab.ops.view_write import view_positions

def _none(_):
    return None


W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def _grad(lib, write):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    out = write(lib, x, y)
    y = y if out is None else out
    (y * lib.tensor(W)).sum().backward()
    return x.grad.numpy()


WRITES = {
    "row mul_": lambda lib, x, y: _none(y[0].mul_(3)),
    "transpose add_": lambda lib, x, y: _none(y.t().add_(1)),
    "narrow mul_ by a grad tensor": lambda lib, x, y: _none(y.narrow(1, 1, 2).mul_(x[:, :2])),
    "setitem into a column view": lambda lib, x, y: _none(y[:, 1].__setitem__(0, x[1, 2] * 10)),
    "y[0:1] *= 3 (Python's get / imul / set)": lambda lib, x, y: _none(y[0:1].__imul__(3)),
    "view of a view": lambda lib, x, y: _none(y[1][1:].mul_(x[0, :2])),
    "reshape view, row add_": lambda lib, x, y: _none(y.view(3, 2)[1].add_(x[0, :2] ** 2)),
    "sigmoid_ on a row": lambda lib, x, y: _none(y[0].sigmoid_()),
    "one view added to another": lambda lib, x, y: _none(y[0].add_(y[1])),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_gradient_through_a_write_to_a_view_equals_torch(name):
    np.testing.assert_allclose(_grad(nnlab, WRITES[name]), _grad(torch, WRITES[name]), rtol=1e-6)


def test_two_writes_through_the_same_view_keep_each_history():
    def write(lib, x, y):
        v = y.t()
        v.add_(1)
        v.mul_(x.t())
    np.testing.assert_allclose(_grad(nnlab, write), _grad(torch, write), rtol=1e-6)


def test_copying_a_grad_tensor_into_a_view_of_a_plain_buffer_makes_the_buffer_differentiable():
    def write(lib, x, y):
        b = lib.zeros(2, 3)
        b[1].copy_(x[0])
        assert b.requires_grad and b.grad_fn is not None
        return b + y
    np.testing.assert_allclose(_grad(nnlab, write), _grad(torch, write), rtol=1e-6)


def test_a_tensor_added_to_itself_in_place():
    """``y += y`` (and ``y.mul_(y)``, which torch refuses) read the old value twice."""
    for lib in (nnlab, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y += y
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 4.0])
    x = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.mul_(y)  # y = 4x², dy/dx = 8x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 16.0, 24.0])


def test_an_operand_computed_from_the_tensor_itself_is_refused_not_silently_zero():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(y.sum())
    with pytest.raises(RuntimeError, match=r"loops through the tensor of shape \(2,\).*mul_"):
        y.sum().backward()
    x = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0:1].mul_(y.sum())
    with pytest.raises(RuntimeError, match="loops through"):
        (y * 1.0).sum().backward()


def test_view_positions_of_strided_views():
    base = np.arange(24.0).reshape(2, 3, 4)
    for view in (base[1], base[:, 1:, ::2], base.transpose(2, 0, 1)[1:3], base.reshape(6, 4)[::-1]):
        np.testing.assert_array_equal(base.reshape(-1)[view_positions(base, view)], view)
    with pytest.raises(ValueError, match="not a view into the base"):
        view_positions(base, np.zeros((2, 2)))
    fortran = np.asfortranarray(base)  # the general path: a base that is not C-contiguous
    for view in (fortran[1], fortran[:, 1:, ::2], fortran.transpose(2, 0, 1)[1:3]):
        np.testing.assert_array_equal(fortran.reshape(-1)[view_positions(fortran, view)], view)
