"""Seeded data augmentation for images: flips, crops, shifts, rotations, noise, normalization.

Every transform takes one image (C, H, W) or a batch (N, C, H, W), as a NumPy array
or an nnlab Tensor, and returns the same kind; in a batch each image gets its own
random draw, all vectorized (no loop over images). Randomness comes from
``generator`` or, when it is None, from ``nnlab.backend.default_generator()`` at call
time, so ``nnlab.manual_seed(s)`` makes a run repeatable. Transforms compose with
:class:`nnlab.data.Compose`.

To augment while training, wrap the training set::

    train = AugmentedDataset(TensorDataset(X_train, y_train),
                             Compose([RandomCrop(32, padding=4), RandomHorizontalFlip()]))
    loader = DataLoader(train, batch_size=64, shuffle=True)

:class:`AugmentedDataset` transforms one field (the image) of each sample as the
loader fetches it, so every epoch sees fresh augmentations; dev and test sets stay
plain ``TensorDataset`` s and keep the loader's one-fancy-index-per-batch fast path.
In a hand-written loop, a transform can equally be applied to a whole batch at once:
``x = augment(x)``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab.backend import default_generator
from nnlab.backend.windows import sliding_windows
from nnlab.data.dataset import Dataset
from nnlab.data.transforms import _float_dtype, _rewrap, _unwrap

_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


class _ImageTransform:
    """Plumbing: unwrap, treat one image as a batch of one, draw from the right generator."""

    def __init__(self, generator: np.random.Generator | None = None):
        self.generator = generator

    def _batch(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"_batch is abstract: {type(self).__name__} must implement it")

    def __call__(self, images):
        a, was_tensor = _unwrap(images)
        if a.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected an image (C, H, W) or a batch (N, C, H, W), "
                             f"got shape {a.shape}")
        rng = self.generator if self.generator is not None else default_generator()
        out = self._batch(a if a.ndim == 4 else a[None], rng)
        return _rewrap(out if a.ndim == 4 else out[0], was_tensor)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "generator")
        return f"{type(self).__name__}({args})"


def _pair(value, name: str, op: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{op}: {name} must be one value or a pair (height, width), got {value!r}")
        return tuple(value)
    return (value, value)


class RandomHorizontalFlip(_ImageTransform):
    """x[..., ::-1] (mirror left-right) with probability p, independently per image.

    Args:
        p: probability of flipping an image. Default: 0.5.
        generator: source of the draws. Default: None (the global generator).

    Shape:
        (C, H, W) or (N, C, H, W); output: the same shape and dtype.
    """

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must lie in [0, 1], got {p}")
        super().__init__(generator)
        self.p = p

    def _batch(self, images, rng):
        flip = rng.random(images.shape[0]) < self.p
        out = images.copy()
        out[flip] = images[flip][..., ::-1]
        return out


def _random_crops(images: np.ndarray, size: tuple[int, int], padding: tuple[int, int, int, int],
                  mode: str, fill: float, rng: np.random.Generator, op: str) -> np.ndarray:
    """Pad by (left, top, right, bottom), then cut one (h, w) window per image at a uniform offset."""
    left, top, right, bottom = padding
    if any(padding):
        kwargs = {"constant_values": fill} if mode == "constant" else {}
        images = np.pad(images, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=mode, **kwargs)
    n, _, hp, wp = images.shape
    h, w = size
    if h > hp or w > wp:
        raise ValueError(f"{op}: crop size {size} is larger than the padded image ({hp}, {wp})")
    i = rng.integers(0, hp - h + 1, size=n)
    j = rng.integers(0, wp - w + 1, size=n)
    windows = sliding_windows(images, (h, w), (1, 1), (1, 1))  # (N, C, oh, ow, h, w), a view
    return windows[np.arange(n), :, i, j]  # advanced indices first: (N, C, h, w), a copy


class RandomCrop(_ImageTransform):
    """A random (h, w) window of the image, after optional padding (torchvision's RandomCrop).

    Args:
        size: (h, w) of the crop, or one int for a square.
        padding: added before cropping: one int (all sides), (left/right, top/bottom) or
            (left, top, right, bottom). Default: 0.
        padding_mode: ``'constant'`` (``fill``), ``'edge'``, ``'reflect'`` or ``'symmetric'``.
            Default: ``'constant'``.
        fill: the constant of ``'constant'`` padding. Default: 0.
        generator: source of the offsets. Default: None (the global generator).

    Shape:
        (C, H, W) or (N, C, H, W); output: (C, h, w) or (N, C, h, w), same dtype.
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] = 0, padding_mode: str = "constant",
                 fill: float = 0, generator: np.random.Generator | None = None):
        super().__init__(generator)
        self.size = tuple(int(s) for s in _pair(size, "size", "RandomCrop"))
        if isinstance(padding, (int, np.integer)):
            pad = (int(padding),) * 4
        elif len(padding) == 2:
            pad = (int(padding[0]), int(padding[1])) * 2
        elif len(padding) == 4:
            pad = tuple(int(p) for p in padding)
        else:
            raise ValueError(f"RandomCrop: padding must be an int, 2 or 4 values, got {padding!r}")
        if any(p < 0 for p in pad) or any(s < 1 for s in self.size):
            raise ValueError(f"RandomCrop: size must be positive and padding non-negative, "
                             f"got size={size}, padding={padding}")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {_PAD_MODES}, got {padding_mode!r}")
        self.padding = pad
        self.padding_mode = padding_mode
        self.fill = fill

    def _batch(self, images, rng):
        return _random_crops(images, self.size, self.padding, self.padding_mode, self.fill, rng, "RandomCrop")


