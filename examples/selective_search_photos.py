"""Selective search: proposals on scikit-learn's two photos, and their recall on the shapes set.

Run: python examples/selective_search_photos.py [OUT.png] [--n-shapes 300]

For each bundled photo (china.jpg, flower.jpg, halved to 214×320) it shows the
Felzenszwalb–Huttenlocher over-segmentation (k = 100) and the 40 best-ranked boxes of
selective search ("fast": HSV and Lab, k = 50 and 100, two similarity sets). It then runs
selective search on ``--n-shapes`` held-out synthetic shapes images (generator seed 1, the
images the detectors are scored on) and prints the recall of the ground-truth boxes at
IoU ≥ 0.5 (and 0.7) with the top 10 / 100 / 500 proposals, and the time per image.
"""

import argparse
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnlab.data import make_shapes, resize_bilinear
from nnlab.data.datasets.shapes import photo_backgrounds
from nnlab.vision.felzenszwalb import felzenszwalb
from nnlab.vision.selective_search import proposal_recall, selective_search


def shapes_recall(n: int) -> dict:
    test = make_shapes(n, seed=1)
    wall, cpu = time.perf_counter(), time.process_time()
    proposals = [selective_search(image) for image in test.images]
    wall, cpu = (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
    result = {f"recall@{k}": proposal_recall(proposals, test.boxes, k) for k in (10, 100, 500)}
    result.update({f"recall@{k} iou0.7": proposal_recall(proposals, test.boxes, k, 0.7) for k in (100, 500)})
    result.update({"proposals_per_image": float(np.mean([len(p) for p in proposals])),
                   "seconds_per_image": wall, "cpu_seconds_per_image": cpu})
    return result


def main(out: str = "selective_search_photos.png", n_shapes: int = 300) -> dict:
    fig = Figure(figsize=(11, 7.5))
    FigureCanvasAgg(fig)
    colours = np.random.default_rng(0).random((4096, 3))
    result = {}
    for row, (name, photo) in enumerate(zip(("china", "flower"), photo_backgrounds())):
        image = resize_bilinear(np.ascontiguousarray(photo.transpose(2, 0, 1)), (214, 320)).clip(0, 1)
        wall = time.perf_counter()
        boxes = selective_search(image)
        result[f"{name}_proposals"] = len(boxes)
        result[f"{name}_seconds"] = time.perf_counter() - wall
        segments = felzenszwalb(image, scale=100)
        ax = fig.add_subplot(2, 2, 2 * row + 1)
        ax.imshow(colours[segments % len(colours)])
        ax.set_title(f"{name}: Felzenszwalb–Huttenlocher, k = 100 ({segments.max() + 1} regions)", fontsize=9)
        ax = fig.add_subplot(2, 2, 2 * row + 2)
        ax.imshow(image.transpose(1, 2, 0))
        for b in boxes[:40]:
            ax.add_patch(Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, lw=1, color="yellow"))
        ax.set_title(f"{name}: top 40 of {len(boxes)} selective-search boxes", fontsize=9)
        for a in fig.axes[-2:]:
            a.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    if n_shapes:
        result.update(shapes_recall(n_shapes))
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()})
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="selective_search_photos.png")
    p.add_argument("--n-shapes", type=int, default=300)
    a = p.parse_args()
    main(a.out, a.n_shapes)
