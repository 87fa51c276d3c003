"""Regularization and normalization, measured: dropout, weight decay, input noise, batch norm, whitening, LN-LSTM.

Run: python examples/lessons_normalization.py [out_dir]

Prints every number of the regularization and normalization lessons and saves
``lessons_covariate_shift.png`` (drift of the last layer's input distribution during
training, with and without batch norm) and ``lessons_batch_dependence.png`` (BN's
dependence on the batch against GroupNorm's, by batch size).
"""

from __future__ import annotations

import os
import sys

from nnlab.lessons.common import Timing
from nnlab.lessons.normalization import (batch_dependence, bn_regularization, covariate_shift,
                                         train_test_inconsistency, whitening_check)
from nnlab.lessons.recurrent_normalization import compare_cells, recurrent_statistics
from nnlab.lessons.regularization import dropout_expectations, dropout_vs_weight_decay, input_noise_vs_l2
from nnlab.train.plots import new_figure, save_figure


def main(out_dir: str = ".", quick: bool = False) -> dict:
    timing = Timing.start()
    os.makedirs(out_dir, exist_ok=True)
    r = {"dropout": dropout_expectations(), "rescaling": dropout_vs_weight_decay(), "noise": input_noise_vs_l2()}
    print("dropout, |E[train output] − test output| / |test output|:",
          {k: round(v, 4) for k, v in r["dropout"].items()})
    print("effective coefficient of feature 0 (original, rescaled ×0.1): dropout",
          tuple(round(v, 3) for v in r["rescaling"]["dropout"]), "weight decay",
          tuple(round(v, 3) for v in r["rescaling"]["weight_decay"]))
    print(f"input noise σ = 0.7: distance to ridge {r['noise']['distance_to_ridge']:.3f}, "
          f"to least squares {r['noise']['distance_to_ols']:.3f}")
    r["batch"] = batch_dependence()
    print("output spread of one sample over batch companions:",
          {k: {b: round(v, 4) for b, v in d.items()} for k, d in r["batch"].items()})
    r["inconsistency"] = train_test_inconsistency()
    print("BN train mode vs eval mode:", {k: round(v, 3) for k, v in r["inconsistency"].items()})
    r["shift"] = covariate_shift()
    print(f"drift of the last layer's inputs after 10 epochs: BN {r['shift']['bn_final']:.2f}, "
          f"plain {r['shift']['plain_final']:.2f}")
    r["whitening"] = whitening_check()
    print("whitening:", {k: round(v, 4) for k, v in r["whitening"].items()})
    r["recurrent"] = recurrent_statistics()
    print(f"LSTM recurrent pre-activation batch std at t = 0, 1, 19: {r['recurrent']['std'][0]:.4f}, "
          f"{r['recurrent']['std'][1]:.4f}, {r['recurrent']['std'][-1]:.4f}")
    r["cells"] = compare_cells(length=10, n_train=1024, epochs=5) if quick else compare_cells()
    print("adding problem, dev MSE:", {k: round(v, 4) for k, v in r["cells"].items()})
    if not quick:
        r["bn_gap"] = bn_regularization()
        print("train/dev gap at batch 8:", r["bn_gap"])
    fig = new_figure(6, 4)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(r["shift"]["plain"], "o-", label="without BN")
    ax.plot(r["shift"]["bn"], "s-", label="with BN")
    ax.set_xlabel("epoch")
    ax.set_ylabel("drift of (μ, σ) of the last layer's inputs / σ₀")
    ax.legend()
    fig.tight_layout()
    paths = [os.path.join(out_dir, name) for name in ("lessons_covariate_shift.png", "lessons_batch_dependence.png")]
    save_figure(fig, paths[0], dpi=80)
    fig = new_figure(6, 4)
    ax = fig.add_subplot(1, 1, 1)
    for name, by_b in r["batch"].items():
        ax.loglog(list(by_b), [max(v, 1e-8) for v in by_b.values()], "o-", label=name)
    ax.set_xlabel("batch size B")
    ax.set_ylabel("std of one sample's output over batches")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, paths[1], dpi=80)
    print(f"figures: {paths}; {timing.stop()}")
    r["paths"] = paths
    return r


if __name__ == "__main__":
    main(*sys.argv[1:2])
