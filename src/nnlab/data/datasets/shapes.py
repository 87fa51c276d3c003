"""A synthetic detection set: coloured circles, squares and triangles on photo backgrounds.

Each image holds a few shapes of random size, colour and position (later shapes may
partly cover earlier ones, up to ``max_overlap`` IoU between boxes) on a crop of one of
scikit-learn's two bundled photographs (``china.jpg``, ``flower.jpg``), dimmed so that
the shapes stand out, plus Gaussian pixel noise. Every object comes with its box
(xyxy, pixels, continuous coordinates: pixel (i, j) covers [j, j+1) × [i, i+1)), its
class and five landmarks: the box centre and the shape's top, right, bottom and left
extreme points (a triangle's apex and base corners). Seeded: same seed, same images.

Segmentation targets come from the same rasterization: a per-pixel class map
(0 = background, ``k + 1`` for class ``k``; a later shape paints over an earlier one, as
in the image) and one boolean instance mask per object holding only its *visible*
pixels (an object that a later one covers entirely keeps its box and an empty mask).
:class:`ShapesSegmentation` is the ``(image, class map)`` view for semantic segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnlab.data.dataset import Dataset
from nnlab.vision.boxes import iou_broadcast

__all__ = ["SHAPE_CLASSES", "KEYPOINT_NAMES", "ShapesDetection", "ShapesSegmentation", "make_shapes",
           "make_shapes_segmentation", "photo_backgrounds"]

SHAPE_CLASSES = ("circle", "square", "triangle")
KEYPOINT_NAMES = ("centre", "top", "right", "bottom", "left")
BACKGROUNDS = ("photos", "noise", "plain")

_PHOTOS: list[np.ndarray] = []


def photo_backgrounds() -> list[np.ndarray]:
    """scikit-learn's two bundled photographs as float32 (H, W, 3) arrays in [0, 1] (loaded once)."""
    if not _PHOTOS:
        from sklearn.datasets import load_sample_images

        _PHOTOS.extend(img.astype(np.float32) / 255.0 for img in load_sample_images().images)
    return _PHOTOS


@dataclass
class ShapesDetection(Dataset):
    """Images with their boxes, labels and landmarks; ``ds[i]`` is ``(image, target)``.

    Attributes:
        images: (N, 3, H, W) float32 in [0, 1].
        boxes: N arrays (K_i, 4) float32, xyxy in pixels.
        labels: N arrays (K_i,) int64, indices into ``classes``.
        keypoints: N arrays (K_i, 5, 2) float32, (x, y) of :data:`KEYPOINT_NAMES`.
        classes: the class names.
        masks: N arrays (K_i, H, W) bool, each object's visible pixels (instance masks).
        class_maps: (N, H, W) uint8, 0 = background, ``labels + 1`` on each object's
            visible pixels (stored compact; the targets hand out int64).
    """

    images: np.ndarray
    boxes: list
    labels: list
    keypoints: list
    classes: tuple = SHAPE_CLASSES
    masks: list | None = None
    class_maps: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[np.ndarray, dict]:
        return self.images[i], self.target(i)

    def target(self, i: int) -> dict:
        """``{"boxes", "labels", "keypoints"}``, plus ``"masks"`` (K, H, W) bool and ``"class_map"`` (H, W)
        int64 when the set has them."""
        out = {"boxes": self.boxes[i], "labels": self.labels[i], "keypoints": self.keypoints[i]}
        if self.masks is not None:
            out["masks"] = self.masks[i]
        if self.class_maps is not None:
            out["class_map"] = self.class_maps[i].astype(np.int64)
        return out

    def targets(self) -> list[dict]:
        """One :meth:`target` dict per image."""
        return [self.target(i) for i in range(len(self))]

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.images.shape[2]), int(self.images.shape[3])


