"""Two-stage detector runs: ``nnlab train --model faster_rcnn|mask_rcnn --dataset shapes``.

Like the YOLO run (:mod:`nnlab.models.detection.run`, whose config and folder layout it
shares): fresh shapes images (seed ``seed``; held-out images seed ``seed + 1``), training
through :class:`~nnlab.train.Trainer` (the model's ``training_step``), Adam with a cosine
schedule, and a run folder with ``config.json``, ``model.safetensors``, ``history.json``,
``metrics.json`` (mAP@0.5, mAP@[.5:.95], seconds per image, wall and CPU seconds; for
Mask R-CNN the mean mask IoU) and ``predictions.png`` (with ``masks.png`` for Mask R-CNN).
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from nnlab import optim
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.data.datasets.shapes import SHAPE_CLASSES
from nnlab.io import load, save
from nnlab.train import Trainer
from nnlab.vision.detection_metrics import evaluate_detections
from nnlab.vision.mask_metrics import mean_mask_iou
from nnlab.models.detection.faster_rcnn import FasterRCNN, pack_targets
from nnlab.models.detection.mask_rcnn import MaskRCNN, pack_masks

__all__ = ["TWO_STAGE_MODELS", "TWO_STAGE_DEFAULTS", "build_two_stage", "train_two_stage_run", "load_two_stage",
           "draw_masks"]

TWO_STAGE_MODELS = ("faster_rcnn", "mask_rcnn")
#: The documented runs' settings where they differ from YOLO's (the CLI's --epochs / --lr override them).
TWO_STAGE_DEFAULTS = {"n_train": 1000, "epochs": 8, "lr": 2e-3}


def build_two_stage(model: str, image_size: int, channels) -> FasterRCNN:
    """A :class:`FasterRCNN` or :class:`MaskRCNN` for the shapes' classes."""
    if model not in TWO_STAGE_MODELS:
        raise ValueError(f"build_two_stage: model must be one of {TWO_STAGE_MODELS}, got {model!r}")
    cls = MaskRCNN if model == "mask_rcnn" else FasterRCNN
    return cls(len(SHAPE_CLASSES), image_size=image_size, channels=tuple(channels))


def draw_masks(images: np.ndarray, detections: list[dict], path: str, cols: int = 4, threshold: float = 0.5) -> None:
    """Save a grid of images (N, 3, H, W) with each detection's mask (≥ threshold) tinted in its own colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), squeeze=False)
    colours = np.array(plt.cm.tab10.colors)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        img = np.clip(images[k].transpose(1, 2, 0), 0, 1).copy()
        for j, m in enumerate(detections[k].get("masks", [])):
            on = m >= threshold
            img[on] = 0.45 * img[on] + 0.55 * colours[j % 10]
        ax.imshow(img)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train_two_stage_run(config, quiet: bool = False) -> dict:
    """Train and score a Faster / Mask R-CNN run (a ``DetectionRunConfig``) and write its folder; returns the metrics."""
    from nnlab.io.run_folder import write_run_json
    from nnlab.models.detection.run import draw_detections

    manual_seed(config.seed)
    train = make_shapes(config.n_train, image_size=config.image_size, seed=config.seed)
    test = make_shapes(config.n_test, image_size=config.image_size, seed=config.seed + 1)
    most = max(len(b) for b in train.boxes)
    arrays = [train.images, pack_targets(train.boxes, train.labels, most)]
    if config.model == "mask_rcnn":
        arrays.append(pack_masks(train.masks, most))
    model = build_two_stage(config.model, config.image_size, config.channels)
    loader = DataLoader(TensorDataset(*arrays), batch_size=config.batch_size, shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=config.lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=config.epochs)
    trainer = Trainer(model, optimizer=optimizer, scheduler=scheduler, quiet=quiet)
    wall, cpu = time.perf_counter(), time.process_time()
    history = trainer.fit(loader, epochs=config.epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    det_wall, det_cpu = time.perf_counter(), time.process_time()
    detections = model.detect(test.images)
    det_wall, det_cpu = time.perf_counter() - det_wall, time.process_time() - det_cpu
    ev = evaluate_detections(detections, test.targets())
    metrics = {"map_50": ev.map_50, "map": ev.map, "map_75": ev.map_at(0.75),
               "ap_50_per_class": {test.classes[k]: v for k, v in ev.ap_per_class(0.5).items()},
               "train_seconds": wall, "train_cpu_seconds": cpu, "epochs": len(history),
               "final_loss": history.last()["loss"], "seconds_per_image": det_wall / len(test),
               "cpu_seconds_per_image": det_cpu / len(test)}
    if config.model == "mask_rcnn":
        metrics["mean_mask_iou"] = mean_mask_iou(detections, test.targets())
    os.makedirs(config.run_dir, exist_ok=True)
    cfg = dataclasses.asdict(config)
    cfg["channels"] = list(config.channels)
    write_run_json(os.path.join(config.run_dir, "config.json"), cfg)
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    write_run_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    shown = [{k: v[d["scores"] >= 0.5] for k, v in d.items()} for d in detections[:8]]
    draw_detections(test.images[:8], shown, os.path.join(config.run_dir, "predictions.png"), test.classes,
                    truths=test.targets()[:8])
    if config.model == "mask_rcnn":
        draw_masks(test.images[:8], shown, os.path.join(config.run_dir, "masks.png"))
    return metrics


def load_two_stage(run_dir: str, cfg: dict) -> FasterRCNN:
    """The trained two-stage detector of a run folder (its config dict already read), in eval mode."""
    model = build_two_stage(cfg["model"], cfg["image_size"], cfg["channels"])
    model.load_state_dict(load(os.path.join(run_dir, "model.safetensors")))
    model.eval()
    return model

