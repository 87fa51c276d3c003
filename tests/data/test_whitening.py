"""PCA and ZCA whitening: identity covariance, ZCA symmetric and closest to the data, parity with scikit-learn."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from nnlab.data import Whitening


def _data(n=500, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((5, 5))
    return (rng.standard_normal((n, 5)) @ A + 3.0).astype(np.float32)


@pytest.mark.parametrize("kind", ["pca", "zca"])
def test_whitened_covariance_is_the_identity(kind):
    X = _data()
    Z = Whitening(kind, eps=0.0).fit_transform(X)
    assert Z.dtype == np.float32 and Z.shape == X.shape
    np.testing.assert_allclose(np.cov(Z.astype(np.float64), rowvar=False, bias=True), np.eye(5), atol=1e-4)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-4)


def test_zca_is_symmetric_and_closer_to_the_data_than_pca():
    X = _data()
    zca, pca = Whitening("zca").fit(X), Whitening("pca").fit(X)
    np.testing.assert_allclose(zca.matrix, zca.matrix.T, atol=1e-10)
    Xc = X - X.mean(0)
    scale = Xc.std()
    assert np.linalg.norm(zca.transform(X) * scale - Xc) < np.linalg.norm(pca.transform(X) * scale - Xc)


def test_pca_whitening_matches_scikit_learn_up_to_sign():
    X = _data().astype(np.float64)
    ours = Whitening("pca", eps=0.0).fit_transform(X)
    theirs = PCA(whiten=True).fit_transform(X) * np.sqrt(len(X) / (len(X) - 1))  # sklearn: unit variance with N − 1
    signs = np.sign((ours * theirs).sum(0))
    np.testing.assert_allclose(ours * signs, theirs, atol=1e-8)


def test_errors():
    with pytest.raises(ValueError, match="Whitening: kind"):
        Whitening("svd")
    with pytest.raises(RuntimeError, match="call fit first"):
        Whitening().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="fitted on 5 features"):
        Whitening().fit(_data()).transform(np.zeros((3, 4)))
