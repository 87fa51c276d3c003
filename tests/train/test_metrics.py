"""Metrics against hand-computed values (and scikit-learn as a second opinion)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from nnlab.autograd import Tensor
from nnlab.train.metrics import accuracy, classification_report, confusion_matrix, precision_recall_f1, to_labels

# 3 classes, 8 samples; class 2 is never predicted.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 1])
Y_PRED = np.array([0, 1, 0, 1, 1, 1, 0, 1])
# By hand: rows true, columns predicted.
CM = np.array([[2, 1, 0],
               [0, 3, 0],
               [1, 1, 0]])
# class 0: TP 2, FP 1, FN 1 -> P 2/3, R 2/3; class 1: TP 3, FP 2, FN 0 -> P 3/5, R 1; class 2: P 0 (undefined), R 0.
P = np.array([2 / 3, 3 / 5, 0.0])
R = np.array([2 / 3, 1.0, 0.0])
F1 = np.array([2 / 3, 2 * 0.6 / 1.6, 0.0])
SUPPORT = np.array([3, 3, 2])


def test_accuracy_from_labels_logits_and_probabilities():
    assert accuracy(Y_TRUE, Y_PRED) == 5 / 8
    logits = np.eye(3, dtype=np.float32)[Y_PRED] * 4 - 1
    assert accuracy(Tensor(Y_TRUE), Tensor(logits)) == 5 / 8
    assert accuracy(np.eye(3)[Y_TRUE], logits) == 5 / 8  # one-hot targets
    assert accuracy([1, 0, 1, 1], np.array([0.9, 0.2, 0.4, 0.7])) == 0.75  # probabilities: cut at 0.5
    assert accuracy([1, 0, 1, 1], np.array([[2.0], [-1.0], [-0.5], [0.1]])) == 0.75  # logits: cut at 0
    assert accuracy([1, 0], np.array([0.3, 0.2]), threshold=0.25) == 1.0
    assert accuracy([1, 0], np.array([0.3, 0.2]), threshold=0.35) == 0.5


def test_to_labels_rejects_strings_and_accuracy_rejects_mismatch():
    with pytest.raises(TypeError, match="dtype"):
        to_labels(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"shape \(3,\) but y_pred gives \(2,\)"):
        accuracy([0, 1, 1], [0, 1])


def test_confusion_matrix_by_hand():
    cm = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, CM)
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), CM)  # inferred C
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED, 4)[:3, :3], CM)
    with pytest.raises(ValueError, match=r"y_true has labels in \[0, 2\], outside \[0, 1\]"):
        confusion_matrix(Y_TRUE, Y_PRED, 2)


def test_precision_recall_f1_per_class_and_averages():
    p, r, f = precision_recall_f1(Y_TRUE, Y_PRED, 3)
    np.testing.assert_allclose(p, P)
    np.testing.assert_allclose(r, R)
    np.testing.assert_allclose(f, F1)
    macro = precision_recall_f1(Y_TRUE, Y_PRED, 3, average="macro")
    np.testing.assert_allclose(macro, (P.mean(), R.mean(), F1.mean()))
    weighted = precision_recall_f1(Y_TRUE, Y_PRED, 3, average="weighted")
    w = SUPPORT / SUPPORT.sum()
    np.testing.assert_allclose(weighted, ((P * w).sum(), (R * w).sum(), (F1 * w).sum()))
    np.testing.assert_allclose(precision_recall_f1(Y_TRUE, Y_PRED, 3, average="micro"), (5 / 8,) * 3)
    with pytest.raises(ValueError, match="average must be one of"):
        precision_recall_f1(Y_TRUE, Y_PRED, average="binary")


@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
def test_matches_sklearn_on_random_labels(average):
    rng = np.random.default_rng(3)
    t, pr = rng.integers(0, 5, 200), rng.integers(0, 4, 200)  # class 4 never predicted
    ours = precision_recall_f1(t, pr, 5, average=average)
    theirs = skm.precision_recall_fscore_support(t, pr, labels=range(5), average=average, zero_division=0)[:3]
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    np.testing.assert_array_equal(confusion_matrix(t, pr, 5), skm.confusion_matrix(t, pr, labels=range(5)))


def test_classification_report_rows():
    text = classification_report(Y_TRUE, Y_PRED, 3, target_names=["cat", "dog", "fox"], digits=2)
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert rows["cat"] == ["0.67", "0.67", "0.67", "3"]
    assert rows["dog"] == ["0.60", "1.00", "0.75", "3"]
    assert rows["fox"] == ["0.00", "0.00", "0.00", "2"]
    assert rows["accuracy"] == ["0.62", "8"]
    assert rows["macro"] == ["avg", f"{P.mean():.2f}", f"{R.mean():.2f}", f"{F1.mean():.2f}", "8"]
    with pytest.raises(ValueError, match="2 target_names for 3 classes"):
        classification_report(Y_TRUE, Y_PRED, 3, target_names=["a", "b"])
