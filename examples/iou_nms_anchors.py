"""IoU, NMS, Soft-NMS and anchors on the synthetic shapes.

Run: python examples/iou_nms_anchors.py [OUT.png]

Left: noisy duplicate detections around each object of a shapes image, what greedy NMS keeps
(IoU > 0.5 suppresses) and how Soft-NMS (Gaussian) decays the duplicates' scores instead.
Right: the mean IoU of the training boxes with their best anchor for k = 1 … 6 anchors
chosen by k-means with the distance 1 − IoU (YOLOv2), against k random boxes.
"""

import sys

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlab.data import make_shapes
from nnlab.vision import box_iou, nms, soft_nms
from nnlab.vision.anchors import iou_wh, kmeans_anchors


def main(out: str = "iou_nms_anchors.png") -> dict:
    rng = np.random.default_rng(0)
    data = make_shapes(1, max_objects=3, min_objects=3, seed=5)
    truth = data.boxes[0]
    boxes = np.concatenate([truth + rng.normal(0, 2.0, truth.shape) for _ in range(6)]).astype(np.float32)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    scores = np.clip(np.diag(box_iou(boxes, np.tile(truth, (6, 1)))) + rng.normal(0, 0.05, len(boxes)), 0, 1)
    keep = nms(boxes, scores.astype(np.float32), 0.5)
    s_keep, s_scores = soft_nms(boxes, scores, sigma=0.5, score_threshold=0.05)
    wh = np.concatenate([b[:, 2:] - b[:, :2] for b in make_shapes(2000, seed=0).boxes])
    ks = range(1, 7)
    km = [kmeans_anchors(wh, k).mean_iou for k in ks]
    rand = [iou_wh(wh, wh[rng.choice(len(wh), k, replace=False)]).max(1).mean() for k in ks]

    fig = Figure(figsize=(13, 4))
    FigureCanvasAgg(fig)
    for col, (title, idx, sc) in enumerate([(f"{len(boxes)} raw detections", np.arange(len(boxes)), scores),
                                            (f"NMS (IoU > 0.5): {len(keep)} kept", keep, scores[keep]),
                                            (f"Soft-NMS (Gaussian σ=0.5): {len(s_keep)} above 0.05", s_keep, s_scores)]):
        ax = fig.add_subplot(1, 4, col + 1)
        ax.imshow(data.images[0].transpose(1, 2, 0))
        for b, s in zip(boxes[idx], sc):
            ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
                b[:2], b[2] - b[0], b[3] - b[1], fill=False, lw=0.6 + 2 * s, color="white", alpha=float(max(s, 0.15))))
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ax = fig.add_subplot(1, 4, 4)
    ax.plot(list(ks), km, "o-", label="k-means, d = 1 − IoU")
    ax.plot(list(ks), rand, "s--", label="k random boxes")
    ax.set_xlabel("anchors k")
    ax.set_ylabel("mean IoU with best anchor")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    result = {"raw": len(boxes), "nms_kept": len(keep), "kmeans_mean_iou": dict(zip(ks, np.round(km, 3).tolist()))}
    print(result)
    return result


if __name__ == "__main__":
    main(*sys.argv[1:2])
