"""In-place ops with PyTorch's rules: values, gradients through rebased history, the version counter."""

import numpy as np
import pytest
import torch

import nnlab

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))


def _both(a):
    return nnlab.tensor(a, dtype=nnlab.float64, requires_grad=True), torch.tensor(a, requires_grad=True)


INPLACE = {
    "iadd": lambda h, o: h.__iadd__(o),
    "isub": lambda h, o: h.__isub__(o),
    "imul": lambda h, o: h.__imul__(o),
    "idiv": lambda h, o: h.__itruediv__(o * o + 1),
    "add_alpha": lambda h, o: h.add_(o, alpha=-0.5),
    "sub_alpha": lambda h, o: h.sub_(o, alpha=2.0),
    "addcmul": lambda h, o: h.addcmul_(o, o, value=0.3),
    "addcdiv": lambda h, o: h.addcdiv_(o, o * o + 1, value=0.3),
    "clamp": lambda h, o: h.clamp_(-0.5, 0.7).mul_(o),
    "mul_tanh": lambda h, o: h.mul_(o).tanh_(),
    "relu": lambda h, o: h.add_(o).relu_(),
    "setitem": lambda h, o: h.__setitem__((slice(0, 2), 1), o[0, :2] * 3) or h,
    "copy": lambda h, o: h.copy_(o * 2),
    "masked_fill": lambda h, o: h.masked_fill_(o > 0, 0.25).mul_(o),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_non_leaf_matches_torch_forward_and_backward(name):
    op = INPLACE[name]
    (xa, xt), (ya, yt) = _both(A), _both(B)
    ha, ht = xa * 2, xt * 2
    ra, rt = op(ha, ya), op(ht, yt)
    assert ra is ha and ha.requires_grad and ha.grad_fn is not None
    np.testing.assert_allclose(ha.array, ht.detach().numpy(), rtol=1e-12, atol=1e-12)
    ga = RNG.standard_normal(A.shape)
    (ha * nnlab.tensor(ga)).sum().backward()
    (ht * torch.tensor(ga)).sum().backward()
    # copy_ overwrites every value: PyTorch gives x a zero gradient, nnlab none (the same numbers)
    np.testing.assert_allclose(xa.grad.array if xa.grad is not None else 0 * A, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    gy = yt.grad.numpy() if yt.grad is not None else np.zeros_like(B)
    np.testing.assert_allclose(ya.grad.array if ya.grad is not None else 0 * B, gy, rtol=1e-12, atol=1e-12)


def test_manual_sgd_under_no_grad_changes_the_parameter_and_leaf_rule():
    w = nnlab.tensor([1.0, -2.0], requires_grad=True)
    storage = w.array
    (w * w).sum().backward()
    with nnlab.no_grad():
        w -= 0.25 * w.grad
        w.grad.zero_()
    assert w.tolist() == [0.5, -1.0] and w.array is storage and w._version == 1 and w.is_leaf
    assert w.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad"):
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="setitem: a leaf"):
        w[0] = 3.0


def test_backward_refuses_a_saved_value_modified_in_place_naming_the_op():
    x = nnlab.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    with nnlab.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation \(mul_\).*version 1; expected version 0"):
        y.sum().backward()
    w = nnlab.tensor([0.5, 1.0], requires_grad=True)
    loss = (w * w).sum()  # mul saves w
    with nnlab.no_grad():
        w.sub_(0.1)
    with pytest.raises(RuntimeError, match=r"sub_"):
        loss.backward()
    # an op that did not save the value is unaffected, as in PyTorch
    a = nnlab.tensor([1.0, 2.0], requires_grad=True)
    s = (a + 1).sum()
    with nnlab.no_grad():
        a.add_(5)
    s.backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_earlier_consumer_of_a_rebased_tensor_is_refused_not_silently_wrong():
    x = nnlab.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    b = h + 1  # consumes h's old value (saves nothing)
    h.mul_(3)
    with pytest.raises(RuntimeError, match=r"mul_"):
        (b + h).sum().backward()


def test_integer_tensor_refuses_a_float_result_in_place():
    i = nnlab.tensor([1, 2])
    i += 3
    assert i.tolist() == [4, 5]
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.mul_(0.5)


def test_random_and_fill_inits_are_seeded_and_in_place():
    w = nnlab.empty(1000)
    nnlab.manual_seed(3)
    w.normal_(0.0, 0.02)
    first = w.numpy().copy()
    nnlab.manual_seed(3)
    assert np.array_equal(w.normal_(0.0, 0.02).numpy(), first)
    assert abs(first.std() - 0.02) < 0.002 and w.dtype == nnlab.float32
    u = nnlab.empty(1000).uniform_(-0.1, 0.1).numpy()
    assert u.min() >= -0.1 and u.max() < 0.1 and u.std() > 0.05
    assert nnlab.empty(3).fill_(2.5).tolist() == [2.5] * 3 and nnlab.ones(2).zero_().tolist() == [0.0, 0.0]


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh"])
def test_changing_an_output_that_backward_saved_is_refused_as_in_torch(op):
    """exp/sigmoid/tanh save their output; ``y.mul_(2)`` then would silently corrupt the gradient."""
    for lib in (nnlab, torch):
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        y = getattr(x, op)()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    x = nnlab.tensor([0.5, -1.0], requires_grad=True)
    y = getattr(x, op)().clone()  # the remedy the message gives: change a copy
    y.mul_(2)
    y.sum().backward()
    tx = torch.tensor([0.5, -1.0], dtype=torch.float32, requires_grad=True)
    (getattr(tx, op)() * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
