"""The loss landscape: a saddle where gradient descent stalls, and convex against non-convex losses, plotted.

Run: python examples/lessons_landscape.py [out_dir]

``lessons_saddle.png``: the paths of gradient descent, momentum and Adam on
f(x, y) = x² + y⁴/4 − y²/2 from (1, 10⁻⁶), with the steps each needed to get below −0.24.
``lessons_loss_slices.png``: logistic regression's loss along a line (convex: under every
chord) and an MLP's along the segment joining a trained network to its hidden-unit
permutation (a barrier between two equal minima), with 2-D slices of both.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nnlab.lessons.common import Timing
from nnlab.lessons.optimization_landscape import (convexity_violation, landscape_models, loss_along_line,
                                                  loss_on_plane, saddle_escape, saddle_function)
from nnlab.train.plots import new_figure, save_figure


def main(out_dir: str = ".", quick: bool = False) -> dict:
    timing = Timing.start()
    os.makedirs(out_dir, exist_ok=True)
    runs = {o: saddle_escape(o) for o in ("sgd", "momentum", "adam")}
    for o, r in runs.items():
        print(f"{o:>9}: {r['steps']} steps to f < -0.24 (lr 0.05)")
    fig = new_figure(6, 5)
    ax = fig.add_subplot(1, 1, 1)
    g = np.linspace(-1.2, 1.2, 200)
    gx, gy = np.meshgrid(g, np.linspace(-1.5, 1.5, 200))
    ax.contour(gx, gy, saddle_function(np.stack([gx, gy])), levels=30, linewidths=0.5)
    for o, r in runs.items():
        ax.plot(r["path"][:, 0], r["path"][:, 1], ".-", ms=2, label=f"{o}: {r['steps']} steps")
    ax.plot([0], [0], "kx")
    ax.set_title("f(x, y) = x² + y⁴/4 − y²/2: escaping the saddle at 0")
    ax.legend()
    fig.tight_layout()
    paths = [os.path.join(out_dir, "lessons_saddle.png"), os.path.join(out_dir, "lessons_loss_slices.png")]
    save_figure(fig, paths[0], dpi=80)

    models = landscape_models()
    fig = new_figure(10, 7.5)
    violations = {}
    for col, name in enumerate(("logistic", "mlp")):
        model, loss, a, b = models[name]
        ts, values = loss_along_line(model, loss, a, b)
        violations[name] = convexity_violation(ts, values)
        ax = fig.add_subplot(2, 2, col + 1)
        ax.plot(ts, values)
        ax.plot([0, 1], [values[np.isclose(ts, 0)][0], values[np.isclose(ts, 1)][0]], "k--", lw=1, label="chord")
        ax.set_xlabel("t, θ = (1 − t)·a + t·b")
        ax.set_ylabel("cross-entropy")
        ax.set_title(f"{name}: max above chord {violations[name]:.3f}")
        ax.legend()
        rng = np.random.default_rng(0)
        d2 = rng.standard_normal(len(a))
        d2 *= np.linalg.norm(b - a) / np.linalg.norm(d2)
        grid, plane = loss_on_plane(model, loss, a, b - a, d2, extent=1.25, steps=7 if quick else 25)
        ax = fig.add_subplot(2, 2, col + 3)
        cs = ax.contourf(grid, grid, np.log(plane), levels=25)
        fig.colorbar(cs, ax=ax, label="log loss")
        ax.plot([0, 1], [0, 0], "w.")
        ax.set_title(f"{name}: 2-D slice through a and b")
    fig.tight_layout()
    save_figure(fig, paths[1], dpi=80)
    print(f"convexity violation along the line: logistic {violations['logistic']:.4f}, MLP {violations['mlp']:.4f}")
    print(f"figures: {paths}; {timing.stop()}")
    return {"runs": runs, "violations": violations, "paths": paths}


if __name__ == "__main__":
    main(*sys.argv[1:2])
