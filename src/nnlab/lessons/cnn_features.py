"""What successive CNN layers respond to (ZFNet-style), and pooling's invariance to small shifts.

- :func:`top_activating_patches`: for every channel of a layer, the training images (and
  the receptive-field patch) that activate it most — Zeiler & Fergus's (2014) view of a
  trained network without the deconvnet. Layer-1 units see 3×3 pixels and respond to
  strokes and edges shared by many digits; layer-2 units see most of the 8×8 image and their
  top images mostly belong to one class (measured as class purity).
- :func:`pooling_invariance`: the relative change of a convolutional feature map when the
  input is shifted by a pixel or two, without pooling and with max pooling on top: pooling
  reports "the feature is somewhere in this window", so a small shift changes it less.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.datasets.bundled import load_digits
from nnlab.lessons.common import fit_arrays, predict_array, seeded
from nnlab.nn.activation import ReLU
from nnlab.nn.containers import Sequential
from nnlab.nn.conv import Conv2d
from nnlab.nn.flatten import Flatten
from nnlab.nn.linear import Linear
from nnlab.nn.losses import CrossEntropyLoss
from nnlab.nn.pooling import MaxPool2d
from nnlab.optim import Adam

__all__ = ["digits_cnn", "train_digits_cnn", "RECEPTIVE_FIELDS", "top_activating_patches", "class_purity",
           "shift_images", "pooling_invariance"]

# (stride, size) of one unit's receptive field in input pixels, for the outputs of digits_cnn()[1] and [4].
RECEPTIVE_FIELDS = {"conv1": (1, 3), "conv2": (2, 8)}
_LAYER_END = {"conv1": 2, "conv2": 5}


def digits_cnn() -> Sequential:
    """conv 3×3 (8) → ReLU → max-pool 2 → conv 3×3 (16) → ReLU → max-pool 2 → linear 10, on 1×8×8."""
    return Sequential(Conv2d(1, 8, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(8, 16, 3, padding=1), ReLU(),
                      MaxPool2d(2), Flatten(), Linear(16 * 2 * 2, 10))


def train_digits_cnn(epochs: int = 15, seed: int = 0) -> tuple[Sequential, dict]:
    """Train :func:`digits_cnn` on the digits' training split (Adam, batch 64); returns (model, splits)."""
    d = load_digits(images=True)
    seeded(seed)
    model = digits_cnn()
    fit_arrays(model, d.X_train, d.y_train, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), epochs=epochs,
               batch_size=64)
    return model, d


def top_activating_patches(model: Sequential, images: np.ndarray, layer: str = "conv1", k: int = 9) -> dict:
    """The ``k`` images that most activate each channel of ``layer`` (after its ReLU), and the patch seen.

    Returns:
        ``{"indices": (C, k) image indices, "patches": (C, k, s, s) input patches (zero-padded at
        the border), "activations": (C, k)}`` with s the receptive-field size of :data:`RECEPTIVE_FIELDS`.
    """
    if layer not in _LAYER_END:
        raise ValueError(f"top_activating_patches: layer must be one of {tuple(_LAYER_END)}, got {layer!r}")
    maps = predict_array(model[:_LAYER_END[layer]], images)  # (N, C, H', W')
    stride, size = RECEPTIVE_FIELDS[layer]
    n, c, h, w = maps.shape
    flat = maps.reshape(n, c, -1)
    best_pos = flat.argmax(-1)  # (N, C)
    best_val = flat.max(-1)
    pad = size
    padded = np.pad(images[:, 0], ((0, 0), (pad, pad), (pad, pad)))
    idx = np.argsort(-best_val, axis=0)[:k].T  # (C, k)
    patches = np.zeros((c, k, size, size), dtype=images.dtype)
    for ch in range(c):
        for j, i in enumerate(idx[ch]):
            r, q = divmod(int(best_pos[i, ch]), w)
            top = r * stride - (size - stride) // 2 + pad
            left = q * stride - (size - stride) // 2 + pad
            patches[ch, j] = padded[i, top:top + size, left:left + size]
    return {"indices": idx, "patches": patches, "activations": np.take_along_axis(best_val.T, idx, axis=1)}


def class_purity(indices: np.ndarray, labels: np.ndarray) -> float:
    """Mean over channels of the share of a channel's top images that belong to its most common class."""
    return float(np.mean([np.bincount(labels[row]).max() / len(row) for row in indices]))


def shift_images(images: np.ndarray, dx: int, dy: int = 0) -> np.ndarray:
    """Translate (N, C, H, W) images by (dx, dy) pixels, filling with zeros (no wrap-around)."""
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    src = images[..., max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[..., max(0, dy):max(0, dy) + src.shape[-2], max(0, dx):max(0, dx) + src.shape[-1]] = src
    return out


def pooling_invariance(shifts=(1, 2), pool: int = 4, size: int = 16, seed: int = 0) -> dict[str, dict[int, float]]:
    """Relative change ‖f(shift(x)) − f(x)‖ / ‖f(x)‖ of conv features with and without max pooling.

    The features are an untrained 3×3 convolution (16 channels, seeded) + ReLU over the digits
    resized to ``size``×``size``; pooling is a ``pool``×``pool`` max pool on top. Shifts are
    horizontal, by each of ``shifts`` pixels.

    Returns:
        ``{"no_pooling": {shift: change}, "max_pooling": {shift: change}}``, averaged over images.
    """
    X = load_digits(images=True, size=size).X_train[:200]
    seeded(seed)
    conv = Sequential(Conv2d(1, 16, 3, padding=1), ReLU())
    models = {"no_pooling": conv, "max_pooling": Sequential(conv, MaxPool2d(pool))}
    out = {name: {} for name in models}
    for name, model in models.items():
        base = predict_array(model, X).reshape(len(X), -1)
        for s in shifts:
            moved = predict_array(model, shift_images(X, s)).reshape(len(X), -1)
            out[name][int(s)] = float(np.mean(np.linalg.norm(moved - base, axis=1) / np.linalg.norm(base, axis=1)))
    return out
