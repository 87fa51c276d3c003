import numpy as np
import pytest
import torch

import nnlab
from nnlab.nn.multitask import MaskedBCEWithLogitsLoss


def test_missing_labels_are_skipped_and_match_torch_on_the_present_ones():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.integers(0, 2, (6, 4)).astype(np.float32)
    y[0, 1] = y[3, 2] = y[5, 0] = np.nan
    logits = nnlab.from_numpy(z.copy()).requires_grad_(True)
    loss = MaskedBCEWithLogitsLoss()(logits, y)
    loss.backward()
    present = ~np.isnan(y)
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(zt[torch.tensor(present)], torch.tensor(y[present]))
    ref.backward()
    assert float(loss.array) == pytest.approx(ref.item(), rel=1e-5)
    np.testing.assert_allclose(np.asarray(logits.grad.array), zt.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert np.all(np.asarray(logits.grad.array)[~present] == 0)


def test_all_missing_and_shape_errors():
    with pytest.raises(ValueError, match="every label in the batch is missing"):
        MaskedBCEWithLogitsLoss()(nnlab.from_numpy(np.zeros((2, 2), np.float32)), np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="must match"):
        MaskedBCEWithLogitsLoss()(nnlab.from_numpy(np.zeros((2, 2), np.float32)), np.zeros((2, 3)))
