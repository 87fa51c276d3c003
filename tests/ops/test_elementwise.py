"""Elementwise ops: float64 gradcheck (with broadcasting) and parity with PyTorch."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import nnlab
from tests.parity import BINARY_OPS, assert_parity, gradcheck_fn

RNG = np.random.default_rng(0)

UNARY = {
    "exp": (nnlab.exp, torch.exp, (-2, 2)),
    "log": (nnlab.log, torch.log, (0.2, 3)),
    "sqrt": (nnlab.sqrt, torch.sqrt, (0.2, 3)),
    "sin": (nnlab.sin, torch.sin, (-3, 3)),
    "cos": (nnlab.cos, torch.cos, (-3, 3)),
    "abs": (nnlab.abs, torch.abs, (0.1, 2)),
    "neg": (nnlab.neg, torch.neg, (-2, 2)),
    "clone": (nnlab.clone, torch.clone, (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck_and_parity(name):
    ours, theirs, (lo, hi) = UNARY[name]
    x = RNG.uniform(lo, hi, (3, 4))
    if name == "abs":
        x *= RNG.choice([-1, 1], x.shape)
    assert gradcheck_fn(ours, x)
    assert_parity(ours, theirs, x)


def test_abs_gradient_at_zero_is_zero_like_torch():
    assert_parity(nnlab.abs, torch.abs, np.array([-1.0, 0.0, 2.0]))


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_binary_broadcast_gradcheck_and_parity(name, shapes, seed):
    ours, theirs = BINARY_OPS[name]
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    # positive, well-separated operands keep pow, div and the max/min kinks away from trouble
    a, b = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb) + 0.01
    assert gradcheck_fn(ours, a, b)
    assert_parity(ours, theirs, a, b)


def test_python_scalar_operands_both_sides():
    x = RNG.uniform(0.5, 2.0, (2, 3))
    for ours, theirs in [
        (lambda t: 2 - t, lambda t: 2 - t),
        (lambda t: 3 / t, lambda t: 3 / t),
        (lambda t: 2.0**t, lambda t: 2.0**t),
        (lambda t: t**-1.5, lambda t: t**-1.5),
        (lambda t: nnlab.maximum(t, 1.0), lambda t: torch.clamp(t, min=1.0)),
    ]:
        assert gradcheck_fn(ours, x)
        assert_parity(ours, theirs, x)


def test_maximum_minimum_ties_split_the_gradient_like_torch():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 5.0, 3.0])
    assert_parity(nnlab.maximum, torch.maximum, a, b)
    assert_parity(nnlab.minimum, torch.minimum, a, b)


def test_pow_exponent_gradient_at_zero_base_like_torch():
    a = np.array([0.0, 0.0, 1.5, 2.0])
    b = np.array([2.0, 0.0, 0.5, -1.0])
    assert_parity(nnlab.pow, torch.pow, a, b)


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.2), (-0.3, None), (0.5, -0.5)], ids=str)
def test_clip_scalar_bounds(bounds):
    lo, hi = bounds
    x = RNG.uniform(-1, 1, (4, 5))
    # exact hits on the bounds: torch.clamp passes the gradient there
    x[0, :2] = [lo if lo is not None else 0.0, hi if hi is not None else 0.0]
    assert_parity(lambda t: nnlab.clamp(t, lo, hi), lambda t: torch.clamp(t, lo, hi), x)
    x = RNG.uniform(-1, 1, (4, 5))
    assert gradcheck_fn(lambda t: nnlab.clip(t, lo, hi), x)


def test_clip_tensor_bounds_broadcast():
    x = RNG.uniform(-1, 1, (4, 5))
    lo = RNG.uniform(-0.8, -0.1, (5,))
    hi = RNG.uniform(0.1, 0.8, (4, 1))
    assert_parity(lambda t, a, b: nnlab.clamp(t, a, b), lambda t, a, b: torch.clamp(t, a, b), x, lo, hi)
    assert gradcheck_fn(lambda t, a, b: nnlab.clamp(t, a, b), x, lo, hi)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip: at least one"):
        nnlab.clip(nnlab.tensor([1.0]))


def test_where_broadcasts_condition_and_scalars():
    x = RNG.standard_normal((3, 4))
    y = RNG.standard_normal((4,))
    assert_parity(
        lambda a, b: nnlab.where(a > 0, a * 2, b),
        lambda a, b: torch.where(a > 0, a * 2, b),
        x,
        y,
    )
    assert gradcheck_fn(lambda a, b: nnlab.where(a > 0, a * 2, b), x, y)
    assert_parity(lambda a: nnlab.where(a > 0, 0.5, a), lambda a: torch.where(a > 0, 0.5, a), x)
    with pytest.raises(TypeError, match="where: condition must be a bool"):
        nnlab.where(nnlab.tensor([1, 0]), 1.0, 2.0)


def test_sign_is_differentiable_with_a_zero_gradient():
    x = nnlab.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    s = nnlab.sign(x)
    assert s.tolist() == [-1.0, 0.0, 1.0] and s.requires_grad  # as torch: a graph through sign still backpropagates
    (s * x).sum().backward()  # d/dx [sign(x)·x] = sign(x) + x·0
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]


def test_shape_errors_name_the_op():
    with pytest.raises(ValueError, match=r"mul: .*\(2, 3\), \(4,\)"):
        nnlab.ones(2, 3) * nnlab.ones(4)
