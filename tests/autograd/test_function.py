"""Function.apply: unwrapping, recording only when needed, needs_input_grad, saved values."""

import numpy as np
import pytest

import nnlab
from nnlab.autograd import Function, gradcheck


class ScaledAdd(Function):
    """y = a + k·b, with k a plain number passed through; records which grads were asked for."""

    calls: list = []

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.k = k
        return a + k * b

    @staticmethod
    def backward(ctx, grad):
        ScaledAdd.calls.append(ctx.needs_input_grad)
        ga = grad if ctx.needs_input_grad[0] else None
        gb = grad * ctx.k if ctx.needs_input_grad[1] else None
        return ga, gb, None


def test_apply_unwraps_tensors_and_passes_other_args_through():
    a = nnlab.tensor([1.0, 2.0], requires_grad=True)
    b = nnlab.tensor([10.0, 20.0])
    ScaledAdd.calls.clear()
    y = ScaledAdd.apply(a, b, 3.0)
    assert y.tolist() == [31.0, 62.0] and y.requires_grad
    y.sum().backward()
    assert ScaledAdd.calls == [(True, False, False)]
    assert a.grad.tolist() == [1.0, 1.0] and b.grad is None


def test_apply_records_nothing_when_no_input_needs_grad():
    y = ScaledAdd.apply(nnlab.tensor([1.0]), nnlab.tensor([2.0]), 1.0)
    assert not y.requires_grad and y.grad_fn is None


def test_custom_function_passes_gradcheck():
    a = nnlab.tensor(np.arange(3.0), dtype=nnlab.float64, requires_grad=True)
    b = nnlab.tensor(np.ones(3), dtype=nnlab.float64, requires_grad=True)
    assert gradcheck(lambda p, q: ScaledAdd.apply(p, q, -2.5) ** 2, [a, b])


def test_saved_values_are_released_after_backward():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert len(node.saved_tensors) == 2
    y.sum().backward()
    assert node.saved_tensors == () and node._freed


def test_gradcheck_handles_tuple_outputs_and_ignores_indices():
    x = nnlab.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=nnlab.float64, requires_grad=True)
    assert gradcheck(lambda t: t.split(2, dim=1), [x])
    assert gradcheck(lambda t: nnlab.max(t, dim=1), [x])  # (values, int64 indices)
    with pytest.raises(ValueError, match="no floating tensor"):
        gradcheck(lambda t: t.argmax(), [x])
