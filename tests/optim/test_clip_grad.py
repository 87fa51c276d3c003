"""clip_grad_norm_ / clip_grad_value_ against torch.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nnlab
import nnlab.optim as optim
from tests.parity import to_nnlab, to_torch

_rng = np.random.default_rng(7)
GRADS = [_rng.standard_normal((3, 4)), _rng.standard_normal(5) * 3, _rng.standard_normal((2, 2, 2))]


def _with_grads(grads, dtype=np.float64):
    ours = [to_nnlab(g.astype(dtype)) for g in grads] + [to_nnlab(np.ones(2, dtype=dtype))]
    theirs = [to_torch(g.astype(dtype)) for g in grads] + [to_torch(np.ones(2, dtype=dtype))]
    for o, t, g in zip(ours, theirs, grads):
        o.grad = nnlab.Tensor._wrap(g.astype(dtype))
        t.grad = torch.from_numpy(g.astype(dtype))
    return ours, theirs  # the last parameter has no gradient and must be ignored


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _with_grads(GRADS)
    total = optim.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, nnlab.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.array, total_t.numpy(), rtol=1e-12)
    for o, t in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_allclose(o.grad.array, t.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert ours[-1].grad is None
    for o, g in zip(ours, GRADS):
        np.testing.assert_array_equal(o.array, g)  # only gradients change, never the parameters
    flat = np.concatenate([g.ravel() for g in GRADS])
    assert float(total.array) == pytest.approx(np.linalg.norm(flat, ord=norm_type), rel=1e-12)
    new_total = np.linalg.norm(np.concatenate([o.grad.array.ravel() for o in ours[:-1]]), ord=norm_type)
    if max_norm < float(total.array):
        assert new_total == pytest.approx(max_norm, rel=1e-5)
    else:
        np.testing.assert_array_equal(ours[0].grad.array, GRADS[0])


def test_clip_grad_norm_float32_and_single_tensor():
    p = nnlab.tensor([3.0, 4.0], requires_grad=True)
    p.grad = nnlab.tensor([3.0, 4.0])
    total = optim.clip_grad_norm_(p, 1.0)
    assert total.dtype == np.float32 and p.grad.dtype == np.float32
    assert float(total.array) == 5.0
    np.testing.assert_allclose(p.grad.array, [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_nonfinite():
    ours, theirs = _with_grads([np.array([1.0, np.nan])])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is nan"):
        optim.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_without_grads_returns_zero():
    assert float(optim.clip_grad_norm_([nnlab.tensor([1.0], requires_grad=True)], 1.0).array) == 0.0


@pytest.mark.parametrize("clip_value", [0.3, 1.5])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _with_grads(GRADS)
    assert optim.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for o, t in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(o.grad.array, t.grad.numpy())
    assert max(np.abs(o.grad.array).max() for o in ours[:-1]) == pytest.approx(clip_value)
    with pytest.raises(ValueError, match="clip_value must be >= 0, got -1.0"):
        optim.clip_grad_value_(ours, -1.0)
