"""What hidden layers buy: XOR / moons / spirals, the hidden layer's view, universal approximation, depth vs width.

Run: python examples/lessons_capacity.py [out_dir]

Logistic regression and a 2-32-32-2-1 tanh MLP are fitted to each toy set. The figure
``lessons_hidden_view.png`` shows, per set, the input plane with the MLP's decision regions
and the same points as the output layer sees them — the two units of the last hidden
layer — where a straight line now separates the classes. The script then prints the
fitting error of a 1-H-1 network against H (universal approximation) and the deep-narrow
against shallow-wide comparison at equal parameter count on the tent map T∘T∘T
(``lessons_depth_width.png``).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nnlab.lessons.capacity import TOY_SETS, depth_vs_width, mlp_vs_logistic, universal_approximation
from nnlab.lessons.common import Timing, predict_array
from nnlab.train.plots import new_figure, save_figure


def plot_hidden_views(results: dict, path: str) -> str:
    """Input space with decision regions (top) and the hidden layer's view (bottom), one column per set."""
    fig = new_figure(4 * len(results), 8)
    for col, (name, r) in enumerate(results.items()):
        X, y = r["X"], r["labels"]
        ax = fig.add_subplot(2, len(results), col + 1)
        g = np.linspace(X.min() - 0.5, X.max() + 0.5, 150, dtype=np.float32)
        gx, gy = np.meshgrid(g, g)
        z = predict_array(r["model"], np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
        ax.contourf(gx, gy, z > 0, alpha=0.25, cmap="coolwarm")
        ax.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="coolwarm")
        ax.set_title(f"{name}: logistic {r['logistic_accuracy']:.2f}, MLP {r['mlp_accuracy']:.2f}")
        ax = fig.add_subplot(2, len(results), len(results) + col + 1)
        ax.scatter(r["view"][:, 0], r["view"][:, 1], c=y, s=6, cmap="coolwarm")
        head = r["model"][1]
        w, b = head.weight.detach().numpy()[0], float(head.bias.detach().numpy()[0])
        xs = np.linspace(-1, 1, 2)
        if abs(w[1]) > 1e-8:
            ax.plot(xs, -(w[0] * xs + b) / w[1], "k--", lw=1)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_title("hidden layer's view (2 tanh units)")
    fig.tight_layout()
    save_figure(fig, path, dpi=80)
    return path


def plot_depth_width(uat: dict, dw: dict, path: str) -> str:
    """Error against width (log-log) beside the depth-vs-width bar chart."""
    fig = new_figure(9, 3.8)
    ax = fig.add_subplot(1, 2, 1)
    ax.loglog(list(uat), list(uat.values()), "o-")
    ax.set_xlabel("hidden units H")
    ax.set_ylabel("training MSE")
    ax.set_title("one hidden layer, sin(3x) + 0.3x²")
    ax = fig.add_subplot(1, 2, 2)
    ax.bar(["deep 1-8-8-8-1", f"shallow 1-{dw['shallow_width']}-1"], [dw["deep_mse"], dw["shallow_mse"]])
    ax.axhline(dw["target_var"], color="k", ls="--", lw=1, label="target variance")
    ax.set_ylabel("MSE on T∘T∘T")
    ax.set_title(f"{dw['deep_params']} parameters each")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=80)
    return path


def main(out_dir: str = ".") -> dict:
    timing = Timing.start()
    os.makedirs(out_dir, exist_ok=True)
    results = {name: mlp_vs_logistic(name) for name in TOY_SETS}
    for name, r in results.items():
        print(f"{name:>8}: logistic regression {r['logistic_accuracy']:.3f}, MLP {r['mlp_accuracy']:.3f}")
    uat = universal_approximation()
    print("universal approximation, MSE by width:", {h: f"{e:.2e}" for h, e in uat.items()})
    dw = depth_vs_width()
    print(f"depth vs width ({dw['deep_params']} parameters each): deep MSE {dw['deep_mse']:.4f}, "
          f"shallow ({dw['shallow_width']} units) MSE {dw['shallow_mse']:.4f}, target variance {dw['target_var']:.4f}")
    paths = [plot_hidden_views(results, os.path.join(out_dir, "lessons_hidden_view.png")),
             plot_depth_width(uat, dw, os.path.join(out_dir, "lessons_depth_width.png"))]
    print(f"figures: {paths}; {timing.stop()}")
    return {"results": results, "uat": uat, "depth_width": dw, "paths": paths}


if __name__ == "__main__":
    main(*sys.argv[1:2])
