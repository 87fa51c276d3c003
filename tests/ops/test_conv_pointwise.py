"""The 1×1 convolution as batched per-position matmuls (ops/conv_pointwise.py): gradcheck, torch parity, dispatch."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab.ops.conv import ConvNd
from nnlab.ops.conv_pointwise import PointwiseConvNd, use_pointwise_conv
from nnlab.ops.conv_shift import ShiftConvNd
from tests.parity import assert_parity, gradcheck_fn

RNG = np.random.default_rng(0)


def _arrays(x_shape, f, dtype=np.float32):
    c, nd = x_shape[1], len(x_shape) - 2
    x = RNG.standard_normal(x_shape).astype(dtype)
    w = RNG.standard_normal((f, c) + (1,) * nd).astype(dtype)
    b = RNG.standard_normal(f).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("x_shape, f, stride", [
    ((2, 3, 5, 4), 4, (1, 1)),
    ((2, 3, 5, 4), 2, (2, 3)),
    ((3, 2, 7), 3, (2,)),
    ((1, 2, 3, 4, 5), 2, (1, 2, 2)),
])
def test_gradcheck(x_shape, f, stride):
    x, w, b = _arrays(x_shape, f, np.float64)
    assert gradcheck_fn(lambda x, w, b: PointwiseConvNd.apply(x, w, b, stride), x, w, b)


@pytest.mark.parametrize("x_shape, f, stride", [
    ((4, 8, 9, 9), 16, 2),
    ((2, 16, 12, 10), 8, 1),
    ((3, 6, 40), 5, 3),
    ((2, 4, 6, 5, 4), 7, 2),
])
def test_parity_with_torch_through_conv(x_shape, f, stride):
    nd = len(x_shape) - 2
    ours = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    theirs = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[nd]
    assert_parity(lambda x, w, b: ours(x, w, b, stride=stride), lambda x, w, b: theirs(x, w, b, stride=stride),
                  *_arrays(x_shape, f), atol=1e-4, rtol=1e-4)


def test_without_bias_and_without_input_grad():
    x, w, _ = _arrays((3, 4, 8, 8), 6)
    xn, wn = nnlab.tensor(x), nnlab.tensor(w, requires_grad=True)
    y = PointwiseConvNd.apply(xn, wn, None, (2, 2))
    (y * y).sum().backward()
    wt = torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv2d(torch.tensor(x), wt, None, 2)
    (yt * yt).sum().backward()
    assert xn.grad is None
    np.testing.assert_allclose(y.array, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(wn.grad.array, wt.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_dispatch():
    # 1×1, one group, no padding, and at least as many positions as channels: the pointwise path
    assert use_pointwise_conv((1, 1), 1, ((0, 0), (0, 0)), 32, 64, (16, 16))
    assert not use_pointwise_conv((1, 1), 1, ((0, 0), (0, 0)), 512, 512, (7, 7))  # few positions: im2col
    assert not use_pointwise_conv((1, 1), 2, ((0, 0), (0, 0)), 32, 64, (16, 16))
    assert not use_pointwise_conv((1, 1), 1, ((1, 1), (1, 1)), 32, 64, (16, 16))
    assert not use_pointwise_conv((3, 1), 1, ((0, 0), (0, 0)), 32, 64, (16, 16))
    x, w, b = _arrays((2, 32, 32, 32), 64)
    y = F.conv2d(nnlab.tensor(x, requires_grad=True), nnlab.tensor(w), nnlab.tensor(b), stride=2)
    assert y.grad_fn._fn is PointwiseConvNd and y.shape == (2, 64, 16, 16)
    x, w, b = _arrays((2, 64, 4, 4), 64)
    assert F.conv2d(nnlab.tensor(x, requires_grad=True), nnlab.tensor(w)).grad_fn._fn in (ConvNd, ShiftConvNd)
