"""CTC loss: matches torch.nn.functional.ctc_loss (loss and gradient, every reduction, repeated labels,
ragged lengths, impossible alignments), passes a float64 gradcheck, and a worked two-frame example."""

import math

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab import nn
from nnlab.autograd.gradcheck import gradcheck


def _case(seed=0, T=12, N=3, C=5, S=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, C))
    tg = rng.integers(1, C, size=(N, S))
    tg[0, 1] = tg[0, 0]  # a repeated label needs a blank between the two
    return x, tg, np.array([T, T - 2, T - 5]), np.array([S, S - 1, 2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(reduction, dtype):
    x, tg, il, tl = _case()
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    ref = torch.nn.functional.ctc_loss(xt.log_softmax(-1), torch.tensor(tg), torch.tensor(il), torch.tensor(tl),
                                       reduction=reduction)
    ref.sum().backward()
    xn = nnlab.from_numpy(x.astype(dtype))
    xn.requires_grad_(True)
    out = nn.CTCLoss(reduction=reduction)(F.log_softmax(xn, -1), tg, il, tl)
    assert out.dtype == xn.dtype
    out.sum().backward()
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out.array, ref.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xn.grad.array, xt.grad.numpy(), rtol=tol, atol=tol)


def test_gradcheck_and_two_frame_example():
    x, tg, il, tl = _case(seed=1, T=6, N=2, C=4, S=2)
    lp = nnlab.from_numpy(x)
    lp.requires_grad_(True)
    assert gradcheck(lambda z: F.ctc_loss(F.log_softmax(z, -1), tg, il[:2], tl[:2], reduction="sum"), (lp,))
    # T = 2, label "a": alignments "a-", "-a", "aa" → p = y0(a)y1(-) + y0(-)y1(a) + y0(a)y1(a)
    y = np.array([[[0.5, 0.5]], [[0.25, 0.75]]])  # classes (blank, a)
    loss = F.ctc_loss(nnlab.from_numpy(np.log(y)), [[1]], [2], [1], reduction="none")
    p = 0.5 * 0.25 + 0.5 * 0.75 + 0.5 * 0.75
    assert loss.array[0] == pytest.approx(-math.log(p))


def test_impossible_alignment_and_errors():
    # "aa" needs 3 frames (a, blank, a); with 2 frames p = 0
    lp = nnlab.from_numpy(np.log(np.full((2, 1, 3), 1 / 3)))
    lp.requires_grad_(True)
    assert np.isinf(F.ctc_loss(lp, [[1, 1]], [2], [2], reduction="none").array[0])
    out = F.ctc_loss(lp, [[1, 1]], [2], [2], reduction="sum", zero_infinity=True)
    out.backward()
    ref = torch.nn.functional.ctc_loss(torch.log(torch.full((2, 1, 3), 1 / 3)), torch.tensor([[1, 1]]),
                                       torch.tensor([2]), torch.tensor([2]), reduction="sum", zero_infinity=True)
    assert out.item() == ref.item() == 0.0 and not lp.grad.array.any()
    with pytest.raises(ValueError, match="ctc_loss: blank=0"):
        F.ctc_loss(lp, [[0, 1]], [2], [2])
    with pytest.raises(ValueError, match="input_lengths must lie in"):
        F.ctc_loss(lp, [[1]], [3], [1])
