"""Gradients through depth and gradient checking: per-layer norms, and finite-difference error against ε.

Run: python examples/lessons_gradients.py [out_dir]

``lessons_layer_gradients.png``: ‖∂L/∂h_l‖ for the 20 blocks of a deep sigmoid MLP, a ReLU
MLP with He init and a residual ReLU MLP (``nnlab.diagnostics.layer_gradient_norms``).
``lessons_gradient_check.png``: the relative error of one- and two-sided differences
against backprop over ε on log-log axes, slopes 1 and 2 until round-off takes over.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nnlab.lessons.common import Timing
from nnlab.lessons.gradients import deep_gradient_norms, gradient_check_errors, loglog_slope
from nnlab.train.plots import new_figure, save_figure


def main(out_dir: str = ".", quick: bool = False) -> dict:
    timing = Timing.start()
    os.makedirs(out_dir, exist_ok=True)
    norms = {k: deep_gradient_norms(k) for k in ("sigmoid", "relu_he", "residual")}
    for k, g in norms.items():
        print(f"{k:>9}: ‖∂L/∂h_1‖ / ‖∂L/∂h_20‖ = {g.ratio():.2e}")
    epsilons = (1e-1, 1e-2, 1e-3, 1e-5) if quick else tuple(10.0 ** -k for k in np.arange(1, 7.5, 0.5))
    check = gradient_check_errors(epsilons)
    trunc = check["eps"] >= 1e-3
    slopes = (loglog_slope(check["eps"][trunc], check["one_sided"][trunc]),
              loglog_slope(check["eps"][trunc], check["two_sided"][trunc]))
    print(f"gradient check: slope {slopes[0]:.2f} (one-sided), {slopes[1]:.2f} (two-sided); best two-sided error "
          f"{check['two_sided'].min():.1e} at ε = {check['eps'][check['two_sided'].argmin()]:.0e}")
    fig = new_figure(7, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    for k, g in norms.items():
        ax.semilogy(np.arange(1, len(g.output_norms) + 1), g.output_norms, "o-", ms=3, label=k)
    ax.set_xlabel("block l (1 = next to the input)")
    ax.set_ylabel("‖∂L/∂h_l‖")
    ax.set_title("Gradient norm per layer, 20-block MLPs at initialization")
    ax.legend()
    fig.tight_layout()
    paths = [os.path.join(out_dir, "lessons_layer_gradients.png"), os.path.join(out_dir, "lessons_gradient_check.png")]
    save_figure(fig, paths[0], dpi=80)
    fig = new_figure(6, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.loglog(check["eps"], check["one_sided"], "o-", label=f"one-sided (slope {slopes[0]:.2f})")
    ax.loglog(check["eps"], check["two_sided"], "s-", label=f"two-sided (slope {slopes[1]:.2f})")
    ax.set_xlabel("ε")
    ax.set_ylabel("relative difference to backprop")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, paths[1], dpi=80)
    print(f"figures: {paths}; {timing.stop()}")
    return {"norms": norms, "check": check, "slopes": slopes, "paths": paths}


if __name__ == "__main__":
    main(*sys.argv[1:2])