class RandomShift(_ImageTransform):
    """Translate each image by a random whole number of pixels (dy, dx), |dy|, |dx| ≤ max_shift, zero fill.

    out[y, x] = in[y − dy, x − dx] (0 where that falls outside). This is a random crop of
    the image's own size after zero padding by ``max_shift``, and is computed as one.

    Args:
        max_shift: the largest shift in pixels, one int or (vertical, horizontal).
        generator: source of the shifts. Default: None (the global generator).

    Shape:
        (C, H, W) or (N, C, H, W); output: the same shape and dtype.
    """

    def __init__(self, max_shift: int | Sequence[int], generator: np.random.Generator | None = None):
        super().__init__(generator)
        self.max_shift = tuple(int(m) for m in _pair(max_shift, "max_shift", "RandomShift"))
        if any(m < 0 for m in self.max_shift):
            raise ValueError(f"RandomShift: max_shift must be non-negative, got {max_shift}")

    def _batch(self, images, rng):
        my, mx = self.max_shift
        return _random_crops(images, images.shape[2:], (mx, my, mx, my), "constant", 0, rng, "RandomShift")


def _bilinear_sample(images: np.ndarray, ys: np.ndarray, xs: np.ndarray, fill: float) -> np.ndarray:
    """out[n, c, i, j] = bilinear value of images[n, c] at (ys[n, i, j], xs[n, i, j]); ``fill`` outside."""
    n, c, h, w = images.shape
    dt = images.dtype
    y0 = np.floor(ys).astype(np.int64)
    x0 = np.floor(xs).astype(np.int64)
    wy = (ys - y0).astype(dt)
    wx = (xs - x0).astype(dt)
    batch = np.arange(n)[:, None, None]
    out = np.zeros((n, h, w, c), dtype=dt)
    for dy, dx, weight in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx), (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = y0 + dy, x0 + dx
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        vals = images[batch, :, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]  # (N, H, W, C)
        vals = np.where(inside[..., None], vals, dt.type(fill))
        out += weight[..., None] * vals
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


class RandomRotation(_ImageTransform):
    """Rotate each image about its centre by a random angle θ ~ U(min, max) degrees, bilinear, ``fill`` outside.

    Positive angles turn the picture counter-clockwise (as ``np.rot90`` and torchvision
    do). Each output pixel p samples the input at c + R(θ)⁻¹(p − c), c the image centre.

    Args:
        degrees: the range of angles: d for (−d, d), or (min, max).
        fill: the value of pixels rotated in from outside the image. Default: 0.
        generator: source of the angles. Default: None (the global generator).

    Shape:
        (C, H, W) or (N, C, H, W); output: the same shape, a floating dtype (integer
        images become the default float dtype).
    """

    def __init__(self, degrees: float | Sequence[float], fill: float = 0.0, generator: np.random.Generator | None = None):
        super().__init__(generator)
        if isinstance(degrees, (tuple, list)):
            lo, hi = (float(d) for d in _pair(degrees, "degrees", "RandomRotation"))
        else:
            if degrees < 0:
                raise ValueError(f"RandomRotation: a single degrees value must be non-negative, got {degrees}")
            lo, hi = -float(degrees), float(degrees)
        if lo > hi:
            raise ValueError(f"RandomRotation: degrees range must have min <= max, got {degrees}")
        self.degrees = (lo, hi)
        self.fill = fill

    def _batch(self, images, rng):
        n, _, h, w = images.shape
        theta = np.deg2rad(rng.uniform(self.degrees[0], self.degrees[1], size=n))[:, None, None]
        cy, cx = (h - 1) / 2, (w - 1) / 2
        y = np.arange(h, dtype=np.float64)[None, :, None] - cy
        x = np.arange(w, dtype=np.float64)[None, None, :] - cx
        cos, sin = np.cos(theta), np.sin(theta)
        # Screen axes (x right, y down): a counter-clockwise turn maps the source offset
        # (x, y) to (x cos θ + y sin θ, −x sin θ + y cos θ); invert it to find each source.
        xs = x * cos - y * sin + cx
        ys = x * sin + y * cos + cy
        return _bilinear_sample(images.astype(_float_dtype(images), copy=False), ys, xs, self.fill)


class GaussianNoise(_ImageTransform):
    """x + ε, ε ~ N(0, std²) per pixel, drawn afresh per call.

    Args:
        std: the noise's standard deviation (≥ 0).
        generator: source of the noise. Default: None (the global generator).

    Shape:
        (C, H, W) or (N, C, H, W); output: the same shape, a floating dtype.
    """

    def __init__(self, std: float, generator: np.random.Generator | None = None):
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be non-negative, got {std}")
        super().__init__(generator)
        self.std = std

    def _batch(self, images, rng):
        dt = _float_dtype(images)
        noise = rng.standard_normal(images.shape, dtype=np.float64 if dt == np.float64 else np.float32)
        return images.astype(dt, copy=False) + (self.std * noise).astype(dt, copy=False)


class Normalize(_ImageTransform):
    """(x_c − mean_c) / std_c per channel c (torchvision's Normalize), with fixed statistics.

    Args:
        mean: one value per channel (or one for all).
        std: one positive value per channel (or one for all).

    Shape:
        (C, H, W) or (N, C, H, W); output: the same shape, a floating dtype.
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]):
        super().__init__(None)
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError(f"Normalize: mean and std must be scalars or 1-d sequences, got {mean!r}, {std!r}")
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be positive, got {std!r}")

    def _batch(self, images, rng):
        c = images.shape[1]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, c):
                raise ValueError(f"Normalize: {name} has {v.size} values, "
                                 f"the images (shape {images.shape}) have {c} channels")
        dt = _float_dtype(images)
        mean = self.mean.astype(dt)[:, None, None]
        std = self.std.astype(dt)[:, None, None]
        return (images.astype(dt, copy=False) - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class AugmentedDataset(Dataset):
    """The samples of ``dataset`` with ``transform`` applied to field ``index``, afresh at every access.

    Args:
        dataset: a map-style dataset whose samples are tuples (image, label, ...) or bare images.
        transform: a callable on one image (C, H, W), e.g. a :class:`~nnlab.data.Compose`
            of the transforms in this module.
        index: which field of a tuple sample to transform. Default: 0.

    Shape:
        field ``index`` of each sample: (C, H, W), as ``transform`` returns it.
    """

    def __init__(self, dataset: Dataset, transform, index: int = 0):
        if not callable(transform):
            raise TypeError(f"AugmentedDataset: transform must be callable, got {type(transform).__name__}")
        self.dataset = dataset
        self.transform = transform
        self.index = index

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> Any:
        sample = self.dataset[i]
        if not isinstance(sample, (tuple, list)):
            return self.transform(sample)
        fields = list(sample)
        if not -len(fields) <= self.index < len(fields):
            raise IndexError(f"AugmentedDataset: index {self.index} is out of range for samples of {len(fields)} fields")
        fields[self.index] = self.transform(fields[self.index])
        if hasattr(sample, "_fields"):  # named tuple
            return type(sample)(*fields)
        return tuple(fields) if isinstance(sample, tuple) else fields
