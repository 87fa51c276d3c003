"""Multi-task (one trunk, four sigmoid outputs, "?" skipped) vs four single-task networks on digit questions."""

import numpy as np

from nnlab.lessons.multitask import compare, hide_labels, task_labels


def test_labels_and_missing_entries():
    Y = task_labels(np.array([0, 5, 7]))
    assert Y.tolist() == [[1, 0, 1, 0], [0, 1, 0, 1], [0, 1, 0, 1]]
    H = hide_labels(task_labels(np.arange(10).repeat(50)), 0.75, 0)
    frac = np.isnan(H).mean()
    assert 0.5 < frac < 0.6 and (~np.isnan(H)).sum(1).min() == 1  # every row keeps at least one answer
    assert np.all((H == task_labels(np.arange(10).repeat(50))) | np.isnan(H))


def test_multitask_beats_separate_models_with_few_labels_each():
    r = compare(n_train=100, missing=0.75, seeds=2)
    multi, single = np.array(r["multi-task"]), np.array(r["single-task"])
    # measured (100 digits, 75 % of answers "?", 2 seeds): mean dev error 11.5 % multi-task vs 13.2 % single-task;
    # per task (even, ≥5, loop, prime) 13.9/14.3/10.4/7.4 vs 15.2/18.9/10.2/8.5 %
    assert multi.mean() < single.mean() - 0.01
    assert (multi <= single + 0.005).sum() >= 3
