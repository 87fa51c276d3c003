"""Segmentation runs: ``nnlab train --model unet --dataset shapes-seg`` (also ``unet-noskip``, ``fcn``).

A run generates the synthetic shapes with their class maps
(:func:`nnlab.data.make_shapes_segmentation`, seed ``seed`` for training, ``seed + 1``
for the held-out images), trains through :class:`~nnlab.train.Trainer` on per-pixel
cross-entropy plus the soft Dice loss (Adam, cosine-annealed), scores the held-out set
(pixel accuracy, IoU and Dice per class, mIoU) and writes

- ``config.json`` — the :class:`SegmentationRunConfig`;
- ``model.safetensors`` — the weights; ``history.json`` — loss and pixel accuracy per epoch;
- ``metrics.json`` — the held-out scores, wall and CPU seconds of training;
- ``predictions.png`` — held-out images beside their true and predicted class maps.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from nnlab.io.run_folder import read_run_config, write_run_json
from nnlab import functional as F
from nnlab import optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset, make_shapes_segmentation
from nnlab.data.datasets.shapes import SHAPE_CLASSES
from nnlab.io import load, save
from nnlab.models.segmentation.fcn import FCN
from nnlab.models.segmentation.unet import UNet
from nnlab.nn import Module
from nnlab.ops.creation import from_numpy
from nnlab.train import Trainer
from nnlab.vision.segmentation_metrics import SegmentationScores, pixel_accuracy, segmentation_confusion

__all__ = ["SEGMENTATION_MODELS", "SEGMENTATION_DATASETS", "SegmentationRunConfig", "run_data", "build_segmenter",
           "segment", "evaluate_segmenter", "load_segmenter", "draw_segmentations", "train_segmentation_run", "train_segmentation_cli"]

SEGMENTATION_MODELS = ("unet", "unet-noskip", "fcn")
SEGMENTATION_DATASETS = ("shapes-seg",)
#: Class-map colours: background black, then one colour per shape class.
PALETTE = np.array([[0, 0, 0], [230, 25, 75], [60, 180, 75], [0, 130, 200], [245, 130, 48], [145, 30, 180]],
                   dtype=np.float32) / 255


@dataclass
class SegmentationRunConfig:
    """A segmentation run on the synthetic shapes (defaults: the documented U-Net run, mIoU ≥ 0.90).

    Args:
        model: ``"unet"``, ``"unet-noskip"`` (the same U-Net without skip connections) or ``"fcn"`` (FCN-8s).
        n_train: training images (default 2000); n_test: held-out images (default 300); image_size: 64.
        depth: pooling levels (default 3; FCN uses depth + 2 stages); width: first level's channels (16).
        dice_weight: weight of the Dice loss added to the cross-entropy (default 1.0; 0 = cross-entropy only).
        epochs (default 4), batch_size (default 16), lr (Adam, cosine-annealed; default 2e-3).
        seed: data, initialization and shuffling (default 0). out / name: the run folder.
    """

    model: str = "unet"
    dataset: str = "shapes-seg"
    n_train: int = 2000
    n_test: int = 300
    image_size: int = 64
    depth: int = 3
    width: int = 16
    dice_weight: float = 1.0
    epochs: int = 4
    batch_size: int = 16
    lr: float = 2e-3
    seed: int = 0
    out: str = "runs"
    name: str = ""

    def __post_init__(self) -> None:
        if self.model not in SEGMENTATION_MODELS or self.dataset not in SEGMENTATION_DATASETS:
            raise ValueError(f"segmentation runs train {SEGMENTATION_MODELS} on {SEGMENTATION_DATASETS}, "
                             f"got {self.model!r} on {self.dataset!r}")
        for key in ("n_train", "n_test", "epochs", "batch_size", "depth", "width", "image_size"):
            if getattr(self, key) <= 0:
                raise ValueError(f"SegmentationRunConfig: {key} must be positive, got {getattr(self, key)}")
        self.name = self.name or f"{self.model}-{self.dataset}"

    @property
    def run_dir(self) -> str:
        return os.path.join(self.out, self.name)


def run_data(config: SegmentationRunConfig):
    """The run's training set (generator seed ``seed``) and held-out set (``seed + 1``); shape sizes scale
    with the image (12–28 pixels at 64, the generator's defaults)."""
    scale = config.image_size / 64
    kw = {"image_size": config.image_size, "min_size": max(2.0, 12 * scale), "max_size": 28 * scale}
    return (make_shapes_segmentation(config.n_train, seed=config.seed, **kw),
            make_shapes_segmentation(config.n_test, seed=config.seed + 1, **kw))


def build_segmenter(config: SegmentationRunConfig, num_classes: int) -> Module:
    """The run's network: a U-Net (with or without skips) or an FCN-8s of the configured depth and width."""
    if config.model == "fcn":
        return FCN(3, num_classes, "8s", depth=config.depth + 2, width=config.width)
    return UNet(3, num_classes, depth=config.depth, width=config.width, skip=config.model == "unet")


def segment(model: Module, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class maps (N, H, W) int64 predicted for images (N, 3, H, W), in eval mode and without gradients."""
    was_training = model.training
    model.eval()
    out = []
    with no_grad():
        for i in range(0, len(images), batch_size):
            out.append(model(from_numpy(np.ascontiguousarray(images[i:i + batch_size]))).array.argmax(1))
    model.train(was_training)
    return np.concatenate(out).astype(np.int64)


def evaluate_segmenter(model: Module, images: np.ndarray, class_maps: np.ndarray, num_classes: int) -> SegmentationScores:
    """Pixel accuracy, per-class IoU / Dice and mIoU of ``model`` over a whole set (one confusion matrix)."""
    return SegmentationScores(segmentation_confusion(class_maps, segment(model, images), num_classes))


def draw_segmentations(images: np.ndarray, truths: np.ndarray, preds: np.ndarray, path: str,
                       classes: tuple[str, ...]) -> None:
    """Save rows of (image | true class map | predicted class map) as a PNG, with a colour legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = len(images)
    fig, axes = plt.subplots(rows, 3, figsize=(6.6, 2.2 * rows + 0.4), squeeze=False)
    for r in range(rows):
        panels = (images[r].transpose(1, 2, 0), PALETTE[truths[r] % len(PALETTE)], PALETTE[preds[r] % len(PALETTE)])
        for c, (ax, panel) in enumerate(zip(axes[r], panels)):
            ax.imshow(np.clip(panel, 0, 1), interpolation="nearest")
            ax.axis("off")
            if r == 0:
                ax.set_title(("image", "truth", "prediction")[c], fontsize=9)
    handles = [Patch(color=PALETTE[k], label=name) for k, name in enumerate(classes)]
    fig.legend(handles=handles, loc="lower center", ncol=len(classes), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _pixel_accuracy(scores: np.ndarray, target: np.ndarray) -> float:
    """The Trainer's per-batch metric (its name is the log key): argmax of the scores against the class map."""
    return pixel_accuracy(target, scores)


_pixel_accuracy.__name__ = "pixel_accuracy"


def train_segmentation_run(config: SegmentationRunConfig, quiet: bool = False) -> dict:
    """Train and score a segmentation run and write its folder (see the module docstring); returns the metrics."""
    manual_seed(config.seed)
    train, test = run_data(config)
    model = build_segmenter(config, train.num_classes)
    loader = DataLoader(TensorDataset(train.images, train.targets_array()), batch_size=config.batch_size, shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=config.lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=config.epochs)

    def loss_fn(scores, target):
        loss = F.cross_entropy(scores, target)
        return loss + config.dice_weight * F.dice_loss(scores, target) if config.dice_weight else loss

    trainer = Trainer(model, loss_fn=loss_fn, optimizer=optimizer, scheduler=scheduler, quiet=quiet,
                      metrics=(_pixel_accuracy,))
    wall, cpu = time.perf_counter(), time.process_time()
    history = trainer.fit(loader, epochs=config.epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    scores = evaluate_segmenter(model, test.images, test.targets_array(), test.num_classes)
    metrics = {**scores.as_dict(test.classes), "train_seconds": wall, "train_cpu_seconds": cpu,
               "epochs": len(history), "final_loss": history.last()["loss"],
               "parameters": int(sum(p.numel() for p in model.parameters()))}
    os.makedirs(config.run_dir, exist_ok=True)
    write_run_json(os.path.join(config.run_dir, "config.json"), dataclasses.asdict(config))
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    write_run_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    shown = slice(0, 6)
    draw_segmentations(test.images[shown], test.targets_array()[shown], segment(model, test.images[shown]),
                       os.path.join(config.run_dir, "predictions.png"), test.classes)
    return metrics


def load_segmenter(run_dir: str) -> tuple[Module, SegmentationRunConfig]:
    """The trained network of a segmentation run folder (in eval mode) and its config."""
    cfg = read_run_config(run_dir, SEGMENTATION_MODELS, "segmenter")
    config = SegmentationRunConfig(**cfg)
    model = build_segmenter(config, 1 + len(SHAPE_CLASSES))
    model.load_state_dict(load(os.path.join(run_dir, "model.safetensors")))
    model.eval()
    return model, config


def train_segmentation_cli(args) -> int:
    """``nnlab train --model unet|unet-noskip|fcn --dataset shapes-seg [--epochs --batch-size --lr --seed ...]``."""
    d = SegmentationRunConfig()
    batch_size = args.batch_size or d.batch_size  # None: the family's own default (16)
    config = SegmentationRunConfig(model=args.model, dataset=args.dataset, epochs=args.epochs or d.epochs,
                                   batch_size=batch_size, lr=args.lr or d.lr, seed=args.seed, out=args.out,
                                   name=args.name)
    print(f"nnlab train: {config.model} on {config.dataset} ({config.n_train} images, {config.epochs} epochs), "
          f"seed {config.seed}")
    m = train_segmentation_run(config, quiet=args.quiet)
    print(f"trained in {m['train_seconds']:.1f} s (CPU {m['train_cpu_seconds']:.1f} s)")
    ious = "  ".join(f"{k} {v:.3f}" for k, v in m["iou"].items())
    print(f"held-out mIoU: {m['miou']:.4f}   pixel accuracy: {m['pixel_accuracy']:.4f}   IoU: {ious}")
    print(f"saved: {config.run_dir}/ (model.safetensors, config.json, history.json, metrics.json, predictions.png)")
    return 0
