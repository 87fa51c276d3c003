"""Classification with localization: one CNN outputs the seeds' [p_c, b_x, b_y, b_h, b_w, c_1..c_3].

Run: python examples/localization.py [OUT.png] [--epochs E] [--n N]

Trains on 64×64 shapes images holding one object (or, one in five, none: p_c = 0, where the
seeds' loss only counts the p_c term), then reports on held-out images the mean IoU of the
predicted box with the true one, the class accuracy and the p_c accuracy, and saves the
predictions drawn on eight test images.
"""

import argparse
import time

import numpy as np

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.models.detection import decode_localization, localization_loss, localization_net, localization_targets
from nnlab.models.detection.run import draw_detections
from nnlab.train import Trainer
from nnlab.vision import box_iou


def one_object_set(n: int, seed: int):
    data = make_shapes(n, min_objects=1, max_objects=1, seed=seed)
    empty = np.random.default_rng(seed).random(n) < 0.2  # a fifth without an object
    blank = make_shapes(int(empty.sum()), min_objects=0, max_objects=0, seed=seed + 100)
    data.images[empty] = blank.images
    for i in np.nonzero(empty)[0]:
        data.boxes[i], data.labels[i] = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    return data


def main(out: str = "localization.png", epochs: int = 10, n: int = 8000) -> dict:
    nnlab.manual_seed(0)
    train, test = one_object_set(n, 0), one_object_set(500, 1)
    y = localization_targets(train.boxes, train.labels, 3, 64)
    model = localization_net(3, 64)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    trainer = Trainer(model, localization_loss, opt, scheduler=optim.CosineAnnealingLR(opt, T_max=epochs), metrics=())
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.fit(DataLoader(TensorDataset(train.images, y), batch_size=32, shuffle=True), epochs=epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    dec = decode_localization(trainer.predict(test.images), 64)
    has = np.array([len(b) == 1 for b in test.boxes])
    truth = np.stack([b[0] for b, h in zip(test.boxes, has) if h])
    ious = np.diag(box_iou(dec["boxes"][has], truth))
    labels = np.array([lab[0] for lab, h in zip(test.labels, has) if h])
    result = {"mean_iou": float(ious.mean()), "class_accuracy": float((dec["labels"][has] == labels).mean()),
              "p_c_accuracy": float(((dec["p_object"] > 0.5) == has).mean()), "train_seconds": wall,
              "train_cpu_seconds": cpu}
    shown = [{"boxes": dec["boxes"][i : i + 1], "scores": dec["p_object"][i : i + 1], "labels": dec["labels"][i : i + 1]}
             if dec["p_object"][i] > 0.5 else {"boxes": [], "scores": [], "labels": []} for i in range(8)]
    draw_detections(test.images[:8], shown, out, truths=test.targets()[:8])
    print({k: round(v, 4) for k, v in result.items()})
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="localization.png")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--n", type=int, default=8000)
    a = p.parse_args()
    main(a.out, a.epochs, a.n)
