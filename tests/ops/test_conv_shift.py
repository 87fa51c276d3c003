"""The shifted-matmul convolution (ops/conv_shift.py): gradcheck, parity with torch, and when conv2d uses it."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab.ops.conv_shift import MIN_CHANNELS, ShiftConvNd, use_shift_conv
from tests.parity import assert_parity, gradcheck_fn

RNG = np.random.default_rng(0)


def _arrays(x_shape, w_shape, dtype=np.float32):
    x = RNG.standard_normal(x_shape).astype(dtype)
    w = RNG.standard_normal(w_shape).astype(dtype)
    b = RNG.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b


def _pairs(pad, nd):
    pads = (pad,) * nd if isinstance(pad, int) else pad
    return tuple((p, p) for p in pads)


@pytest.mark.parametrize("x_shape, w_shape, pad, dil", [
    ((2, 3, 6, 5), (2, 3, 3, 3), 1, 1),
    ((1, 2, 7, 6), (3, 2, 3, 2), (1, 0), (2, 1)),
    ((2, 2, 9), (2, 2, 4), 2, 1),
    ((1, 2, 4, 4, 3), (2, 2, 3, 3, 2), 1, 1),
])
def test_gradcheck(x_shape, w_shape, pad, dil):
    nd = len(x_shape) - 2
    pads, dils = _pairs(pad, nd), (dil,) * nd if isinstance(dil, int) else dil
    x, w, b = _arrays(x_shape, w_shape, np.float64)
    assert gradcheck_fn(lambda x, w, b: ShiftConvNd.apply(x, w, b, pads, dils), x, w, b)


@pytest.mark.parametrize("x_shape, w_shape, pad, dil", [
    ((3, 16, 10, 10), (8, 16, 3, 3), 1, 1),
    ((2, 16, 9, 11), (5, 16, 3, 2), (1, 0), (2, 1)),
    ((3, 16, 20), (4, 16, 5), 2, 1),
    ((2, 16, 5, 6, 4), (3, 16, 3, 3, 1), (1, 1, 0), 1),
])
def test_parity_with_torch(x_shape, w_shape, pad, dil):
    nd = len(x_shape) - 2
    pads, dils = _pairs(pad, nd), (dil,) * nd if isinstance(dil, int) else dil
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[nd]
    assert_parity(lambda x, w, b: ShiftConvNd.apply(x, w, b, pads, dils),
                  lambda x, w, b: conv(x, w, b, 1, pad, dil), *_arrays(x_shape, w_shape), atol=1e-4, rtol=1e-4)


def test_without_bias_and_without_input_grad():
    x, w, _ = _arrays((2, 16, 8, 8), (4, 16, 3, 3))
    xn, wn = nnlab.tensor(x), nnlab.tensor(w, requires_grad=True)
    y = ShiftConvNd.apply(xn, wn, None, ((1, 1), (1, 1)), (1, 1))
    y.sum().backward()
    wt = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x), wt, None, 1, 1).sum().backward()
    assert xn.grad is None
    np.testing.assert_allclose(wn.grad.array, wt.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_conv2d_dispatch():
    # a large map with enough channels takes the shifted path; stride 2, groups or few channels do not
    assert use_shift_conv(32, (1, 1), 1, (32, 32), (34, 34))
    assert use_shift_conv(64, (1, 1), 1, (16, 16), (18, 18))  # 79 % of the padded grid is output
    assert not use_shift_conv(32, (2, 2), 1, (16, 16), (34, 34))
    assert not use_shift_conv(32, (1, 1), 2, (32, 32), (34, 34))
    assert not use_shift_conv(MIN_CHANNELS - 1, (1, 1), 1, (32, 32), (34, 34))
    assert not use_shift_conv(32, (1, 1), 1, (4, 4), (6, 6))  # mostly padding
    x, w, b = _arrays((2, 16, 30, 30), (4, 16, 3, 3))  # 30·30 outputs in a 32·32 padded grid
    y = F.conv2d(nnlab.tensor(x, requires_grad=True), nnlab.tensor(w), nnlab.tensor(b), padding=1)
    assert y.grad_fn._fn is ShiftConvNd
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding=1)
    np.testing.assert_allclose(y.array, expected.numpy(), rtol=1e-4, atol=1e-4)


def test_blocks_of_the_flat_axis_give_the_same_result(monkeypatch):
    # A large layer is computed a block of columns at a time; force many small blocks here.
    from nnlab.ops import conv_shift

    monkeypatch.setattr(conv_shift, "CHUNK_ELEMENTS", 48 * 37)
    assert len(conv_shift._chunks(2 * 15 * 13, 48)) > 5
    x, w, b = _arrays((2, 16, 13, 11), (5, 16, 3, 3), np.float64)
    assert gradcheck_fn(lambda x, w, b: ShiftConvNd.apply(x, w, b, ((1, 1), (1, 1)), (1, 1)), x, w, b)
    assert_parity(lambda x, w, b: ShiftConvNd.apply(x, w, b, ((1, 1), (1, 1)), (1, 1)),
                  lambda x, w, b: torch.nn.functional.conv2d(x, w, b, 1, 1), *_arrays((2, 16, 13, 11), (5, 16, 3, 3)),
                  atol=1e-4, rtol=1e-4)
