"""Detection data users bring: COCO-style JSON and Pascal VOC XML annotations, and the batch collate.

Both loaders return a :class:`DetectionDataset`: images (C, H, W) float32 in [0, 1] read
from an image folder, and per image a target ``{"boxes": (K, 4) xyxy float32 pixels,
"labels": (K,) int64}``. Labels are indices into ``dataset.classes``: COCO category ids
are mapped to 0 … n−1 in increasing id order; VOC names in the order given (or sorted).
COCO's ``bbox`` is [x, y, width, height]; VOC's ``bndbox`` is 1-based inclusive pixel
corners, so xmin − 1, ymin − 1, xmax, ymax gives the continuous xyxy box.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any, Sequence

import numpy as np

from nnlab.data.dataset import Dataset

__all__ = ["DetectionDataset", "load_coco", "load_voc", "detection_collate", "read_image"]


def read_image(path: str) -> np.ndarray:
    """An image file (PNG, JPEG, …) as (3, H, W) float32 in [0, 1] (grey and RGBA become RGB)."""
    from PIL import Image

    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_image: no image file at {path}")
    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return arr.transpose(2, 0, 1).copy()


class DetectionDataset(Dataset):
    """Images with variable numbers of boxes; ``ds[i]`` is ``(image, {"boxes", "labels"})``.

    Args:
        images: a list of (C, H, W) arrays (sizes may differ).
        targets: one dict per image with ``boxes`` (K, 4) and ``labels`` (K,).
        classes: the class names; labels index them.
    """

    def __init__(self, images: Sequence[np.ndarray], targets: Sequence[dict], classes: Sequence[str]) -> None:
        if len(images) != len(targets):
            raise ValueError(f"DetectionDataset: {len(images)} images but {len(targets)} targets")
        self.images, self.targets, self.classes = list(images), list(targets), tuple(classes)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[np.ndarray, dict]:
        return self.images[i], self.targets[i]


def _target(boxes: list, labels: list) -> dict:
    return {"boxes": np.asarray(boxes, dtype=np.float32).reshape(-1, 4), "labels": np.asarray(labels, dtype=np.int64)}


def load_coco(annotation_file: str, image_dir: str) -> DetectionDataset:
    """A COCO-style detection JSON (``images``, ``annotations``, ``categories``) and its image folder.

    Images come in the order of the ``images`` list; crowd annotations (``iscrowd: 1``)
    are skipped, as COCO's evaluation ignores them.
    """
    with open(annotation_file, encoding="utf-8") as f:
        data = json.load(f)
    for key in ("images", "annotations", "categories"):
        if key not in data:
            raise ValueError(f"load_coco: {annotation_file} has no {key!r} list; is it a COCO detection file?")
    cats = sorted(data["categories"], key=lambda c: c["id"])
    index = {c["id"]: i for i, c in enumerate(cats)}
    per_image: dict[Any, tuple[list, list]] = {img["id"]: ([], []) for img in data["images"]}
    for ann in data["annotations"]:
        if ann.get("iscrowd", 0):
            continue
        if ann["image_id"] not in per_image or ann["category_id"] not in index:
            raise ValueError(f"load_coco: annotation {ann.get('id')} names image {ann['image_id']} / category "
                             f"{ann['category_id']}, which the file does not list")
        x, y, w, h = ann["bbox"]
        per_image[ann["image_id"]][0].append([x, y, x + w, y + h])
        per_image[ann["image_id"]][1].append(index[ann["category_id"]])
    images = [read_image(os.path.join(image_dir, img["file_name"])) for img in data["images"]]
    targets = [_target(*per_image[img["id"]]) for img in data["images"]]
    return DetectionDataset(images, targets, [c["name"] for c in cats])


def load_voc(annotation_dir: str, image_dir: str, classes: Sequence[str] | None = None) -> DetectionDataset:
    """Pascal VOC XML files (one per image, sorted by file name) and their image folder.

    Args:
        annotation_dir: folder of ``*.xml`` files with ``filename`` and ``object`` /
            ``name`` / ``bndbox`` entries.
        image_dir: folder holding the images the XML files name.
        classes: the class names in label order. Default: the sorted names found.
    """
    files = sorted(f for f in os.listdir(annotation_dir) if f.endswith(".xml"))
    if not files:
        raise FileNotFoundError(f"load_voc: no .xml files in {annotation_dir}")
    parsed = []
    for name in files:
        root = ET.parse(os.path.join(annotation_dir, name)).getroot()
        objects = []
        for obj in root.iter("object"):
            bb = obj.find("bndbox")
            if bb is None:
                raise ValueError(f"load_voc: {name} has an object without a bndbox")
            xmin, ymin, xmax, ymax = (float(bb.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax"))
            objects.append((obj.find("name").text.strip(), [xmin - 1, ymin - 1, xmax, ymax]))
        parsed.append((root.find("filename").text.strip(), objects))
    found = sorted({c for _, objs in parsed for c, _ in objs})
    classes = tuple(classes) if classes is not None else tuple(found)
    unknown = set(found) - set(classes)
    if unknown:
        raise ValueError(f"load_voc: classes {sorted(unknown)} appear in the annotations but not in {list(classes)}")
    lookup = {c: i for i, c in enumerate(classes)}
    images = [read_image(os.path.join(image_dir, fname)) for fname, _ in parsed]
    targets = [_target([b for _, b in objs], [lookup[c] for c, _ in objs]) for _, objs in parsed]
    return DetectionDataset(images, targets, classes)


def detection_collate(batch: Sequence[tuple[np.ndarray, dict]]) -> tuple[Any, list[dict]]:
    """Batch (image, target) pairs whose targets hold different numbers of boxes.

    Returns:
        ``(images, targets)``: images stacked into (N, C, H, W) when they share a shape
        (a list otherwise) and the list of the N target dicts, untouched.
    """
    if not batch:
        raise ValueError("detection_collate: empty batch")
    images = [np.asarray(img) for img, _ in batch]
    targets = [t for _, t in batch]
    if all(img.shape == images[0].shape for img in images):
        return np.stack(images), targets
    return images, targets
