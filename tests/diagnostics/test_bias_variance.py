import pytest

from nnlab.diagnostics.bias_variance import diagnose


def test_seed_example_bias():
    d = diagnose(human=0.01, train=0.08, dev=0.10)
    assert d.problem == "avoidable bias"
    assert d.gaps["avoidable bias"] == pytest.approx(0.07) and d.gaps["variance"] == pytest.approx(0.02)
    assert "bigger model" in d.remedy


def test_seed_example_variance():
    d = diagnose(human=0.075, train=0.08, dev=0.10)
    assert d.problem == "variance" and d.gaps["avoidable bias"] == pytest.approx(0.005)
    assert "more training data" in d.remedy


def test_data_mismatch_and_dev_overfit():
    d = diagnose(human=0.0, train=0.01, train_dev=0.015, dev=0.10)
    assert d.problem == "data mismatch" and "synthesis" in d.remedy
    d = diagnose(human=0.0, train=0.01, train_dev=0.015, dev=0.02, test=0.08)
    assert d.problem == "dev overfitting" and "bigger dev set" in d.remedy


def test_bad_error_value():
    with pytest.raises(ValueError, match="train error"):
        diagnose(human=0.01, train=8.0, dev=0.1)
