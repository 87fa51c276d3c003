"""Landmark detection: a CNN regresses the five landmarks (l_x, l_y) of the one shape in a 64×64 image.

Run: python examples/landmarks.py [OUT.png] [--epochs E] [--n N]

The landmarks are the shape's centre and its top, right, bottom and left extreme points (a
triangle's apex and base corners), as fractions of the image; the error reported is the
mean Euclidean distance in pixels on held-out images.
"""

import argparse
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.models.detection import landmark_loss, landmark_net, landmark_targets, mean_landmark_error
from nnlab.train import Trainer


def main(out: str = "landmarks.png", epochs: int = 34, n: int = 8000) -> dict:
    nnlab.manual_seed(0)
    train = make_shapes(n, min_objects=1, max_objects=1, seed=0)
    test = make_shapes(500, min_objects=1, max_objects=1, seed=1)
    model = landmark_net(5, 64)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    trainer = Trainer(model, landmark_loss, opt, scheduler=optim.CosineAnnealingLR(opt, T_max=epochs), metrics=())
    wall, cpu = time.perf_counter(), time.process_time()
    loader = DataLoader(TensorDataset(train.images, landmark_targets(train.keypoints, 64)), batch_size=32, shuffle=True)
    trainer.fit(loader, epochs=epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pred = trainer.predict(test.images)
    error = mean_landmark_error(pred, landmark_targets(test.keypoints, 64), 64)
    fig = Figure(figsize=(10, 2.8))
    FigureCanvasAgg(fig)
    for k in range(4):
        ax = fig.add_subplot(1, 4, k + 1)
        ax.imshow(test.images[k].transpose(1, 2, 0))
        ax.plot(*test.keypoints[k][0].T, "wo", ms=5, mfc="none", label="true")
        ax.plot(*(pred[k].reshape(-1, 2) * 64).T, "kx", ms=5, label="predicted")
        ax.axis("off")
    fig.axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"mean landmark error {error:.2f} px on 64×64 held-out images")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    result = {"mean_error_px": error, "train_seconds": wall, "train_cpu_seconds": cpu}
    print({k: round(v, 4) for k, v in result.items()})
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="landmarks.png")
    p.add_argument("--epochs", type=int, default=34)
    p.add_argument("--n", type=int, default=8000)
    a = p.parse_args()
    main(a.out, a.epochs, a.n)