class ShapesSegmentation(Dataset):
    """The semantic-segmentation view of a :class:`ShapesDetection`: ``ds[i]`` is ``(image, class_map)``.

    Args:
        source: a set made by :func:`make_shapes` (it carries ``class_maps``).

    Shape:
        image (3, H, W) float32 in [0, 1]; class map (H, W) int64 in ``[0, num_classes)``.

    Attributes:
        images: (N, 3, H, W) float32; class_maps: (N, H, W) uint8.
        classes: ``("background", *source.classes)``, so class ``c`` of the map is ``classes[c]``.
    """

    def __init__(self, source: ShapesDetection) -> None:
        if source.class_maps is None:
            raise ValueError("ShapesSegmentation: the source set has no class maps (build it with make_shapes)")
        self.images = source.images
        self.class_maps = source.class_maps
        self.classes = ("background", *source.classes)
        self.source = source

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.images[i], self.class_maps[i].astype(np.int64)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def targets_array(self) -> np.ndarray:
        """All class maps as one (N, H, W) int64 array."""
        return self.class_maps.astype(np.int64)


def _background(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    if kind == "plain":
        return np.full((size, size, 3), rng.uniform(0.2, 0.6), dtype=np.float32)
    if kind == "noise":
        return rng.uniform(0.2, 0.6, (size, size, 3)).astype(np.float32)
    photo = photo_backgrounds()[rng.integers(len(photo_backgrounds()))]
    crop = int(rng.integers(size, min(3 * size, *photo.shape[:2]) + 1))
    top = int(rng.integers(0, photo.shape[0] - crop + 1))
    left = int(rng.integers(0, photo.shape[1] - crop + 1))
    idx = ((np.arange(size) + 0.5) * crop / size).astype(np.int64)
    patch = photo[top + idx[:, None], left + idx[None, :]]
    return (0.25 + 0.4 * patch).astype(np.float32)  # dimmed: shapes stand out, the texture remains


def _colour(rng: np.random.Generator) -> np.ndarray:
    """A saturated colour: one channel high, one low, one anywhere."""
    c = np.empty(3, dtype=np.float32)
    hi, lo, mid = rng.permutation(3)
    c[hi], c[lo], c[mid] = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.15), rng.uniform(0.0, 1.0)
    return c


def _shape(kind: str, x0: float, y0: float, w: float, h: float) -> tuple[np.ndarray, np.ndarray, callable]:
    """Box, landmarks and a mask function m(x, y) (pixel centres) of one shape in its box."""
    x1, y1, cx, cy = x0 + w, y0 + h, x0 + w / 2, y0 + h / 2
    box = np.array([x0, y0, x1, y1], dtype=np.float32)
    if kind == "triangle":  # apex at the top centre, base along the bottom
        kp = [(cx, cy), (cx, y0), (x1, y1), (cx, y1), (x0, y1)]
        mask = lambda x, y: (y <= y1) & (np.abs(x - cx) <= (y - y0) / h * (w / 2))  # noqa: E731
    elif kind == "circle":
        kp = [(cx, cy), (cx, y0), (x1, cy), (cx, y1), (x0, cy)]
        mask = lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= (w / 2) ** 2  # noqa: E731
    else:
        kp = [(cx, cy), (cx, y0), (x1, cy), (cx, y1), (x0, cy)]
        mask = lambda x, y: (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)  # noqa: E731
    return box, np.array(kp, dtype=np.float32), mask


