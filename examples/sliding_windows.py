"""Sliding-window detection both ways: crop-and-classify vs the convolutional implementation.

Run: python examples/sliding_windows.py [OUT.png] [--epochs E]

Trains the seeds' 14×14 window classifier (conv 5×5×16 → pool → FC 400 → FC 400 → FC 4) on
crops of shapes images: background, circle, square, triangle. Then scores every 14×14 window
(stride 2) of 64×64 test images twice — cropping each window and classifying it, and one
forward pass of the same weights with the FC layers turned into convolutions — checks that
the scores agree and reports the time of both.
"""

import argparse
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.models.detection import WindowClassifier, conv_sliding_window_scores, sliding_window_scores
from nnlab.train import Trainer


def crops(n: int, seed: int):
    """14×14 crops: a whole shape (label 1 + class) or background (label 0), balanced."""
    data = make_shapes(n, max_objects=1, min_size=9, max_size=13, seed=seed)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for img, b, lab in zip(data.images, data.boxes, data.labels):
        cx, cy = (b[0, :2] + b[0, 2:]) / 2
        x0 = int(np.clip(round(cx - 7 + rng.integers(-1, 2)), 0, 50))
        y0 = int(np.clip(round(cy - 7 + rng.integers(-1, 2)), 0, 50))
        xs.append(img[:, y0 : y0 + 14, x0 : x0 + 14])
        ys.append(1 + int(lab[0]))
        # A background crop away from the object.
        for _ in range(20):
            bx, by = rng.integers(0, 51, 2)
            if bx + 14 <= b[0, 0] or bx >= b[0, 2] or by + 14 <= b[0, 1] or by >= b[0, 3]:
                xs.append(img[:, by : by + 14, bx : bx + 14])
                ys.append(0)
                break
    return np.stack(xs).astype(np.float32), np.array(ys, np.int64)


def main(out: str = "sliding_windows.png", epochs: int = 8) -> dict:
    nnlab.manual_seed(0)
    x, y = crops(3000, 0)
    clf = WindowClassifier(num_classes=4)
    trainer = Trainer(clf, nn.CrossEntropyLoss(), optim.Adam(clf.parameters(), lr=1e-3))
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True), epochs=epochs)
    xt, yt = crops(500, 1)
    accuracy = float((trainer.predict(xt).argmax(1) == yt).mean())
    conv = clf.to_convolutional()
    test = make_shapes(20, min_size=9, max_size=13, seed=2)
    t_crop = t_conv = 0.0
    diff = 0.0
    for img in test.images:
        t = time.perf_counter()
        a = sliding_window_scores(clf, img)
        t_crop += time.perf_counter() - t
        t = time.perf_counter()
        b = conv_sliding_window_scores(conv, img)
        t_conv += time.perf_counter() - t
        diff = max(diff, float(np.abs(a - b).max()))
    result = {"window_accuracy": accuracy, "max_score_difference": diff, "crop_seconds_per_image": t_crop / 20,
              "conv_seconds_per_image": t_conv / 20, "speed_up": t_crop / t_conv}
    fig = Figure(figsize=(10, 5))
    FigureCanvasAgg(fig)
    for k in range(4):
        scores = conv_sliding_window_scores(conv, test.images[k])
        p = np.exp(scores - scores.max(0))
        p /= p.sum(0)
        ax = fig.add_subplot(2, 4, k + 1)
        ax.imshow(test.images[k].transpose(1, 2, 0))
        ax.axis("off")
        ax = fig.add_subplot(2, 4, k + 5)
        ax.imshow(1 - p[0], vmin=0, vmax=1, cmap="magma")
        ax.set_title("P(object) per window", fontsize=8)
        ax.axis("off")
    fig.suptitle(f"26×26 windows per image: cropping {t_crop / 20 * 1e3:.0f} ms, one conv pass "
                 f"{t_conv / 20 * 1e3:.0f} ms ({t_crop / t_conv:.1f}×), max |Δscore| {diff:.1e}")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    print({k: round(v, 6) for k, v in result.items()})
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="sliding_windows.png")
    p.add_argument("--epochs", type=int, default=8)
    a = p.parse_args()
    main(a.out, a.epochs)
