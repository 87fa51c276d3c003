"""Faster / Mask R-CNN on the synthetic shapes, and RoIPool's quantization next to RoIAlign's sampling.

Run: python examples/faster_rcnn_shapes.py [OUT.png] [--run-dir runs/mask_rcnn-shapes] [--model mask_rcnn]

Without ``--run-dir`` it trains the default run (``nnlab train --model faster_rcnn --dataset
shapes``: 1000 images, 8 epochs). It detects on the 300 held-out images, prints mAP@0.5,
COCO's mAP@[.5:.95] and the seconds per image (and the mean mask IoU for Mask R-CNN).

The figure's top row is one box on a stride-8 feature grid: RoIPool rounds the box to whole
cells (the shaded cells it max-pools), RoIAlign samples the exact box at 2×2 bilinear
points per bin (the dots). Pooling each held-out object's true mask, downsampled to the
stride-8 grid, into a 7×7 RoI and comparing with the mask cropped at full resolution
measures what the rounding costs: the mean IoU of the two (binarized at 0.5) per method.
The bottom row shows detections (and masks) on held-out images.
"""

import argparse
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import nnlab
from nnlab.data import make_shapes
from nnlab.models.detection.mask_rcnn import project_masks_on_boxes
from nnlab.models.detection.run import DetectionRunConfig, load_detector, train_detection_run
from nnlab.vision.detection_metrics import evaluate_detections
from nnlab.vision.mask_metrics import mask_iou, mean_mask_iou
from nnlab.vision.roi import roi_align, roi_pool

STRIDE, BINS = 8, 7