def make_shapes(n: int = 1000, image_size: int = 64, min_objects: int = 1, max_objects: int = 3,
                min_size: float = 12.0, max_size: float = 28.0, max_overlap: float = 0.2, noise: float = 0.03,
                background: str = "photos", classes: Sequence[str] = SHAPE_CLASSES, seed: int = 0) -> ShapesDetection:
    """Generate ``n`` detection images of shapes (see the module docstring).

    Args:
        n: number of images. Default: 1000.
        image_size: images are square, this many pixels a side. Default: 64.
        min_objects, max_objects: objects per image, uniform in this range (0 allows
            empty images). Default: 1, 3.
        min_size, max_size: the box's longer side in pixels. Default: 12, 28.
        max_overlap: largest IoU allowed between two boxes of an image. Default: 0.2.
        noise: standard deviation of the Gaussian pixel noise. Default: 0.03.
        background: ``"photos"`` (crops of scikit-learn's sample photos), ``"noise"`` or
            ``"plain"``. Default: ``"photos"``.
        classes: which shapes to draw, a subset of :data:`SHAPE_CLASSES`; labels index this
            tuple. Default: all three.
        seed: seeds ``np.random.default_rng``. Default: 0.
    """
    classes = tuple(classes)
    if not classes or any(c not in SHAPE_CLASSES for c in classes):
        raise ValueError(f"make_shapes: classes must be a non-empty subset of {SHAPE_CLASSES}, got {classes}")
    if background not in BACKGROUNDS:
        raise ValueError(f"make_shapes: background must be one of {BACKGROUNDS}, got {background!r}")
    if not 0 <= min_objects <= max_objects:
        raise ValueError(f"make_shapes: need 0 <= min_objects <= max_objects, got {min_objects}, {max_objects}")
    if not 2 <= min_size <= max_size <= image_size:
        raise ValueError(f"make_shapes: need 2 <= min_size <= max_size <= image_size ({image_size}), "
                         f"got {min_size}, {max_size}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, image_size, image_size), dtype=np.float32)
    class_maps = np.zeros((n, image_size, image_size), dtype=np.uint8)
    all_boxes, all_labels, all_kps, all_masks = [], [], [], []
    for i in range(n):
        img = _background(rng, image_size, background)
        owner = np.zeros((image_size, image_size), dtype=np.int64)  # 1 + index of the object on top, 0 = none
        boxes, labels, kps = [], [], []
        for _ in range(int(rng.integers(min_objects, max_objects + 1))):
            for _attempt in range(30):
                label = int(rng.integers(len(classes)))
                kind = classes[label]
                side = rng.uniform(min_size, max_size)
                w, h = (side, side) if kind != "triangle" else (side, side * rng.uniform(0.75, 1.0))
                x0, y0 = rng.uniform(0, image_size - w), rng.uniform(0, image_size - h)
                box, kp, mask = _shape(kind, x0, y0, w, h)
                overlap = iou_broadcast(np.asarray(box, np.float64), np.asarray(boxes, np.float64)) if boxes else [0.0]
                if max(overlap) <= max_overlap:
                    break
            else:
                continue  # no room left for another object
            c0, r0 = int(x0), int(y0)
            c1, r1 = min(int(np.ceil(x0 + w)), image_size), min(int(np.ceil(y0 + h)), image_size)
            ys, xs = np.mgrid[r0:r1, c0:c1] + 0.5
            inside = mask(xs, ys)
            img[r0:r1, c0:c1][inside] = _colour(rng)
            class_maps[i, r0:r1, c0:c1][inside] = label + 1  # painted in drawing order: occlusion as in the image
            owner[r0:r1, c0:c1][inside] = len(boxes) + 1
            boxes.append(box)
            labels.append(label)
            kps.append(kp)
        img += rng.normal(0.0, noise, img.shape).astype(np.float32)
        images[i] = np.clip(img, 0.0, 1.0).transpose(2, 0, 1)
        all_boxes.append(np.array(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.array(labels, dtype=np.int64))
        all_kps.append(np.array(kps, dtype=np.float32).reshape(-1, len(KEYPOINT_NAMES), 2))
        all_masks.append(owner[None] == np.arange(1, len(boxes) + 1)[:, None, None])
    return ShapesDetection(images, all_boxes, all_labels, all_kps, classes, all_masks, class_maps)


def make_shapes_segmentation(n: int = 1000, image_size: int = 64, seed: int = 0, **kwargs) -> ShapesSegmentation:
    """``ShapesSegmentation(make_shapes(n, image_size, seed=seed, **kwargs))``: images and per-pixel class maps.

    Args:
        n, image_size, seed: as :func:`make_shapes` (defaults 1000, 64, 0).
        **kwargs: the other options of :func:`make_shapes` (objects per image, sizes, background ...).
    """
    return ShapesSegmentation(make_shapes(n, image_size=image_size, seed=seed, **kwargs))
