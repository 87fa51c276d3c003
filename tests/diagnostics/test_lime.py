import numpy as np
import pytest

from nnlab.diagnostics.lime import explain_image, explain_tabular

W = np.array([3.0, -2.0, 0.5, 0.0, 1.2])


def _predict(X):
    p = 1.0 / (1.0 + np.exp(-(np.asarray(X, dtype=np.float64) @ W) * 0.3))
    return np.stack([1 - p, p], axis=1)


def test_linear_model_weight_ranking_recovered():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 5))
    coef = explain_tabular(_predict, X[0] * 0.1, X)
    assert list(np.argsort(-np.abs(coef))) == list(np.argsort(-np.abs(W)))
    assert np.all(np.sign(coef[[0, 1, 2, 4]]) == np.sign(W[[0, 1, 2, 4]]))


def test_top_features_agree_with_lime_package():
    from lime.lime_tabular import LimeTabularExplainer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 5))
    x = X[3] * 0.1
    ours = np.argsort(-np.abs(explain_tabular(_predict, x, X)))[:3]
    exp = LimeTabularExplainer(X, discretize_continuous=False, random_state=0).explain_instance(
        x, _predict, num_features=3, labels=(1,))
    theirs = [i for i, _ in exp.as_map()[1]]
    assert list(ours) == theirs


def test_image_lime_finds_the_deciding_region():
    img = np.zeros((1, 8, 8), np.float32)
    img[0, :4, :4] = 1.0

    def predict(batch):
        s = batch[:, 0, :4, :4].mean(axis=(1, 2))
        return np.stack([1 - s, s], axis=1)

    seg = (np.arange(8)[:, None] // 4) * 2 + np.arange(8)[None, :] // 4
    weights, _ = explain_image(predict, img, 1, segments=seg)
    assert int(np.argmax(weights)) == 0 and weights[0] > 5 * np.abs(weights[1:]).max()


def test_bad_shapes():
    with pytest.raises(ValueError, match="explain_tabular: x has 3 features"):
        explain_tabular(_predict, np.zeros(3), np.zeros((10, 5)))
