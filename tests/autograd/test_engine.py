"""The engine: hand-computed gradients, reuse, deep chains, retain_graph, accumulation, errors."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab.autograd import Function, unbroadcast
from tests.parity import BINARY_OPS


def test_reused_node_sums_both_paths():
    x = nnlab.tensor(2.0, requires_grad=True)
    y = 3 * x
    c = 2 * y + 5 * y
    c.backward()
    assert x.grad.item() == 21.0
    assert c.item() == 42.0


def test_diamond_of_additions():
    a = nnlab.tensor(1.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_hand_computed_mixed_expression():
    # f = (a*b + b²)/a at a=2, b=3: ∂f/∂a = -b²/a² = -2.25, ∂f/∂b = 1 + 2b/a = 4
    a = nnlab.tensor(2.0, requires_grad=True)
    b = nnlab.tensor(3.0, requires_grad=True)
    f = (a * b + b**2) / a
    f.backward()
    assert f.item() == pytest.approx(7.5)
    assert a.grad.item() == pytest.approx(-2.25)
    assert b.grad.item() == pytest.approx(4.0)


def test_10k_op_chain_has_no_recursion_limit():
    x = nnlab.tensor(1.0, dtype=nnlab.float64, requires_grad=True)
    y = x
    for _ in range(5_000):  # two nodes per step, and y reused by both
        y = y + 1e-4 * y
    y.backward()
    expected = (1 + 1e-4) ** 5_000
    assert y.item() == pytest.approx(expected, rel=1e-9)
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)


def test_100k_op_chain():
    x = nnlab.tensor(1.0, dtype=nnlab.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**100_000, rel=1e-8)


def test_second_backward_without_retain_graph_raises():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward_and_accumulates():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.array, [2.0, 4.0])
    y.backward()
    np.testing.assert_allclose(x.grad.array, [4.0, 8.0])


def test_leaf_grads_accumulate_across_graphs():
    w = nnlab.tensor([1.0, -1.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.array, [3 + 2, 3 - 2])


def test_retain_grad_on_non_leaf():
    x = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    other = x * 5  # not retained
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad.array, 2 * h.array)
    np.testing.assert_allclose(x.grad.array, 8 * x.array + 5)
    assert other.grad is None
    assert not h.is_leaf and x.is_leaf


def test_backward_on_non_scalar_needs_gradient():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="single-element"):
        y.backward()
    y.backward(nnlab.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.array, [2.0, 20.0])


def test_backward_gradient_shape_is_checked():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nnlab.tensor(1.0).backward()


def test_detach_cuts_the_graph():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 3).detach()
    assert not d.requires_grad and d.grad_fn is None
    (x * d).sum().backward()
    np.testing.assert_allclose(x.grad.array, [3.0, 6.0])  # d treated as a constant


def test_gradient_dtype_follows_its_tensor():
    a = nnlab.tensor([1.0, 2.0], dtype=nnlab.float32, requires_grad=True)
    b = nnlab.tensor([3.0, 4.0], dtype=nnlab.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.array, [3.0, 4.0])


class _BadShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad[..., :1]  # wrong: a column where the input has two


def test_engine_rejects_gradient_of_wrong_shape():
    x = nnlab.tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="_BadShape.*does not match"):
        _BadShape.apply(x).sum().backward()


class _StopGradient(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return None


def test_a_branch_without_gradient_does_not_block_other_paths():
    a = nnlab.tensor([1.0, 2.0], requires_grad=True)
    p = a * 2
    q = _StopGradient.apply(p)  # nothing flows back into p, yet a's other use still must
    (q * 3 + a).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_unbroadcast_sums_added_and_stretched_dims():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_allclose(unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_allclose(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


# ---- broadcasting: every binary op returns gradients of its inputs' shapes -------------------

SHAPE_PAIRS = [((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((1,), (2, 3)), ((), (2, 3)), ((2, 1, 4), (5, 1))]


def _pair(shape_a, shape_b, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape_a), rng.uniform(0.5, 2.0, shape_b)


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_broadcast_gradients_have_input_shapes(name, shapes):
    ours, theirs = BINARY_OPS[name]
    a, b = _pair(*shapes)
    ta = nnlab.tensor(a, dtype=nnlab.float64, requires_grad=True)
    tb = nnlab.tensor(b, dtype=nnlab.float64, requires_grad=True)
    ours(ta, tb).sum().backward()
    assert ta.grad.shape == ta.shape and tb.grad.shape == tb.shape
    qa, qb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    theirs(qa, qb).sum().backward()
    np.testing.assert_allclose(ta.grad.array, qa.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tb.grad.array, qb.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shapes", [((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 5))], ids=str)
def test_matmul_batch_broadcast_gradients(shapes):
    a, b = _pair(*shapes)
    ta = nnlab.tensor(a, dtype=nnlab.float64, requires_grad=True)
    tb = nnlab.tensor(b, dtype=nnlab.float64, requires_grad=True)
    (ta @ tb).sum().backward()
    qa, qb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (qa @ qb).sum().backward()
    assert ta.grad.shape == ta.shape and tb.grad.shape == tb.shape
    np.testing.assert_allclose(ta.grad.array, qa.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tb.grad.array, qb.grad.numpy(), rtol=1e-12)
