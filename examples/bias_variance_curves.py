"""Bias and variance as figures: a learning curve and a weight-decay sweep on the digits.

    python examples/bias_variance_curves.py [OUT_DIR]

Writes ``structuring_learning_curve.png``, ``structuring_lambda_sweep.png`` and
``structuring_dropout_sweep.png`` to OUT_DIR (default ``docs/figures``) and prints the measured errors.
"""

import os
import sys
import time

from nnlab.diagnostics.curves import plot_curve
from nnlab.lessons.bias_variance import digits_dropout_sweep, digits_lambda_sweep, digits_learning_curve


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    lc = digits_learning_curve(seeds=3)
    print("softmax regression (λ = 0.01), mean of 3 seeds:\n" + lc.table())
    plot_curve(lc, os.path.join(out, "structuring_learning_curve.png"), "digits: learning curve", logx=True)
    sweep = digits_lambda_sweep(seeds=2)
    print("MLP 256, 300 digits with 25 % wrong labels, mean of 2 seeds:\n" + sweep.table())
    print(f"lowest dev error at λ = {sweep.best}")
    plot_curve(sweep, os.path.join(out, "structuring_lambda_sweep.png"), "digits: weight-decay sweep", logx=True)
    drop = digits_dropout_sweep()
    print("the same with dropout instead of λ, seed 0:\n" + drop.table())
    plot_curve(drop, os.path.join(out, "structuring_dropout_sweep.png"), "digits: dropout sweep")
    print(f"{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")


if __name__ == "__main__":
    main(*sys.argv[1:2])
