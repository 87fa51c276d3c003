"""A GAN on the ring of 8 Gaussians: modes covered and the share of high-quality samples over training.

Two MLP players (2-D noise, two hidden layers of 128) trained with Adam (lr 1e-3, β₁ = 0.5)
through the Trainer (GANStep), for each generator loss (non-saturating, minimax) and for
k = 1 and k = 5 discriminator steps per generator step. Every epoch 2,000 samples are
scored by ``mode_coverage``: a sample within 3σ of a centre is high quality, a mode with at
least 1 % of the samples is covered. Mode collapse shows as covered modes stuck below 8.

    python examples/gan_ring.py [OUT_DIR] [EPOCHS]     (figures go to OUT_DIR, default figures/)
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.generative import (
    GAN, GANStep, MLPDiscriminator, MLPGenerator, mode_coverage, ring_centers, ring_of_gaussians, save_point_clouds,
)
from nnlab.train import Trainer

SNAPSHOTS = (1, 5, 20, 50, 100)


class Snapshots(nnlab.train.Callback):
    """Keeps 1,000 generated points at chosen epochs (for the figure)."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs, self.points = set(epochs), {}

    def on_epoch_end(self, epoch, logs):
        if epoch + 1 in self.epochs:
            self.points[epoch + 1] = self.model.sample(1000)


def run(loss: str, k: int, epochs: int, seed: int = 0):
    nnlab.manual_seed(seed)
    X, _ = ring_of_gaussians(8192)
    gan = GAN(MLPGenerator(2, 2, (128, 128)), MLPDiscriminator(2, (128, 128)))
    betas = (0.5, 0.999)
    step = GANStep(gan, optim.Adam(gan.generator.parameters(), lr=1e-3, betas=betas),
                   optim.Adam(gan.discriminator.parameters(), lr=1e-3, betas=betas), k=k, loss=loss,
                   evaluate=lambda g, _x: {key: v for key, v in mode_coverage(g.sample(2000)).items() if key != "counts"})
    snaps = Snapshots(SNAPSHOTS)
    history = Trainer(gan, step_fn=step, callbacks=[snaps], quiet=True).fit(
        DataLoader(TensorDataset(X), batch_size=128 * k, shuffle=True), DataLoader(TensorDataset(X[:1]), 1),
        epochs=epochs)
    return history, snaps.points, mode_coverage(gan.sample(2000))


def plot_curves(results: dict, path: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6))
    FigureCanvasAgg(fig)
    for i, (key, label) in enumerate((("val_modes", "modes covered (of 8)"), ("val_hq_share", "high-quality share"))):
        ax = fig.add_subplot(1, 2, i + 1)
        for name, (history, _, _) in results.items():
            ax.plot(np.arange(1, len(history) + 1), history[key], label=name, linewidth=1)
        ax.set_xlabel("epoch (one pass over the 8,192 points)")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def main(out: str = "figures", epochs: int = 100) -> dict:
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()
    results = {}
    for loss, k in (("non_saturating", 1), ("minimax", 1), ("non_saturating", 5)):
        name = f"{loss}, k={k}"
        results[name] = history, points, final = run(loss, k, epochs)
        modes = np.asarray(history["val_modes"])
        last = slice(max(0, len(modes) - 10), None)
        print(f"{name:<22} final: {final['modes']} modes, {final['hq_share']:.3f} high quality, "
              f"per mode {final['counts'].tolist()}; last 10 epochs: modes {modes[last].min():.0f}–"
              f"{modes[last].max():.0f}, epochs with all 8 covered: {int((modes == 8).sum())}/{len(modes)}")
        shown = [e for e in SNAPSHOTS if e in points]
        save_point_clouds([points[e] for e in shown], [f"epoch {e}" for e in shown],
                          os.path.join(out, f"ring_{loss}_k{k}.png"), reference=ring_centers())
    plot_curves(results, os.path.join(out, "ring_modes.png"))
    print(f"figures in {out}/ ({time.perf_counter() - start:.0f} s)")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "figures", int(sys.argv[2]) if len(sys.argv) > 2 else 100)
