"""Synthetic captions and visual questions about the shapes images (:func:`make_shapes`).

Each scene is a ``make_shapes`` image (plain background) of one to three shapes. Its caption
names the shapes left to right with their colour ("red circle and blue square"); the colour
name is the strongest channel of the shape's rendered pixel at its centre. Its questions ask
"what colour is the <shape> ?" about a shape that occurs once in the scene, answered with a
colour name, and "what shape is <colour> ?" about a colour that occurs once, answered with a
shape name.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.data.datasets.shapes import make_shapes

__all__ = ["COLOURS", "ShapeScenes", "make_shape_scenes"]

COLOURS = ("red", "green", "blue")


class ShapeScenes(NamedTuple):
    """Images (N, 3, H, W), one caption per image, and (image index, question words, answer) triples."""

    images: np.ndarray
    captions: list[list[str]]
    questions: list[tuple[int, list[str], str]]


def make_shape_scenes(n: int = 600, image_size: int = 32, max_objects: int = 2, seed: int = 0) -> ShapeScenes:
    """``n`` scenes with captions and questions (see the module docstring)."""
    ds = make_shapes(n, image_size=image_size, min_objects=1, max_objects=max_objects, min_size=9.0, max_size=14.0,
                     max_overlap=0.0, background="plain", seed=seed)
    captions, questions = [], []
    for i in range(n):
        objs = []
        for box, label, kp in zip(ds.boxes[i], ds.labels[i], ds.keypoints[i]):
            x, y = (int(min(max(v, 0), image_size - 1)) for v in kp[0])
            colour = COLOURS[int(ds.images[i][:, y, x].argmax())]
            objs.append((float(box[0]), colour, ds.classes[int(label)]))
        objs.sort()
        words: list[str] = []
        for k, (_, colour, shape) in enumerate(objs):
            words += (["and"] if k else []) + [colour, shape]
        captions.append(words)
        shapes = [s for _, _, s in objs]
        colours = [c for _, c, _ in objs]
        for _, colour, shape in objs:
            if shapes.count(shape) == 1:
                questions.append((i, ["what", "colour", "is", "the", shape, "?"], colour))
            if colours.count(colour) == 1:
                questions.append((i, ["what", "shape", "is", colour, "?"], shape))
    return ShapeScenes(ds.images, captions, questions)
