"""Standardize / MinMaxScale fitted on train only, resize_bilinear against PyTorch, Compose."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import Compose, Lambda, MinMaxScale, Resize, Standardize, resize_bilinear
from tests.parity import assert_parity


def test_standardize_statistics_come_from_train_only():
    X_train = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]], dtype=np.float32)
    X_test = np.array([[100.0, 4.0], [7.0, 10.0]], dtype=np.float32)
    s = Standardize().fit(X_train)
    np.testing.assert_allclose(s.mean, [3.0, 10.0])
    # Population std of (1, 3, 5) is sqrt(8/3); the constant column keeps std 1.
    np.testing.assert_allclose(s.std, [np.sqrt(8 / 3), 1.0], rtol=1e-6)
    out = s.transform(X_test)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[97 / np.sqrt(8 / 3), -6.0], [4 / np.sqrt(8 / 3), 0.0]], rtol=1e-6)
    assert np.all(np.isfinite(s.fit_transform(X_train)))
    # Refitting on the test set would give different numbers: train statistics are what is used.
    assert not np.allclose(Standardize().fit_transform(X_test), out)


def test_standardize_fit_transform_and_inverse():
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((50, 4)) * [1, 2, 3, 4] + [5, -1, 0, 2]).astype(np.float32)
    s = Standardize()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(Z.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(s.inverse_transform(Z), X, atol=1e-5)
    t = s(nnlab.Tensor(X))
    assert isinstance(t, nnlab.Tensor)
    np.testing.assert_allclose(t.array, Z)
    assert s.transform(X.astype(np.float64)).dtype == np.float64


def test_standardize_state_dict_round_trip_and_errors():
    X = np.random.default_rng(1).standard_normal((20, 3)).astype(np.float32)
    s = Standardize().fit(X)
    state = s.state_dict()
    assert set(state) == {"mean", "std"} and state["mean"].dtype == np.float32
    s2 = Standardize()
    with pytest.raises(RuntimeError, match="call fit"):
        s2.transform(X)
    s2.load_state_dict(state)
    np.testing.assert_array_equal(s2.transform(X), s.transform(X))
    with pytest.raises(ValueError, match=r"shape \(20, 4\)"):
        s.transform(np.zeros((20, 4), dtype=np.float32))
    with pytest.raises(KeyError, match="missing"):
        s2.load_state_dict({"mean": state["mean"]})


def test_standardize_per_channel_images():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 2, 3, 3)).astype(np.float32) + np.array([1.0, -4.0], dtype=np.float32)[:, None, None]
    s = Standardize(axis=(0, 2, 3)).fit(X)
    assert s.mean.shape == (2, 1, 1)
    np.testing.assert_allclose(s.mean.ravel(), X.mean(axis=(0, 2, 3)), rtol=1e-5)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=(0, 2, 3)), 0, atol=1e-6)
    with pytest.raises(ValueError, match="must include 0"):
        Standardize(axis=1).fit(X)


def test_min_max_scale():
    X_train = np.array([[0.0, 5.0], [10.0, 5.0]], dtype=np.float32)
    m = MinMaxScale(feature_range=(-1, 1)).fit(X_train)
    # Column 1 is constant on train: its span counts as 1, so 7 -> -1 + (7 - 5) * 2 = 3.
    out = m.transform(np.array([[5.0, 5.0], [20.0, 7.0]], dtype=np.float32))
    np.testing.assert_allclose(out, [[0.0, -1.0], [3.0, 3.0]])
    np.testing.assert_allclose(m.inverse_transform(m.transform(X_train[:1])), [[0.0, 5.0]])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(32, 32), (5, 11), (3, 2)])
def test_resize_bilinear_matches_torch(size, align_corners):
    x = np.random.default_rng(0).random((2, 3, 8, 6))
    assert_parity(
        lambda t: resize_bilinear(t, size, align_corners=align_corners),
        lambda t: torch.nn.functional.interpolate(t, size=size, mode="bilinear", align_corners=align_corners),
        x,
        grad=False,
    )


def test_resize_keeps_float32_and_constant_images():
    img = np.full((1, 8, 8), 0.25, dtype=np.float32)
    out = Resize(32)(img)
    assert out.shape == (1, 32, 32) and out.dtype == np.float32
    np.testing.assert_allclose(out, 0.25, rtol=1e-6)
    assert resize_bilinear(np.ones((4, 4), dtype=np.uint8), 2).dtype == np.float32


def test_compose_and_lambda():
    X = np.array([[1.0], [3.0]], dtype=np.float32)
    pipe = Compose([Standardize().fit(X), Lambda(lambda a: a * 2)])
    np.testing.assert_allclose(pipe(X), [[-2.0], [2.0]])
    with pytest.raises(TypeError, match="not callable"):
        Compose([1])
