"""``Tensor.data`` as in PyTorch: a Tensor sharing storage, outside autograd; ``.array`` is the NumPy slot."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn


def test_data_is_a_tensor_sharing_storage_without_grad():
    x = nnlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.data
    assert isinstance(d, nnlab.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), x.array)
    d[0] = 10.0
    assert x.array[0] == 10.0


def test_parameter_data_is_a_plain_tensor_as_in_torch():
    lin = nn.Linear(2, 3)
    tlin = torch.nn.Linear(2, 3)
    assert type(lin.weight.data) is nnlab.Tensor
    assert type(tlin.weight.data) is torch.Tensor


def test_manual_sgd_through_data_trains_like_torch():
    """The tutorial loop ``p.data -= lr * p.grad`` (and ``p.data.add_(g, alpha=-lr)``) changes the model."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float64)
    y = rng.normal(size=(16, 1)).astype(np.float64)
    ours = nn.Linear(3, 1).double()
    theirs = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.array.copy()))
        theirs.bias.copy_(torch.from_numpy(ours.bias.array.copy()))
    for step in range(5):
        for m, lib, X, Y in ((ours, nnlab, nnlab.tensor(x), nnlab.tensor(y)),
                             (theirs, torch, torch.from_numpy(x), torch.from_numpy(y))):
            m.zero_grad()
            loss = ((m(X) - Y) ** 2).mean()
            loss.backward()
            for i, p in enumerate(m.parameters()):
                if step % 2:
                    p.data -= 0.1 * p.grad
                else:
                    p.data.add_(p.grad, alpha=-0.1)
    np.testing.assert_allclose(ours.weight.array, theirs.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.array, theirs.bias.detach().numpy(), rtol=1e-12)


def test_in_place_through_data_is_invisible_to_the_version_check_as_in_torch():
    """PyTorch's documented hazard: a change through ``.data`` is not caught by the version check."""
    for lib in (nnlab, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a.exp()
        b.data.mul_(2)  # silently changes the value backward uses: the version check cannot see it
        b.sum().backward()
        np.testing.assert_allclose(np.asarray(a.grad), 2 * np.exp([1.0, 2.0]), rtol=1e-6)
        a2 = lib.tensor([1.0, 2.0], requires_grad=True)
        b2 = a2.exp()
        b2.mul_(2)  # the same change made on the tensor itself: caught
        with pytest.raises(RuntimeError, match="modified by an inplace operation|in place"):
            b2.sum().backward()


def test_assigning_data_replaces_storage_and_keeps_the_parameter_object():
    lin = nn.Linear(2, 2)
    w = lin.weight
    lin.weight.data = nnlab.zeros(2, 2)
    assert lin.weight is w and float(lin.weight.array.sum()) == 0.0
    lin.weight.data = np.ones((2, 2), dtype=np.float32)
    assert float(lin.weight.array.sum()) == 4.0
    with pytest.raises(TypeError, match="Tensor.data: can only be set to a Tensor"):
        lin.weight.data = [[1.0, 2.0], [3.0, 4.0]]


def test_weight_init_idioms_through_data():
    torch_init = nn.Conv2d(1, 4, 3)
    torch_init.weight.data.normal_(0.0, 0.02)
    torch_init.bias.data.fill_(0)
    assert abs(float(torch_init.weight.array.std()) - 0.02) < 0.015
    assert float(np.abs(torch_init.bias.array).sum()) == 0.0
    torch_init.weight.data.copy_(nnlab.ones(4, 1, 3, 3))
    assert float(torch_init.weight.array.sum()) == 36.0


def test_data_numpy_and_cpu_numpy_give_the_shared_array():
    p = nn.Parameter(nnlab.tensor([1.0, 2.0]))
    arr = p.data.numpy()
    assert np.shares_memory(arr, p.array)
    assert np.shares_memory(p.data.cpu().numpy(), p.array)
    with pytest.raises(RuntimeError, match="requires grad"):
        p.numpy()
