"""Detection workloads: d_yolo (a YOLO train step, nnlab vs the same network and loss in PyTorch),
and ``python -m benchmarks.detection``: box_iou / NMS against a plain NumPy reference.

The network is nnlab's ``models.detection.YOLO`` written once against ``fw.nn``
(3 × [conv3×3 → BN → leaky ReLU → max-pool], a conv block, a 1×1 head to 8×8×2×8) and
the loss is YOLO's terms with fixed targets (box squared error through a sigmoid,
objectness BCE-with-logits, class log-softmax), so both frameworks do the same work.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, features, rng

GRID, ANCHORS, CLASSES = 8, 2, 3


def yolo_net(fw: Framework, channels=(16, 32, 64)):
    nn = fw.nn
    layers, c = [], 3
    for width in channels:
        layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.LeakyReLU(0.1),
                   nn.MaxPool2d(2)]
        c = width
    layers += [nn.Conv2d(c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.1),
               nn.Conv2d(2 * c, ANCHORS * (5 + CLASSES), 1)]
    return nn.Sequential(*layers)


def yolo_train(fw: Framework, batch: int = 32) -> Step:
    fw.require("nn.LeakyReLU", "nn.BatchNorm2d", "F.binary_cross_entropy_with_logits", "F.log_softmax")
    fw.seed(0)
    model = yolo_net(fw)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    x = fw.tensor(features((batch, 3, 64, 64)))
    r = rng()
    obj = (r.random((batch, GRID, GRID, ANCHORS)) < 0.03).astype(np.float32)
    txy = r.random((batch, GRID, GRID, ANCHORS, 2)).astype(np.float32)
    twh = r.normal(0, 0.3, (batch, GRID, GRID, ANCHORS, 2)).astype(np.float32)
    onehot = np.eye(CLASSES, dtype=np.float32)[r.integers(0, CLASSES, (batch, GRID, GRID, ANCHORS))] * obj[..., None]
    t_obj, t_noobj, t_xy, t_wh, t_cls = (fw.tensor(a) for a in (obj, 1 - obj, txy, twh, onehot))
    model.train()

    def step() -> None:
        opt.zero_grad()
        p = model(x).reshape(batch, ANCHORS, 5 + CLASSES, GRID, GRID).permute(0, 3, 4, 1, 2)
        d_xy = fw.F.sigmoid(p[..., 0:2]) - t_xy
        d_wh = p[..., 2:4] - t_wh
        coord = ((d_xy * d_xy + d_wh * d_wh).sum(-1) * t_obj).sum()
        bce = fw.F.binary_cross_entropy_with_logits(p[..., 4], t_obj, reduction="none")
        cls = -(fw.F.log_softmax(p[..., 5:], dim=-1) * t_cls).sum()
        loss = (5 * coord + (bce * t_obj).sum() + 0.5 * (bce * t_noobj).sum() + cls) / batch
        loss.backward()
        opt.step()

    return step


WORKLOADS = [Workload("d_yolo", "YOLO 3×64×64 → 8×8×2×8, batch 32, Adam — train step", 32, yolo_train)]


# ---- box ops / NMS against plain NumPy ------------------------------------------------------------------------

def numpy_box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The textbook broadcast: N×M intersections over unions."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def numpy_nms(boxes: np.ndarray, scores: np.ndarray, thr: float) -> np.ndarray:
    """The textbook greedy loop: each kept box against every remaining box."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        order = order[1:][numpy_box_iou(boxes[i : i + 1], boxes[order[1:]])[0] <= thr]
    return np.asarray(keep)


def _best(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def box_op_table(n: int = 10_000, seed: int = 0) -> list[tuple[str, float, float]]:
    """(operation, nnlab seconds, NumPy reference seconds) on n random boxes (best of 5)."""
    from nnlab.vision import box_iou, nms

    r = np.random.default_rng(seed)
    rows = []
    for name, extent in (("sparse: 10k boxes in 1000×1000", 1000.0), ("dense: 10k boxes in 300×300", 300.0)):
        xy = r.uniform(0, extent, (n, 2))
        boxes = np.concatenate([xy, xy + r.uniform(10, 100, (n, 2))], 1).astype(np.float32)
        scores = r.random(n).astype(np.float32)
        assert np.array_equal(nms(boxes, scores, 0.5), numpy_nms(boxes, scores, 0.5))
        rows.append((f"nms, {name}", _best(lambda: nms(boxes, scores, 0.5)),
                     _best(lambda: numpy_nms(boxes, scores, 0.5), 3)))
    a, b = boxes[:2000], boxes[2000:4000]
    rows.append(("box_iou 2000×2000", _best(lambda: box_iou(a, b)), _best(lambda: numpy_box_iou(a, b))))
    return rows


def main() -> None:
    print("| operation | nnlab (s) | plain NumPy (s) | speed-up |\n|---|---|---|---|")
    for name, ours, ref in box_op_table():
        print(f"| {name} | {ours:.3f} | {ref:.3f} | {ref / ours:.1f}× |")


if __name__ == "__main__":
    main()
