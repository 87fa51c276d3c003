"""Bias, variance, data mismatch and dev-set overfitting from a model's errors, with the seeds' remedies.

Given human-level error (the proxy for Bayes error) and the training, train-dev, dev and test
errors, the gaps are

- avoidable bias   = train − human
- variance         = train-dev − train
- data mismatch    = dev − train-dev
- dev overfitting  = test − dev

and the largest gap says what to work on next. The seeds' worked example: human 1 %,
train 8 %, dev 10 % → avoidable bias 7 % > variance 2 %: fix bias; with human 7.5 %,
avoidable bias is 0.5 % < variance 2 %: fix variance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REMEDIES = {
    "avoidable bias": "train a bigger model; train longer / use a better optimizer (momentum, RMSprop, Adam); "
                      "search the architecture and hyperparameters",
    "variance": "get more training data; regularize (L2, dropout, data augmentation); "
                "search the architecture and hyperparameters",
    "data mismatch": "do error analysis of train-dev vs dev to understand the difference; make the training data "
                     "more like dev/test (artificial data synthesis) or collect more data like dev/test",
    "dev overfitting": "get a bigger dev set (the dev set has been tuned to)",
}


@dataclass
class Diagnosis:
    """The gaps between successive errors and the problem to fix first (the largest gap)."""

    gaps: dict[str, float]
    problem: str
    remedy: str

    def __str__(self) -> str:
        lines = [f"{k:>16}: {v * 100:6.2f} %" for k, v in self.gaps.items()]
        lines.append(f"largest gap: {self.problem} -> {self.remedy}")
        return "\n".join(lines)


def _check(name: str, v: float | None) -> None:
    if v is not None and not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise ValueError(f"diagnose: {name} error must be a fraction in [0, 1], got {v}")


def diagnose(human: float, train: float, dev: float, train_dev: float | None = None,
             test: float | None = None) -> Diagnosis:
    """The seeds' bias / variance / mismatch analysis of error rates (fractions, 0.08 = 8 %).

    Args:
        human: human-level error, the proxy for Bayes error.
        train: training error.
        dev: dev error.
        train_dev: train-dev error (same distribution as training, not trained on). Default: None
            — then variance is dev − train and mismatch is not measured.
        test: test error. Default: None (dev overfitting not measured).
    """
    for name, v in (("human", human), ("train", train), ("dev", dev), ("train_dev", train_dev), ("test", test)):
        _check(name, v)
    gaps = {"avoidable bias": train - human}
    if train_dev is None:
        gaps["variance"] = dev - train
    else:
        gaps["variance"] = train_dev - train
        gaps["data mismatch"] = dev - train_dev
    if test is not None:
        gaps["dev overfitting"] = test - dev
    problem = max(gaps, key=gaps.get)
    return Diagnosis(gaps, problem, REMEDIES[problem])
