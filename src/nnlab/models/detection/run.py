"""Detection runs: ``nnlab train --model yolo --dataset shapes`` and ``nnlab detect RUN_DIR image.png``.

``--model faster_rcnn`` / ``mask_rcnn`` go to :mod:`nnlab.models.detection.two_stage_run`
(same config, same folder layout).

A YOLO run trains on freshly generated shapes images (:func:`nnlab.data.make_shapes`,
seed ``seed``), picks its anchors by k-means (1 − IoU) on the training boxes, trains
through :class:`~nnlab.train.Trainer` with a step function, scores held-out images
(generator seed ``seed + 1``) with mAP@0.5 and COCO's mAP@[.5:.95], and writes

- ``config.json`` — the :class:`DetectionRunConfig` and the anchors;
- ``model.safetensors`` — the weights; ``history.json`` — the loss terms per epoch;
- ``metrics.json`` — mAP@0.5, mAP@[.5:.95], AP per class, wall and CPU seconds;
- ``predictions.png`` — detections drawn on held-out images.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from nnlab.io.run_folder import read_run_config, write_run_json
from nnlab import optim
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset, make_shapes, read_image, resize_bilinear
from nnlab.data.datasets.shapes import SHAPE_CLASSES
from nnlab.io import load, save
from nnlab.models.detection.yolo import YOLO
from nnlab.models.detection.yolo_loss import YOLOLoss
from nnlab.train import Trainer
from nnlab.vision.anchors import kmeans_anchors
from nnlab.vision.detection_metrics import evaluate_detections

__all__ = ["DETECTION_MODELS", "DETECTION_DATASETS", "DetectionRunConfig", "train_detection_run", "load_detector",
           "detect_image", "draw_detections", "train_detection_cli", "detect_cli"]

DETECTION_MODELS = ("yolo", "faster_rcnn", "mask_rcnn")  # the two-stage ones run in two_stage_run.py
DETECTION_DATASETS = ("shapes",)


@dataclass
class DetectionRunConfig:
    """A YOLO run on the synthetic shapes (defaults: the documented ≥ 0.90 mAP@0.5 run).

    Args:
        n_train: training images (default 4000); n_test: held-out images (default 300).
        image_size: default 64 (an 8×8 grid); anchors: B (default 2); channels: backbone widths.
        epochs (default 10), batch_size (default 32), lr (Adam, cosine-annealed; default 2e-3).
        seed: data, initialization and shuffling (default 0). out / name: the run folder.
    """

    model: str = "yolo"
    dataset: str = "shapes"
    n_train: int = 4000
    n_test: int = 300
    image_size: int = 64
    anchors: int = 2
    channels: tuple[int, ...] = (16, 32, 64)
    epochs: int = 10
    batch_size: int = 32
    lr: float = 2e-3
    seed: int = 0
    out: str = "runs"
    name: str = ""

    def __post_init__(self) -> None:
        if self.model not in DETECTION_MODELS or self.dataset not in DETECTION_DATASETS:
            raise ValueError(f"detection runs train {DETECTION_MODELS} on {DETECTION_DATASETS}, "
                             f"got {self.model!r} on {self.dataset!r}")
        self.channels = tuple(int(c) for c in self.channels)
        for key in ("n_train", "n_test", "epochs", "batch_size", "anchors"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{key} must be positive, got {getattr(self, key)}")
        self.name = self.name or f"{self.model}-{self.dataset}"

    @property
    def run_dir(self) -> str:
        return os.path.join(self.out, self.name)




def draw_detections(images: np.ndarray, detections: list[dict], path: str, classes=SHAPE_CLASSES,
                    truths: list[dict] | None = None, cols: int = 4) -> None:
    """Save a grid of images (N, 3, H, W) with their detections (and true boxes dashed) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), squeeze=False)
    colours = plt.cm.tab10.colors
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(np.clip(images[k].transpose(1, 2, 0), 0, 1))
        for b in (truths[k]["boxes"] if truths else []):
            ax.add_patch(plt.Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, ls="--", lw=1, color="white"))
        det = detections[k]
        for b, s, c in zip(det["boxes"], det["scores"], det["labels"]):
            ax.add_patch(plt.Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, lw=1.5, color=colours[c % 10]))
            ax.text(b[0], b[1], f"{classes[c]} {s:.2f}", color="white", fontsize=7, va="bottom",
                    bbox={"facecolor": colours[c % 10], "pad": 1, "lw": 0})
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train_detection_run(config: DetectionRunConfig, quiet: bool = False) -> dict:
    """Train and score a YOLO run and write its folder (see the module docstring); returns the metrics."""
    if config.model != "yolo":
        from nnlab.models.detection.two_stage_run import train_two_stage_run

        return train_two_stage_run(config, quiet=quiet)
    manual_seed(config.seed)
    train = make_shapes(config.n_train, image_size=config.image_size, seed=config.seed)
    test = make_shapes(config.n_test, image_size=config.image_size, seed=config.seed + 1)
    km = kmeans_anchors(np.concatenate([b[:, 2:] - b[:, :2] for b in train.boxes]), config.anchors, seed=config.seed)
    model = YOLO(len(train.classes), km.anchors, config.image_size, config.channels)
    loss_fn = YOLOLoss(km.anchors, config.image_size)
    targets = model.encode_targets(train.boxes, train.labels)
    loader = DataLoader(TensorDataset(train.images, targets), batch_size=config.batch_size, shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=config.lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=config.epochs)

    def step(trainer: Trainer, batch) -> dict:
        images, target = batch
        loss = loss_fn(trainer.model(images), target)
        return {"loss": loss, **loss_fn.last}

    trainer = Trainer(model, optimizer=optimizer, scheduler=scheduler, step_fn=step, quiet=quiet)
    wall, cpu = time.perf_counter(), time.process_time()
    history = trainer.fit(loader, epochs=config.epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    detections = model.detect(test.images, conf_threshold=0.01)
    ev = evaluate_detections(detections, test.targets())
    metrics = {"map_50": ev.map_50, "map": ev.map, "map_75": ev.map_at(0.75),
               "ap_50_per_class": {test.classes[k]: v for k, v in ev.ap_per_class(0.5).items()},
               "train_seconds": wall, "train_cpu_seconds": cpu, "epochs": len(history),
               "final_loss": history.last()["loss"], "anchors_mean_iou": km.mean_iou}
    os.makedirs(config.run_dir, exist_ok=True)
    cfg = dataclasses.asdict(config)
    cfg["channels"] = list(config.channels)
    cfg["anchors_wh"] = km.anchors.tolist()
    write_run_json(os.path.join(config.run_dir, "config.json"), cfg)
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    write_run_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    shown = model.detect(test.images[:8], conf_threshold=0.3)
    draw_detections(test.images[:8], shown, os.path.join(config.run_dir, "predictions.png"), test.classes,
                    truths=test.targets()[:8])
    return metrics


def load_detector(run_dir: str) -> tuple[YOLO, dict]:
    """The trained detector (YOLO, Faster or Mask R-CNN) of a run folder and its config dict."""
    cfg = read_run_config(run_dir, DETECTION_MODELS, "detector")
    if cfg["model"] != "yolo":
        from nnlab.models.detection.two_stage_run import load_two_stage

        return load_two_stage(run_dir, cfg), cfg
    model = YOLO(len(SHAPE_CLASSES), cfg["anchors_wh"], cfg["image_size"], cfg["channels"])
    model.load_state_dict(load(os.path.join(run_dir, "model.safetensors")))
    model.eval()
    return model, cfg


def detect_image(run_dir: str, image_path: str, out_path: str | None = None, conf_threshold: float = 0.3,
                 iou_threshold: float = 0.45) -> tuple[dict, str]:
    """Run a trained detector on one image file and save it with the boxes drawn.

    The image is resized to the model's input size; the boxes are scaled back to the
    image's own pixels. Returns the detections and the PNG's path (default
    ``<image stem>_detections.png`` beside the image).
    """
    model, _ = load_detector(run_dir)
    image = read_image(image_path)
    size = model.image_size
    det = model.detect(resize_bilinear(image[None], size), conf_threshold, iou_threshold)[0]
    scale = np.array([image.shape[2], image.shape[1]] * 2, dtype=np.float32) / size
    det["boxes"] = det["boxes"] * scale
    out_path = out_path or os.path.splitext(image_path)[0] + "_detections.png"
    draw_detections(image[None], [det], out_path, SHAPE_CLASSES, cols=1)
    return det, out_path


def train_detection_cli(args) -> int:
    """``nnlab train --model yolo|faster_rcnn|mask_rcnn --dataset shapes [--epochs E --batch-size B --lr LR ...]``."""
    d = DetectionRunConfig()
    if args.model != "yolo":
        from nnlab.models.detection.two_stage_run import TWO_STAGE_DEFAULTS

        d = dataclasses.replace(d, model=args.model, **TWO_STAGE_DEFAULTS)
    config = DetectionRunConfig(model=args.model, dataset=args.dataset, n_train=d.n_train,
                                epochs=args.epochs or d.epochs, batch_size=args.batch_size or d.batch_size, lr=args.lr or d.lr,
                                seed=args.seed, out=args.out, name=args.name)
    print(f"nnlab train: {config.model} on {config.dataset} ({config.n_train} images, {config.epochs} epochs), "
          f"seed {config.seed}")
    m = train_detection_run(config, quiet=args.quiet)
    print(f"trained in {m['train_seconds']:.1f} s (CPU {m['train_cpu_seconds']:.1f} s)")
    print(f"held-out mAP@0.5: {m['map_50']:.4f}   mAP@[.5:.95]: {m['map']:.4f}")
    if "mean_mask_iou" in m:
        print(f"held-out mean mask IoU: {m['mean_mask_iou']:.4f}")
    print(f"saved: {config.run_dir}/ (model.safetensors, config.json, history.json, metrics.json, predictions.png)")
    return 0


def detect_cli(args) -> int:
    """``nnlab detect RUN_DIR IMAGE [--out PNG --conf T]``: print the detections and save the drawing."""
    det, path = detect_image(args.run_dir, args.image, args.out, conf_threshold=args.conf)
    for b, s, c in zip(det["boxes"], det["scores"], det["labels"]):
        print(f"{SHAPE_CLASSES[c]:>8} {s:.3f}  box ({b[0]:.1f}, {b[1]:.1f}, {b[2]:.1f}, {b[3]:.1f})")
    print(f"{len(det['boxes'])} detections; saved {path}")
    return 0
