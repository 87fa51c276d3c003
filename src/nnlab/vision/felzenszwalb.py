"""Efficient graph-based image segmentation (Felzenszwalb & Huttenlocher, IJCV 2004).

The image is a graph: one vertex per pixel, an edge between each pixel and its 8
neighbours weighted by their colour distance w = ‖I(p) − I(q)‖ (RGB on a 0–255 scale, after a
Gaussian blur of width ``sigma``). Edges are visited by increasing weight; the components
C₁ ∋ p and C₂ ∋ q are merged when

    w ≤ MInt(C₁, C₂) = min(Int(C₁) + k/|C₁|, Int(C₂) + k/|C₂|),

where Int(C) is the largest edge weight inside C's minimum spanning tree (the last edge that
merged into it, since edges come sorted) and k (``scale``) sets the preference for larger
components: a region must differ from its neighbour by more than its own inner variation
plus k/|C|. A last pass over the sorted edges merges components smaller than ``min_size``.

Building and sorting the edges is vectorized NumPy; the merge pass is a loop over the
sorted edges with a union-find (path halving, union by size) on Python lists.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor

__all__ = ["felzenszwalb", "gaussian_blur", "image_graph", "DisjointSet"]


class DisjointSet:
    """Union-find over ``n`` elements with path halving and union by size.

    Attributes:
        parent: each element's parent (a root is its own parent).
        size: the component size, valid at roots.
        internal: Int(C), the largest MST edge inside the component, valid at roots.
    """

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        self.internal = [0.0] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int, weight: float = 0.0) -> int:
        """Join the components rooted at ``a`` and ``b`` by an edge of ``weight``; returns the new root."""
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.internal[a] = max(self.internal[a], self.internal[b], weight)
        return a

    def labels(self) -> np.ndarray:
        """Component labels 0..K−1, numbered in order of each component's first element."""
        roots = np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)
        _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))  # renumber by first appearance (row-major scan)
        return order[inverse].astype(np.int64)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Blur each channel of (C, H, W) with a separable Gaussian of std ``sigma`` (edges reflected).

    The kernel is g(t) ∝ exp(−t²/2σ²) on t = −⌈4σ⌉ … ⌈4σ⌉, normalized to sum 1; σ = 0 returns a copy.
    """
    if sigma <= 0:
        return image.copy()
    radius = int(np.ceil(4.0 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    g /= g.sum()
    out = image.astype(np.float64)
    for axis in (1, 2):
        pad = [(0, 0)] * 3
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="reflect" if out.shape[axis] > radius else "edge")
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for k, gk in enumerate(g):
            acc += gk * np.take(padded, np.arange(k, k + n), axis=axis)
        out = acc
    return out


def image_graph(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 8-connected pixel graph of (C, H, W): edge endpoints (flat indices) and weights ‖I(p) − I(q)‖."""
    c, h, w = image.shape
    idx = np.arange(h * w).reshape(h, w)
    src, dst, wts = [], [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ys, ye = 0, h - dy
        xs, xe = max(0, -dx), w - max(0, dx)
        a = idx[ys:ye, xs:xe]
        b = idx[ys + dy:ye + dy, xs + dx:xe + dx]
        diff = image[:, ys:ye, xs:xe] - image[:, ys + dy:ye + dy, xs + dx:xe + dx]
        src.append(a.ravel())
        dst.append(b.ravel())
        wts.append(np.sqrt((diff ** 2).sum(axis=0)).ravel())
    return np.concatenate(src), np.concatenate(dst), np.concatenate(wts)


def _as_chw(image, fn: str) -> np.ndarray:
    arr = image.array if isinstance(image, Tensor) else np.asarray(image)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] not in (1, 3) or min(arr.shape[1:]) < 1:
        raise ValueError(f"{fn}: expected an image of shape (H, W), (1, H, W) or (3, H, W), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: the image must hold finite numbers (dtype {arr.dtype})")
    return arr


def felzenszwalb(image, scale: float = 100.0, sigma: float = 0.8, min_size: int = 20) -> np.ndarray:
    """Segment an image into regions by the Felzenszwalb–Huttenlocher criterion w ≤ MInt(C₁, C₂).

    Args:
        image: (3, H, W) or (H, W) array or Tensor with values in [0, 1] (weights are measured on
            a 0–255 scale so that ``scale`` means what the paper's k means).
        scale: k, the threshold function τ(C) = k/|C|; larger k, larger regions. Default: 100.
        sigma: std of the Gaussian blur before building the graph. Default: 0.8.
        min_size: components smaller than this are merged into a neighbour afterwards. Default: 20.

    Returns:
        (H, W) int64 labels 0..K−1, numbered in row-major order of first appearance.
    """
    arr = _as_chw(image, "felzenszwalb")
    if scale < 0 or sigma < 0 or min_size < 0:
        raise ValueError(f"felzenszwalb: scale, sigma and min_size must be >= 0, got {scale}, {sigma}, {min_size}")
    _, h, w = arr.shape
    smooth = gaussian_blur(arr.astype(np.float64) * 255.0, sigma)
    src, dst, wts = image_graph(smooth)
    order = np.argsort(wts, kind="stable")
    src, dst, wts = src[order].tolist(), dst[order].tolist(), wts[order].tolist()
    ds = DisjointSet(h * w)
    find, size, internal, k = ds.find, ds.size, ds.internal, float(scale)
    for a, b, wt in zip(src, dst, wts):
        ra, rb = find(a), find(b)
        if ra != rb and wt <= internal[ra] + k / size[ra] and wt <= internal[rb] + k / size[rb]:
            ds.union(ra, rb, wt)
    if min_size > 1:
        for a, b in zip(src, dst):
            ra, rb = find(a), find(b)
            if ra != rb and (size[ra] < min_size or size[rb] < min_size):
                ds.union(ra, rb)
    return ds.labels().reshape(h, w)
