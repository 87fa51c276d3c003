"""What successive CNN layers see (ZFNet-style top activating patches) and pooling's shift invariance.

Run: python examples/lessons_cnn_features.py [out_dir]

A two-conv-layer CNN is trained on the 8×8 digits; for every channel of each layer the
nine training images that activate it most are found, and the receptive-field patch that
drove the unit is cut out (3×3 pixels for layer 1, 8×8 for layer 2). The grid is saved as
``lessons_cnn_features.png``; the class purity of each layer's top images is printed, then
the relative change of conv features under 1- and 2-pixel shifts with and without pooling.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from nnlab.lessons.cnn_features import class_purity, pooling_invariance, top_activating_patches, train_digits_cnn
from nnlab.lessons.common import Timing, predict_array
from nnlab.train.plots import new_figure, save_figure


def plot_patches(layers: dict, path: str, channels: int = 8) -> str:
    """One row per channel: its nine top patches, layer by layer side by side."""
    fig = new_figure(2 * 9 * len(layers) / 3, channels * 0.75)
    for col, (name, r) in enumerate(layers.items()):
        patches = r["patches"]
        for ch in range(min(channels, len(patches))):
            row = np.concatenate([np.pad(p, 1, constant_values=0.5) for p in patches[ch]], axis=1)  # grey frames
            ax = fig.add_subplot(channels, len(layers), ch * len(layers) + col + 1)
            ax.imshow(row, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if ch == 0:
                ax.set_title(f"{name}: top 9 patches per channel")
    fig.tight_layout()
    save_figure(fig, path, dpi=80)
    return path


def main(out_dir: str = ".") -> dict:
    timing = Timing.start()
    os.makedirs(out_dir, exist_ok=True)
    model, d = train_digits_cnn()
    print(f"digits CNN test accuracy {np.mean(predict_array(model, d.X_test).argmax(1) == d.y_test):.3f}")
    layers = {name: top_activating_patches(model, d.X_train, name) for name in ("conv1", "conv2")}
    purity = {name: class_purity(r["indices"], d.y_train) for name, r in layers.items()}
    print("class purity of each channel's top-9 images:", {k: round(v, 3) for k, v in purity.items()})
    shifts = pooling_invariance(shifts=(1, 2, 3))
    for name, by_shift in shifts.items():
        print(f"{name:>11}: relative feature change by shift", {s: round(v, 3) for s, v in by_shift.items()})
    path = plot_patches(layers, os.path.join(out_dir, "lessons_cnn_features.png"))
    print(f"figure: {path}; {timing.stop()}")
    return {"purity": purity, "shifts": shifts, "path": path}


if __name__ == "__main__":
    main(*sys.argv[1:2])
