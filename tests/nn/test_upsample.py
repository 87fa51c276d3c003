"""F.interpolate (nearest, bilinear) and nn.Upsample: gradcheck, torch parity incl. align_corners, dtypes, errors."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
import nnlab.nn as nn
from nnlab.backend.interp import interp_matrix, linear_indices_weights, nearest_indices
from tests.parity import assert_module_parity, assert_parity, gradcheck_fn

TF = torch.nn.functional
rng = np.random.default_rng(0)

# (input H, W, interpolate kwargs): up, down, mixed, non-integer and unchanged-size scales.
CASES = [
    ((3, 4), {"size": (6, 9)}),
    ((5, 7), {"size": (2, 3)}),
    ((4, 4), {"size": 7}),
    ((3, 4), {"scale_factor": 2}),
    ((3, 5), {"scale_factor": (1.7, 0.6)}),
    ((6, 7), {"scale_factor": 1 / 3}),
    ((3, 4), {"scale_factor": 1.05}),  # the size does not change: torch copies
    ((3, 4), {"scale_factor": 2.5, "recompute_scale_factor": True}),
    ((2, 3), {"size": (1, 1)}),
]
MODES = [("nearest", None), ("bilinear", False), ("bilinear", True), ("bilinear", None)]


@pytest.mark.parametrize("mode,align_corners", MODES, ids=["nearest", "bilinear", "bilinear-ac", "bilinear-default"])
@pytest.mark.parametrize("hw,kwargs", CASES, ids=[str(k) for _, k in CASES])
def test_interpolate_parity_float64_and_float32(hw, kwargs, mode, align_corners):
    x = rng.standard_normal((2, 3) + hw)
    assert_parity(lambda t: F.interpolate(t, mode=mode, align_corners=align_corners, **kwargs),
                  lambda t: TF.interpolate(t, mode=mode, align_corners=align_corners, **kwargs), x)
    x32 = x.astype(np.float32)
    ours = F.interpolate(nnlab.tensor(x32), mode=mode, align_corners=align_corners, **kwargs)
    theirs = TF.interpolate(torch.from_numpy(x32), mode=mode, align_corners=align_corners, **kwargs).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.array, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode,align_corners", MODES[:3], ids=["nearest", "bilinear", "bilinear-ac"])
@pytest.mark.parametrize("kwargs", [{"size": (5, 3)}, {"scale_factor": 1.5}, {"size": (2, 2)}])
def test_interpolate_gradcheck(kwargs, mode, align_corners):
    assert gradcheck_fn(lambda t: F.interpolate(t, mode=mode, align_corners=align_corners, **kwargs),
                        rng.standard_normal((2, 2, 3, 4)))


def test_nearest_by_hand_and_gradient_sums_copies():
    x = nnlab.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), requires_grad=True)
    y = F.interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(y.array[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.full((1, 1, 2, 2), 4.0))  # each pixel copied 4 times


def test_bilinear_by_hand():
    # 1×2 → 1×4, align_corners=False: sources at x = 0.25·(2j+1)... clamped: -0.25→0, 0.25, 0.75, 1.25→(i0=1).
    x = nnlab.tensor(np.array([[[[0.0, 4.0]]]], dtype=np.float32))
    y = F.interpolate(x, size=(1, 4), mode="bilinear")
    np.testing.assert_allclose(y.array[0, 0, 0], [0.0, 1.0, 3.0, 4.0])
    y = F.interpolate(x, size=(1, 5), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(y.array[0, 0, 0], [0.0, 1.0, 2.0, 3.0, 4.0])


def test_interp_helpers_rows_sum_to_one_and_nearest_rule():
    for n_in, n_out in [(4, 9), (9, 4), (1, 3), (3, 1)]:
        for ac in (False, True):
            m = interp_matrix(n_in, n_out, "linear", ac, dtype=np.float64)
            np.testing.assert_allclose(m.sum(axis=1), 1.0)
            assert np.all(m >= 0)
        i0, i1, lam = linear_indices_weights(n_in, n_out, False, dtype=np.float64)
        assert np.all((0 <= lam) & (lam <= 1)) and np.all(i1 - i0 <= 1)
    np.testing.assert_array_equal(nearest_indices(5, 2), [0, 2])
    np.testing.assert_array_equal(nearest_indices(2, 6, scale=3.0), [0, 0, 0, 1, 1, 1])
    # ATen computes the nearest source index in float32: for 2 → 82 that rounds differently
    # from exact arithmetic at some outputs, and torch's answer is the float32 one.
    theirs = TF.interpolate(torch.arange(2.0).reshape(1, 1, 2), size=82, mode="nearest")[0, 0].long().numpy()
    np.testing.assert_array_equal(nearest_indices(2, 82), theirs)
    assert not np.array_equal(np.floor(np.arange(82) * (2 / 82)).astype(np.int64), theirs)


def test_interpolate_errors():
    x = nnlab.tensor(np.ones((1, 1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\), got shape \(1, 2, 2\)"):
        F.interpolate(nnlab.tensor(np.ones((1, 2, 2), np.float32)), scale_factor=2)
    with pytest.raises(ValueError, match="mode 'bicubic' is not supported"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="output size must be positive"):
        F.interpolate(x, scale_factor=0.1)


@pytest.mark.parametrize("ours,theirs", [
    (lambda: nn.Upsample(scale_factor=2), lambda: torch.nn.Upsample(scale_factor=2)),
    (lambda: nn.Upsample(size=(5, 7), mode="bilinear"), lambda: torch.nn.Upsample(size=(5, 7), mode="bilinear")),
    (lambda: nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=True),
     lambda: torch.nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=True)),
    (lambda: nn.UpsamplingNearest2d(size=5), lambda: torch.nn.UpsamplingNearest2d(size=5)),
    (lambda: nn.UpsamplingBilinear2d(scale_factor=2), lambda: torch.nn.UpsamplingBilinear2d(scale_factor=2)),
], ids=["nearest-x2", "bilinear-size", "bilinear-ac", "nearest2d", "bilinear2d"])
def test_upsample_modules_match_torch(ours, theirs):
    a, b = ours(), theirs()
    assert repr(a) == repr(b) and list(a.state_dict()) == []
    for mode in (True, False):
        a.train(mode), b.train(mode)
        assert_module_parity(a, b, rng.standard_normal((2, 3, 3, 4)))
    assert a(nnlab.tensor(np.ones((1, 1, 3, 4), np.float32))).dtype == np.float32
