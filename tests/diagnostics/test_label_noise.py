import numpy as np
import pytest

from nnlab.diagnostics.label_noise import find_label_issues, precision_recall_of_flags


def _noisy(n=1000, k=5, flip=0.05, seed=0):
    rng = np.random.default_rng(seed)
    true = rng.integers(k, size=n)
    logits = rng.normal(size=(n, k)) + 4.0 * np.eye(k)[true]
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = true.copy()
    wrong = rng.choice(n, int(flip * n), replace=False)
    labels[wrong] = (true[wrong] + rng.integers(1, k, size=len(wrong))) % k
    return labels, probs, wrong


def test_flags_the_flipped_labels():
    labels, probs, wrong = _noisy()
    flagged = find_label_issues(labels, probs)
    precision, recall = precision_recall_of_flags(flagged, wrong)
    assert precision > 0.95 and recall > 0.5  # measured: precision 1.00, recall 0.76
    # ranked: the first flagged are (nearly) all truly wrong
    assert np.isin(flagged[:20], wrong).mean() >= 0.95


def test_agrees_with_cleanlab_on_the_same_probabilities():
    from cleanlab.filter import find_label_issues as cl_find

    labels, probs, _ = _noisy(seed=1)
    ours = set(find_label_issues(labels, probs).tolist())
    theirs = set(np.flatnonzero(cl_find(labels, probs, filter_by="confident_learning")).tolist())
    jaccard = len(ours & theirs) / len(ours | theirs)
    assert jaccard > 0.8


def test_bad_shapes():
    with pytest.raises(ValueError, match="find_label_issues: probs must be"):
        find_label_issues(np.zeros(3, int), np.ones((4, 2)))