def pooled_mask_iou(test, stride: int = STRIDE, bins: int = BINS) -> dict:
    """Mean IoU of each object's mask pooled from a stride-``stride`` grid with the full-resolution crop."""
    scores = {"roi_pool": [], "roi_align": []}
    for boxes, masks in zip(test.boxes, test.masks):
        if not len(boxes):
            continue
        h, w = masks.shape[1:]
        coarse = masks.reshape(len(masks), h // stride, stride, w // stride, stride).mean(axis=(2, 4))
        feat = nnlab.from_numpy(coarse[:, None].astype(np.float32))
        rois = np.concatenate([np.arange(len(boxes))[:, None], boxes], 1).astype(np.float32)
        truth = project_masks_on_boxes(masks, boxes, np.arange(len(boxes)), bins) >= 0.5
        pooled = {"roi_pool": roi_pool(feat, rois, bins, 1 / stride).numpy()[:, 0],
                  "roi_align": roi_align(feat, rois, bins, 1 / stride, 2, aligned=True).numpy()[:, 0]}
        for name, p in pooled.items():
            scores[name] += np.diag(mask_iou(p >= 0.5, truth)).tolist()
    return {k: float(np.mean(v)) for k, v in scores.items()}


def _draw_quantization(ax, image: np.ndarray, box: np.ndarray) -> None:
    ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
    size = image.shape[1]
    for t in range(0, size + 1, STRIDE):
        ax.axhline(t - 0.5, color="white", lw=0.4, alpha=0.6)
        ax.axvline(t - 0.5, color="white", lw=0.4, alpha=0.6)
    x1, y1, x2, y2 = (np.floor(box / STRIDE + 0.5)).astype(int)  # RoIPool's rounding, cells x1..x2 inclusive
    ax.add_patch(Rectangle((x1 * STRIDE - 0.5, y1 * STRIDE - 0.5), (x2 - x1 + 1) * STRIDE, (y2 - y1 + 1) * STRIDE,
                           color="orange", alpha=0.35, label="RoIPool: rounded cells"))
    ax.add_patch(Rectangle((box[0] - 0.5, box[1] - 0.5), box[2] - box[0], box[3] - box[1], fill=False, color="cyan",
                           lw=1.5, label="the box"))
    bw, bh = (box[2] - box[0]) / BINS, (box[3] - box[1]) / BINS
    g = (np.arange(2 * BINS) + 0.5) / 2
    xs, ys = np.meshgrid(box[0] + g * bw, box[1] + g * bh)
    ax.plot(xs.ravel() - 0.5, ys.ravel() - 0.5, ".", ms=2, color="magenta", label="RoIAlign: samples")
    ax.legend(fontsize=6, loc="lower right")
    ax.axis("off")


def main(out: str = "faster_rcnn_shapes.png", run_dir: str | None = None, model_name: str = "faster_rcnn") -> dict:
    if run_dir is None:
        config = DetectionRunConfig(model=model_name, n_train=1000, epochs=8, lr=2e-3)
        train_detection_run(config)
        run_dir = config.run_dir
    model, cfg = load_detector(run_dir)
    test = make_shapes(cfg["n_test"], image_size=cfg["image_size"], seed=cfg["seed"] + 1)
    detections = model.detect(test.images)
    ev = evaluate_detections(detections, test.targets())
    result = {"model": cfg["model"], "map_50": ev.map_50, "map": ev.map, **pooled_mask_iou(test)}
    if cfg["model"] == "mask_rcnn":
        result["mean_mask_iou"] = mean_mask_iou(detections, test.targets())
    fig = Figure(figsize=(10, 5.4))
    FigureCanvasAgg(fig)
    k = int(np.argmax([len(b) for b in test.boxes[:20]]))
    ax = fig.add_subplot(2, 4, 1)
    _draw_quantization(ax, test.images[k], test.boxes[k][0])
    ax.set_title(f"one box on a stride-{STRIDE} grid", fontsize=8)
    feat = nnlab.from_numpy(test.masks[k][:1].reshape(1, 1, 8, 8, 8, 8).mean(axis=(3, 5)).astype(np.float32))
    for col, (name, op) in enumerate((("RoIPool", roi_pool), ("RoIAlign", roi_align)), start=2):
        kwargs = {"sampling_ratio": 2, "aligned": True} if op is roi_align else {}
        pooled = op(feat, [test.boxes[k][:1]], BINS, 1 / STRIDE, **kwargs).numpy()[0, 0]
        a = fig.add_subplot(2, 4, col)
        a.imshow(pooled, cmap="gray", vmin=0, vmax=1)
        a.set_title(f"{name} of the mask, 7×7", fontsize=8)
        a.axis("off")
    a = fig.add_subplot(2, 4, 4)
    a.imshow(project_masks_on_boxes(test.masks[k][:1], test.boxes[k][:1], np.array([0]), BINS)[0], cmap="gray")
    a.set_title("the mask cropped at full resolution", fontsize=8)
    a.axis("off")
    for i in range(4):
        a = fig.add_subplot(2, 4, 5 + i)
        img = np.clip(test.images[i].transpose(1, 2, 0), 0, 1).copy()
        det = detections[i]
        shown = det["scores"] >= 0.5
        for j, m in enumerate(det.get("masks", np.zeros((0,) + img.shape[:2]))[shown]):
            img[m >= 0.5] = 0.5 * img[m >= 0.5] + 0.5 * np.array([1.0, 0.2, 0.6])
        a.imshow(img)
        for b, lab, s in zip(det["boxes"][shown], det["labels"][shown], det["scores"][shown]):
            a.add_patch(Rectangle(b[:2] - 0.5, b[2] - b[0], b[3] - b[1], fill=False, color="yellow", lw=1))
            a.text(b[0], b[1], f"{test.classes[lab]} {s:.2f}", fontsize=6, color="yellow", va="bottom")
        a.axis("off")
    extra = f", mask IoU {result['mean_mask_iou']:.3f}" if "mean_mask_iou" in result else ""
    fig.suptitle(f"{cfg['model']}: held-out mAP@0.5 {ev.map_50:.3f}{extra}. Mask pooled from the stride-8 grid vs "
                 f"full-resolution crop, mean IoU: RoIPool {result['roi_pool']:.3f}, RoIAlign {result['roi_align']:.3f}",
                 fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    result["run_dir"] = os.path.abspath(run_dir)
    print(result)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="faster_rcnn_shapes.png")
    p.add_argument("--run-dir", default=None)
    p.add_argument("--model", default="faster_rcnn", choices=("faster_rcnn", "mask_rcnn"))
    a = p.parse_args()
    main(a.out, a.run_dir, a.model)
