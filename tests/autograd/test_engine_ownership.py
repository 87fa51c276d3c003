"""The engine gives a leaf its gradient without a copy only when nothing else can see that array."""

import numpy as np

import nnlab
import nnlab.functional as F
from nnlab.autograd import engine


def test_owned_gradients_are_not_copied_shared_ones_are():
    x = nnlab.tensor(np.ones((2, 3), dtype=np.float32))
    w = nnlab.tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    seen = {}
    original = engine._accumulate_into

    def spy(t, g, owned=False):
        seen[id(t)] = (owned, g)
        original(t, g, owned)

    engine._accumulate_into = spy
    try:
        F.linear(x, w).sum().backward()
    finally:
        engine._accumulate_into = original
    owned, g = seen[id(w)]
    assert owned and w.grad.array is g  # the fresh Gᵀx product became w.grad as is
    np.testing.assert_array_equal(w.grad.array, np.full((4, 3), 2.0, dtype=np.float32))


def test_one_gradient_reaching_two_leaves_gives_two_arrays():
    a = nnlab.tensor([1.0, 2.0], requires_grad=True)
    b = nnlab.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # Add returns the same array for both inputs
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array += 10
    np.testing.assert_array_equal(b.grad.array, [1.0, 1.0])


def test_user_gradient_and_retained_graph_are_never_taken():
    x = nnlab.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    y = x + 0.0  # Add's backward passes the caller's array straight through
    y.backward(seed)
    assert not np.shares_memory(x.grad.array, seed)
    x.grad.array[0] = 99.0
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])
    x.grad = None
    z = (x * 3.0).sum()
    z.backward(retain_graph=True)
    first = x.grad
    x.grad = None
    z.backward()
    assert first.array is not x.grad.array
    np.testing.assert_array_equal(first.array, x.grad.array)


def test_unshared_count_is_calibrated():
    assert engine._UNSHARED >= 1
    assert not engine._owned(np.ones(3)[1:])  # a view never counts as owned


def _leaf():
    return nnlab.tensor(np.zeros(3, dtype=np.float32), requires_grad=True)


def test_give_to_leaf_takes_an_array_only_its_caller_holds():
    t = _leaf()
    g = np.ones(3, dtype=np.float32)
    engine._give_to_leaf(t, g)
    assert t.grad.array is g


def test_give_to_leaf_copies_a_shared_array_a_view_or_another_dtype():
    shared = np.ones(3, dtype=np.float32)
    keep = shared  # a second reference: someone else could write to it
    t = _leaf()
    engine._give_to_leaf(t, shared)
    assert t.grad.array is not keep and not np.shares_memory(t.grad.array, keep)
    base = np.ones(6, dtype=np.float32)
    t = _leaf()
    engine._give_to_leaf(t, base[::2])
    assert not np.shares_memory(t.grad.array, base)
    t = _leaf()
    g64 = np.ones(3, dtype=np.float64)
    engine._give_to_leaf(t, g64)
    assert t.grad.array.dtype == np.float32 and not np.shares_memory(t.grad.array, g64)


def test_give_to_leaf_sums_into_an_existing_gradient_without_touching_it():
    t = _leaf()
    engine._give_to_leaf(t, np.ones(3, dtype=np.float32))
    first = t.grad.array
    g = np.full(3, 2.0, dtype=np.float32)
    engine._give_to_leaf(t, g)
    np.testing.assert_array_equal(t.grad.array, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(first, [1.0, 1.0, 1.0])
    assert t.grad.array is not g
