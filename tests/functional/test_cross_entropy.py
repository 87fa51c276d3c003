"""cross_entropy and nll_loss: PyTorch's weighting, ignore_index, label smoothing, probability
targets and N-d inputs; gradcheck; huge logits; argument errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn

REDUCTIONS = ["mean", "sum", "none"]
SHAPES = {"NC": (5, 4), "NCdd": (3, 4, 2, 3), "C": (4,)}
WEIGHT = np.array([0.3, 1.0, 2.5, 0.7])


def _logits(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2


def _indices(shape, ignore: bool, seed=1):
    item_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = np.random.default_rng(seed).integers(0, shape[1 if len(shape) > 1 else 0], item_shape)
    if ignore:
        t = np.where(np.arange(t.size).reshape(t.shape) % 3 == 1, -100, t) if t.ndim else np.array(-100)
    return t.astype(np.int64)


def _probabilities(shape, seed=2):
    axis = 1 if len(shape) > 1 else 0
    e = np.exp(np.random.default_rng(seed).standard_normal(shape))
    return e / e.sum(axis=axis, keepdims=True)


def _weight(use: bool):
    return (WEIGHT, torch.from_numpy(WEIGHT)) if use else (None, None)


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_cross_entropy_index_targets_parity(shape, reduction, weighted, ignore, smoothing):
    w, tw = _weight(weighted)
    t = _indices(shape, ignore)
    assert_parity(
        lambda x, tt: F.cross_entropy(x, tt, weight=w, reduction=reduction, label_smoothing=smoothing),
        lambda x, tt: TF.cross_entropy(x, tt, weight=tw, reduction=reduction, label_smoothing=smoothing),
        _logits(shape), t,
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_cross_entropy_probability_targets_parity(shape, reduction, weighted, smoothing):
    w, tw = _weight(weighted)
    assert_parity(
        lambda x, p: F.cross_entropy(x, p, weight=w, reduction=reduction, label_smoothing=smoothing),
        lambda x, p: TF.cross_entropy(x, p, weight=tw, reduction=reduction, label_smoothing=smoothing),
        _logits(shape), _probabilities(shape),
    )


def test_cross_entropy_custom_ignore_index():
    t = np.array([0, 3, 2, 3, 1], dtype=np.int64)
    assert_parity(
        lambda x, tt: F.cross_entropy(x, tt, weight=WEIGHT, ignore_index=3, label_smoothing=0.1),
        lambda x, tt: TF.cross_entropy(x, tt, weight=torch.from_numpy(WEIGHT), ignore_index=3, label_smoothing=0.1),
        _logits((5, 4)), t,
    )


@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3), (4,)], ids=["NC", "NCdd", "C"])
def test_nll_loss_parity(shape, reduction, weighted, ignore):
    w, tw = _weight(weighted)
    assert_parity(
        lambda x, tt: F.nll_loss(x, tt, weight=w, reduction=reduction),
        lambda x, tt: TF.nll_loss(x, tt, weight=tw, reduction=reduction),
        _logits(shape), _indices(shape, ignore),
    )


def test_gradchecks():
    t = nnlab.tensor(_indices((3, 4, 2), ignore=True))
    x = _logits((3, 4, 2), seed=3)
    assert gradcheck_fn(lambda a: F.cross_entropy(a, t, weight=WEIGHT, label_smoothing=0.25), x)
    assert gradcheck_fn(lambda a: F.cross_entropy(a, t, reduction="none"), x)
    assert gradcheck_fn(lambda a: F.nll_loss(a, t, weight=WEIGHT), x)
    assert gradcheck_fn(lambda a, p: F.cross_entropy(a, p, weight=WEIGHT, label_smoothing=0.1), x, _probabilities((3, 4, 2)))


def test_cross_entropy_equals_nll_of_log_softmax():
    x, t = nnlab.tensor(_logits((6, 5))), nnlab.tensor(_indices((6, 5), False))
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), F.nll_loss(F.log_softmax(x, 1), t).item(), rtol=1e-6)


def test_cross_entropy_equal_huge_logits_is_ln2():
    loss = F.cross_entropy(nnlab.tensor([[1e8, 1e8]]), nnlab.tensor([0]))
    assert loss.dtype == np.float32
    assert loss.item() == pytest.approx(np.log(2), rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_huge_logits_finite(dtype):
    x = nnlab.Tensor(np.array([[1e30, -1e30, 0.0], [-3e38, 3e38, 1.0]], dtype=dtype), dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, nnlab.tensor([1, 1]), reduction="none")
        loss.sum().backward()
    assert loss.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(loss.array, [2e30, 0.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.array, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-30)


def test_hand_computed_label_smoothing_with_weights():
    x = np.array([[1.0, 2.0, 0.5]])
    w = np.array([1.0, 2.0, 3.0])
    logp = x - np.log(np.exp(x).sum())
    eps = 0.3
    # PyTorch: (1 − ε)·w_t(−ln p_t)/w_t + (ε/C)·Σ_c w_c(−ln p_c)/w_t
    expected = (1 - eps) * -logp[0, 0] + eps / 3 * -(w * logp[0]).sum() / w[0]
    out = F.cross_entropy(nnlab.tensor(x, dtype=np.float64), nnlab.tensor([0]), weight=w, label_smoothing=eps)
    np.testing.assert_allclose(out.item(), expected, rtol=1e-12)


def test_all_ignored_mean_is_nan_like_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = F.cross_entropy(nnlab.tensor(_logits((2, 3))), nnlab.tensor([-100, -100])).item()
    theirs = TF.cross_entropy(torch.from_numpy(_logits((2, 3))), torch.tensor([-100, -100])).item()
    assert np.isnan(ours) and np.isnan(theirs)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_float32_in_float32_out(fn):
    x = nnlab.tensor(_logits((3, 4, 2)).astype(np.float32), requires_grad=True)
    loss = fn(x, nnlab.tensor(_indices((3, 4, 2), True)), weight=WEIGHT.astype(np.float64))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    probs = nnlab.tensor(_probabilities((3, 4)).astype(np.float32))
    assert F.cross_entropy(nnlab.tensor(_logits((3, 4)).astype(np.float32)), probs, label_smoothing=0.1).dtype == np.float32


@pytest.mark.parametrize(
    "target,kwargs,message",
    [
        (np.array([0, 1, 4]), {}, r"cross_entropy: target class index 4 is out of range for 4 classes \(input shape \(3, 4\)\)"),
        (np.array([0, -1, 2]), {}, r"target class index -1 is out of range for 4 classes"),
        (np.array([[0], [1], [2]]), {}, r"expected target of shape \(3,\) for input of shape \(3, 4\).*got target shape \(3, 1\)"),
        (np.zeros((3, 3)), {}, r"floating target holds class probabilities and must have the input's shape \(3, 4\), got \(3, 3\)"),
        (np.zeros(3), {}, r"floating target .* got \(3,\)"),
        (np.array([0, 1, 2]), {"weight": np.ones(3)}, r"weight must have shape \(4,\), one per class, got \(3,\)"),
        (np.array([0, 1, 2]), {"label_smoothing": 1.5}, r"label_smoothing must lie in \[0, 1\], got 1.5"),
        (np.array([0, 1, 2]), {"reduction": "avg"}, r"reduction must be one of"),
    ],
)
def test_cross_entropy_errors(target, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(nnlab.tensor(_logits((3, 4))), nnlab.Tensor(target, dtype=target.dtype), **kwargs)


def test_nll_loss_errors():
    with pytest.raises(ValueError, match=r"nll_loss: target class index 7 is out of range for 4 classes"):
        F.nll_loss(nnlab.tensor(_logits((2, 4))), nnlab.tensor([7, 0]))
    with pytest.raises(ValueError, match=r"nll_loss: class-index targets must be an integer tensor"):
        F.nll_loss(nnlab.tensor(_logits((2, 4))), nnlab.tensor([1.0, 0.0]))


def test_all_ignored_gradient_is_zero_like_torch():
    x = nnlab.tensor(_logits((2, 3)), requires_grad=True)
    F.cross_entropy(x, nnlab.tensor([-100, -100]), label_smoothing=0.1).backward()
    np.testing.assert_array_equal(x.grad.array, np.zeros((2, 3)))
