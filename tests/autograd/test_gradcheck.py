"""gradcheck itself: passes correct ops, catches a wrong backward, and the seeds' relative difference."""

import numpy as np
import pytest

import nnlab
from nnlab.autograd import Function, GradcheckError, gradcheck, relative_difference


class WrongSquare(Function):
    """y = x², with a deliberately wrong backward (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class RightSquare(WrongSquare):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


def _x():
    return nnlab.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=nnlab.float64, requires_grad=True)


def test_passes_on_correct_ops():
    a, b = _x(), _x() + 0.5
    b = b.detach().requires_grad_()
    assert gradcheck(lambda p, q: (p * q).exp() / (1 + q * q), [a, b])
    assert gradcheck(RightSquare.apply, [a], eps=1e-6, atol=1e-6, rtol=1e-5)
    assert gradcheck(lambda p: p.sum(), a)  # scalar output, single tensor input


def test_fails_on_a_wrong_backward():
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(2, 3\)\).*relative difference"):
        gradcheck(WrongSquare.apply, [_x()])
    assert gradcheck(WrongSquare.apply, [_x()], raise_exception=False) is False


def test_only_checks_inputs_that_require_grad_and_passes_others_through():
    x = _x()
    const = nnlab.tensor([[1.0, 2.0, 3.0]], dtype=nnlab.float64)
    assert gradcheck(lambda p, c, k: WrongSquare.apply(c) * p * k, [x, const, 2.0])
    with pytest.raises(ValueError, match="no input tensor has requires_grad"):
        gradcheck(lambda c: c * 2, [const])


def test_float32_inputs_are_checked_in_float64():
    x = nnlab.tensor([0.3, -1.2], requires_grad=True)
    assert gradcheck(lambda p: nnlab.exp(p) * p, [x], atol=1e-7, rtol=1e-6)
    assert x.grad is None  # the user's tensor is untouched


def test_relative_difference_formula():
    a = np.array([1.0, 2.0, 2.0])
    b = np.array([1.0, 2.0, 2.0 + 1e-3])
    expected = 1e-3 / (3.0 + np.linalg.norm(b))
    assert relative_difference(a, b) == pytest.approx(expected)
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0  # 0/0 is a pass
    assert relative_difference([1.0], [-1.0]) == 1.0
    assert relative_difference(np.ones((2, 2)), np.ones(4)) == 0.0
