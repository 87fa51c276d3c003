"""R-CNN and Fast R-CNN on the synthetic shapes: train, score mAP@0.5, time each image.

Run: python examples/rcnn_shapes.py [OUT.png] [--n-train 400] [--n-test 300] [--epochs 10]
     [--runs runs/yolo-shapes runs/faster_rcnn-shapes]
     [--proposals boxes.npz [--proposals-only]]

Selective search ("fast") gives the proposals of ``--n-train`` training images (generator
seed 0) and of ``--n-test`` held-out images (seed 1, the images YOLO is scored on in
docs/detection.md). Each model trains through the Trainer (``train_on_proposals``: Adam 2e-3,
cosine schedule, ``--epochs`` epochs, 4 images × 32 sampled regions per batch):

- R-CNN: every region warped to 32×32 (10 % context) and run through its own CNN;
- Fast R-CNN with RoIPool, and the same network with RoIAlign: one backbone pass per image,
  regions pooled to 4×4 from the stride-4 feature map.

Each detector then runs on the held-out images one image at a time; the table gives
mAP@0.5 and seconds per image for the detector alone and with selective search added.
With ``--runs`` trained run folders (``nnlab train --model yolo|faster_rcnn --dataset shapes``)
are scored and timed on the same images, also one image at a time. The figure shows the
detections (score ≥ 0.5) on six held-out images, one row per two-stage model
(R-CNN, Fast R-CNN with RoIPool, with RoIAlign); true boxes dashed.
"""

import argparse
import json
import os
import time

import numpy as np

from nnlab.backend import manual_seed
from nnlab.data import make_shapes
from nnlab.models.detection.fast_rcnn import FastRCNN
from nnlab.models.detection.rcnn import RCNN
from nnlab.models.detection.region import train_on_proposals
from nnlab.models.detection.run import draw_detections, load_detector
from nnlab.vision.detection_metrics import evaluate_detections
from nnlab.vision.selective_search import proposal_recall, selective_search


def _clock():
    return time.perf_counter(), time.process_time()


def _since(start, n: int = 1) -> tuple[float, float]:
    return (time.perf_counter() - start[0]) / n, (time.process_time() - start[1]) / n


def _score(name: str, detect, test, proposal_seconds: float, rows: dict, train_seconds=None) -> list[dict]:
    start = _clock()
    detections = [detect(i) for i in range(len(test))]
    wall, cpu = _since(start, len(test))
    ev = evaluate_detections(detections, test.targets())
    rows[name] = {"map_50": ev.map_50, "map": ev.map, "seconds_per_image": wall, "cpu_seconds_per_image": cpu,
                  "with_proposals_seconds": wall + proposal_seconds, "train_seconds": train_seconds}
    print(name, {k: round(v, 4) if isinstance(v, float) else v for k, v in rows[name].items()}, flush=True)
    return detections


def _proposals(train, test, cache: str | None):
    """Selective-search boxes of every training and held-out image, and the seconds per image (wall, CPU).

    With ``cache`` an .npz holding them is read if it exists, else written.
    """
    if cache and os.path.exists(cache):
        with np.load(cache, allow_pickle=False) as z:
            n, m = len(train), len(test)
            if int(z["n_train"]) != n or int(z["n_test"]) != m:
                raise ValueError(f"{cache} holds proposals of {int(z['n_train'])} + {int(z['n_test'])} images, not {n} + {m}")
            props = [z[f"p{i}"] for i in range(n + m)]
            return props[:n], props[n:], float(z["wall"]), float(z["cpu"])
    start = _clock()
    props = [selective_search(image) for image in np.concatenate([train.images, test.images])]
    wall, cpu = _since(start, len(props))
    if cache:
        np.savez(cache, n_train=len(train), n_test=len(test), wall=wall, cpu=cpu,
                 **{f"p{i}": p for i, p in enumerate(props)})
    return props[:len(train)], props[len(train):], wall, cpu


def main(out: str = "rcnn_shapes.png", n_train: int = 400, n_test: int = 300, runs: tuple = (),
         cache: str | None = None, epochs: int = 10) -> dict:
    manual_seed(0)
    train, test = make_shapes(n_train, seed=0), make_shapes(n_test, seed=1)
    train_props, test_props, ss_wall, ss_cpu = _proposals(train, test, cache)
    rows: dict = {"selective_search": {"seconds_per_image": ss_wall, "cpu_seconds_per_image": ss_cpu,
                                       "recall@100": proposal_recall(test_props, test.boxes, 100),
                                       "recall@500": proposal_recall(test_props, test.boxes, 500)}}
    print("selective search", rows["selective_search"], flush=True)
    shown = {}

    models = {"R-CNN": lambda: RCNN(), "Fast R-CNN (RoIPool)": lambda: FastRCNN(pooler="pool"),
              "Fast R-CNN (RoIAlign)": lambda: FastRCNN(pooler="align")}
    for name, build in models.items():
        manual_seed(0)
        model = build()
        start = _clock()
        train_on_proposals(model, train.images, train_props, train.boxes, train.labels, epochs=epochs)
        trained = _since(start)
        shown[name] = _score(name, lambda i: model.detect(test.images[i:i + 1], test_props[i:i + 1], conf_threshold=0.01)[0], test,
                             ss_wall, rows, trained)
    for run_dir in runs:
        detector, cfg = load_detector(run_dir)
        name = {"yolo": "YOLO", "faster_rcnn": "Faster R-CNN", "mask_rcnn": "Mask R-CNN"}.get(cfg["model"], cfg["model"])
        _score(name, lambda i: detector.detect(test.images[i:i + 1], conf_threshold=0.01)[0], test, 0.0, rows)
        rows[name]["with_proposals_seconds"] = None  # their proposals come from the network itself
    images = np.concatenate([test.images[:6]] * len(shown))  # one row of six images per model
    kept = [{k: v[d["scores"] >= 0.5] for k, v in d.items()} for dets in shown.values() for d in dets[:6]]
    draw_detections(images, kept, out, test.classes, truths=test.targets()[:6] * len(shown), cols=6)
    print(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="rcnn_shapes.png")
    p.add_argument("--n-train", type=int, default=400)
    p.add_argument("--n-test", type=int, default=300)
    p.add_argument("--runs", nargs="*", default=(), help="trained run folders (yolo, faster_rcnn) to score alike")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--proposals", default=None, help="an .npz caching the selective-search boxes (read or written)")
    p.add_argument("--proposals-only", action="store_true", help="compute (and cache) the proposals, then stop")
    a = p.parse_args()
    if a.proposals_only:
        _proposals(make_shapes(a.n_train, seed=0), make_shapes(a.n_test, seed=1), a.proposals)
    else:
        main(a.out, a.n_train, a.n_test, a.runs, a.proposals, a.epochs)
