"""The soft Dice loss: hand-computed values, gradcheck, a torch-written formula, errors; and per-pixel
cross-entropy on (N, C, H, W) against PyTorch, the other segmentation loss."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab import nn
from tests.parity import assert_parity, gradcheck_fn


def test_hand_computed():
    # Logits 0 → p = 1/2 everywhere; target [0, 1]: per class Σpt = 1/2, Σp = 1, Σt = 1.
    x = nnlab.zeros(1, 2, 1, 2)
    t = np.array([[[0, 1]]])
    assert F.dice_loss(x, t, smooth=0.0).item() == pytest.approx(0.5)  # 1 − 2·½/(1 + 1)
    assert F.dice_loss(x, t, smooth=1.0).item() == pytest.approx(1 / 3)  # 1 − (1 + 1)/(2 + 1)
    np.testing.assert_allclose(F.dice_loss(x, t, reduction="none").numpy(), [1 / 3, 1 / 3], rtol=1e-6)
    # A confident, right prediction has loss near 0; a class absent everywhere costs nothing with smooth > 0.
    good = nnlab.from_numpy(np.where(np.eye(3)[[0, 1, 1]].T[None, :, None, :] > 0, 20.0, -20.0).astype(np.float32))
    per_class = F.dice_loss(good, np.array([[[0, 1, 1]]]), reduction="none").numpy()
    np.testing.assert_allclose(per_class, [0, 0, 0], atol=1e-6)
    assert nn.DiceLoss(reduction="sum")(x, t).item() == pytest.approx(2 / 3)


def _torch_dice(x, t, smooth=1.0):
    p = torch.softmax(x, 1)
    onehot = torch.nn.functional.one_hot(t, x.shape[1]).movedim(-1, 1).to(x.dtype)
    dims = (0, 2, 3)
    return (1 - (2 * (p * onehot).sum(dims) + smooth) / (p.sum(dims) + onehot.sum(dims) + smooth)).mean()


def test_gradcheck_and_torch_formula():
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 4, 5))
    t = r.integers(0, 3, (2, 4, 5))
    assert gradcheck_fn(lambda a, b: F.dice_loss(a, b), x, t)
    assert_parity(lambda a, b: F.dice_loss(a, b), _torch_dice, x, t)
    masks = (r.random((2, 1, 4, 5)) > 0.5).astype(np.float64)  # binary masks: sigmoid per channel
    assert gradcheck_fn(lambda a, m: F.dice_loss(a, m), x[:, :1], masks)
    assert_parity(lambda a, m: F.dice_loss(a, m),
                  lambda a, m: 1 - (2 * (a.sigmoid() * m).sum() + 1) / (a.sigmoid().sum() + m.sum() + 1),
                  x[:, :1], masks)


def test_errors_name_the_op_and_shapes():
    x = nnlab.zeros(2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"dice_loss: class-index target must have shape \(2, 4, 4\)"):
        F.dice_loss(x, np.zeros((2, 4, 5), np.int64))
    with pytest.raises(ValueError, match=r"dice_loss: target class indices must lie in \[0, 2\]"):
        F.dice_loss(x, np.full((2, 4, 4), 3))
    with pytest.raises(ValueError, match="dice_loss: a floating target holds masks"):
        F.dice_loss(x, np.zeros((2, 4, 4), np.float32))


def test_pixelwise_cross_entropy_matches_torch_on_nchw():
    r = np.random.default_rng(1)
    x = r.standard_normal((2, 4, 5, 6))
    t = r.integers(0, 4, (2, 5, 6))
    t[0, 0, :3] = -100  # ignored pixels
    w = np.array([0.2, 1.0, 1.5, 2.0])
    assert_parity(lambda a, b: F.cross_entropy(a, b, weight=nnlab.from_numpy(w)),
                  lambda a, b: torch.nn.functional.cross_entropy(a, b, weight=torch.from_numpy(w)), x, t)
    assert_parity(lambda a, b: F.cross_entropy(a, b, reduction="none"),
                  lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction="none"), x, t)
