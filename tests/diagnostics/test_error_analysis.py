import numpy as np
import pytest

from nnlab.diagnostics.error_analysis import f1, misclassified, resample_indices, satisficing_choice, tag_ceilings


def test_seed_ceiling_example():
    tags = [["dog"]] * 5 + [["great cat"]] * 50 + [["blurry"]] * 45
    c = tag_ceilings(tags, dev_error=0.10)
    assert c["dog"]["ceiling"] == pytest.approx(0.095)
    assert c["great cat"]["ceiling"] == pytest.approx(0.05)
    assert list(c)[0] == "great cat"


def test_callable_taggers():
    c = tag_ceilings({"even": lambda i: i % 2 == 0}, 0.2, errors=[0, 1, 2, 4])
    assert c["even"]["share"] == pytest.approx(0.75)


def test_f1_and_satisficing_seed_example():
    assert f1(0.95, 0.90) == pytest.approx(0.9243, abs=1e-4)  # classifier A of the seeds
    models = [{"acc": 0.90, "ms": 80}, {"acc": 0.92, "ms": 95}, {"acc": 0.95, "ms": 1500}]
    assert satisficing_choice(models, "acc", {"ms": 100})["acc"] == 0.92
    with pytest.raises(ValueError, match="no candidate meets"):
        satisficing_choice(models, "acc", {"ms": 10})


def test_misclassified_and_resampling():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert misclassified([0, 0, 1, 1], probs) == [(1, 0, 1, 0.8), (2, 1, 0, 0.6)]
    y = np.array([0] * 90 + [1] * 10)
    idx = resample_indices(y)
    assert np.bincount(y[idx]).tolist() == [90, 90] and set(idx[y[idx] == 1]) == set(range(90, 100))
