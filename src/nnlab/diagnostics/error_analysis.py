"""Error analysis, the seeds' way: look at the dev errors, tag them, and bound what fixing each tag can buy.

- :func:`misclassified` — the dev examples the model got wrong, as rows (index, true, predicted, confidence).
- :func:`tag_ceilings` — for each tag (user-given per error, or a callable tagger), the share of
  errors it covers and the *ceiling*: the dev error if every error of that tag were fixed,
  dev_error × (1 − share). The seeds' example: 100 errors of a 10 % dev error, 5 dogs → fixing
  dogs can at best bring the error to 9.5 %; 50 great cats → 5 %.
- :func:`satisficing_choice` — the best model by the optimizing metric among those whose
  satisficing metrics (latency, size) are within their bounds.
- :func:`f1` — the single-number metric 2PR / (P + R).
- :func:`resample_indices` — oversampling of the minority classes to balance an imbalanced set.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np


def misclassified(y_true, probs) -> list[tuple[int, int, int, float]]:
    """``(index, true, predicted, p(predicted))`` for each wrong prediction, most confident first."""
    y = np.asarray(y_true).reshape(-1)
    p = np.asarray(probs)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(f"misclassified: probs must be (N, K) with N = {len(y)}, got {p.shape}")
    pred = p.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    rows = [(int(i), int(y[i]), int(pred[i]), float(p[i, pred[i]])) for i in wrong]
    return sorted(rows, key=lambda r: -r[3])


def tag_ceilings(tags: Sequence[Sequence[str]] | Mapping[str, Callable[[int], bool]], dev_error: float,
                 errors: Sequence[int] | None = None) -> dict[str, dict[str, float]]:
    """Share of the errors each tag covers and the dev error if all of them were fixed.

    Args:
        tags: one list of tags per error (an error may have several), or ``{tag: f(error_index) -> bool}``.
        dev_error: the current dev error (fraction).
        errors: the error indices, needed with callable taggers.
    """
    if isinstance(tags, Mapping):
        if errors is None:
            raise ValueError("tag_ceilings: callable taggers need the error indices")
        per = [[t for t, f in tags.items() if f(i)] for i in errors]
    else:
        per = [list(t) for t in tags]
    if not per:
        raise ValueError("tag_ceilings: no errors to tag")
    names = sorted({t for ts in per for t in ts})
    out = {}
    for name in names:
        share = sum(name in ts for ts in per) / len(per)
        out[name] = {"share": share, "ceiling": dev_error * (1 - share), "gain": dev_error * share}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["share"]))


def f1(precision: float, recall: float) -> float:
    """F1 = 2PR / (P + R), the harmonic mean (0 when both are 0)."""
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def satisficing_choice(candidates: Sequence[Mapping[str, float]], optimize: str,
                       bounds: Mapping[str, float], maximize: bool = True) -> Mapping[str, float]:
    """The candidate best on ``optimize`` among those with every ``bounds`` metric ≤ its bound.

    The seeds' example: maximize accuracy subject to running time ≤ 100 ms.
    """
    ok = [c for c in candidates if all(c[k] <= v for k, v in bounds.items())]
    if not ok:
        raise ValueError(f"satisficing_choice: no candidate meets the bounds {dict(bounds)}")
    return (max if maximize else min)(ok, key=lambda c: c[optimize])


def resample_indices(y, seed: int = 0) -> np.ndarray:
    """Indices that oversample every class (with replacement) up to the largest class's count."""
    y = np.asarray(y).reshape(-1)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    n = counts.max()
    parts = [np.concatenate([np.flatnonzero(y == c), rng.choice(np.flatnonzero(y == c), n - k)])
             for c, k in zip(classes, counts)]
    return rng.permutation(np.concatenate(parts))
