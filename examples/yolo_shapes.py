"""YOLO on the synthetic shapes: train (or reuse a run), score held-out images, plot precision–recall.

Run: python examples/yolo_shapes.py [OUT.png] [--run-dir runs/yolo-shapes]

Without ``--run-dir`` it trains the default run (``nnlab train --model yolo --dataset shapes``:
4000 images, 10 epochs, anchors by k-means with 1 − IoU). It then detects on 300 held-out
images (generator seed 1), prints mAP@0.5 and COCO's mAP@[.5:.95], and draws the
precision–recall curve of every class at IoU 0.5 and 0.75.
"""

import argparse
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlab.data import make_shapes
from nnlab.models.detection.run import DetectionRunConfig, load_detector, train_detection_run
from nnlab.vision.detection_metrics import evaluate_detections


def main(out: str = "yolo_pr_curves.png", run_dir: str | None = None) -> dict:
    if run_dir is None:
        config = DetectionRunConfig()
        train_detection_run(config)
        run_dir = config.run_dir
    model, cfg = load_detector(run_dir)
    test = make_shapes(cfg["n_test"], image_size=cfg["image_size"], seed=cfg["seed"] + 1)
    ev = evaluate_detections(model.detect(test.images, conf_threshold=0.01), test.targets())
    fig = Figure(figsize=(9, 4))
    FigureCanvasAgg(fig)
    for col, thr in enumerate((0.5, 0.75)):
        ax = fig.add_subplot(1, 2, col + 1)
        for k, name in enumerate(test.classes):
            prec, rec = ev.curves[(thr, k)]
            ax.plot(rec, prec, label=f"{name}: AP {ev.ap_per_class(thr)[k]:.3f}")
        ax.set_title(f"IoU ≥ {thr}: mAP {ev.map_at(thr):.3f}")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(f"YOLO on held-out shapes — COCO mAP@[.5:.95] {ev.map:.3f}")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    result = {"map_50": ev.map_50, "map_75": ev.map_at(0.75), "map": ev.map, "run_dir": os.path.abspath(run_dir)}
    print(result)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="yolo_pr_curves.png")
    p.add_argument("--run-dir", default=None)
    a = p.parse_args()
    main(a.out, a.run_dir)
