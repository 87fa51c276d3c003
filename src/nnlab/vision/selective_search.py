"""Selective search (Uijlings, van de Sande, Gevers & Smeulders, IJCV 2013): region proposals.

Start from the Felzenszwalb–Huttenlocher over-segmentation (:func:`felzenszwalb`), then
greedily merge the two most similar *neighbouring* regions until one region covers the
image; every region of that hierarchy (the initial ones and each merge) is a proposal. The
similarity is a sum of the chosen terms, each in [0, 1]:

- colour   s_c = Σₖ min(cᵢᵏ, cⱼᵏ), over L1-normalized colour histograms (25 bins per channel);
- texture  s_t = Σₖ min(tᵢᵏ, tⱼᵏ), over histograms (10 bins) of Gaussian derivatives (σ = 1)
  in 8 orientations per channel;
- size     s_s = 1 − (|rᵢ| + |rⱼ|)/|im|, so small regions merge first;
- fill     s_f = 1 − (|BBᵢⱼ| − |rᵢ| − |rⱼ|)/|im|, so regions that fill each other's box merge first.

A merged region's histograms are the size-weighted mean of its parts. Diversity comes from
several *strategies* (colour space × k × similarity set), their proposals pooled. Ranking as
the paper does: within a strategy the region made last (the whole image) gets position 1,
the one before it 2, …; each position is multiplied by a uniform random number, the pooled
boxes are sorted by that value and duplicates dropped, which keeps the top of every hierarchy
near the front while mixing the strategies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnlab.vision.boxes import iou_broadcast
from nnlab.vision.felzenszwalb import _as_chw, felzenszwalb, gaussian_blur

__all__ = ["selective_search", "hierarchical_grouping", "region_features", "Hierarchy", "STRATEGIES",
           "rgb_to_hsv", "rgb_to_lab", "proposal_recall"]

SIMILARITIES = ("colour", "texture", "size", "fill")
COLOUR_BINS, TEXTURE_BINS, ORIENTATIONS = 25, 10, 8

#: preset → list of (colour space, k, similarity terms). "fast" is the paper's Selective Search Fast.
STRATEGIES: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {
    "single": [("hsv", 100.0, SIMILARITIES)],
    "fast": [(cs, k, sims) for cs in ("hsv", "lab") for k in (50.0, 100.0)
             for sims in (SIMILARITIES, ("texture", "size", "fill"))],
    "quality": [(cs, k, sims) for cs in ("hsv", "lab", "rgb") for k in (50.0, 100.0, 150.0, 300.0)
                for sims in (SIMILARITIES, ("texture", "size", "fill"), ("fill",), ("size",))],
}


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) RGB in [0, 1] → HSV, each channel in [0, 1] (hue as a fraction of the circle)."""
    r, g, b = rgb
    v = rgb.max(axis=0)
    c = v - rgb.min(axis=0)
    safe = np.where(c > 0, c, 1.0)
    h = np.where(v == r, ((g - b) / safe) % 6.0, np.where(v == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    h = np.where(c > 0, h / 6.0, 0.0)
    s = np.where(v > 0, c / np.where(v > 0, v, 1.0), 0.0)
    return np.stack([h, s, v]).astype(rgb.dtype)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) sRGB in [0, 1] → CIE L*a*b* (D65), rescaled to [0, 1]: L/100, (a + 128)/255, (b + 128)/255."""
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = np.tensordot(m, lin, axes=1) / np.array([0.95047, 1.0, 1.08883])[:, None, None]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.stack([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])
    return np.stack([lab[0] / 100.0, (lab[1] + 128) / 255.0, (lab[2] + 128) / 255.0]).clip(0, 1).astype(rgb.dtype)


_SPACES = {"rgb": lambda x: x, "hsv": rgb_to_hsv, "lab": rgb_to_lab}


def _histograms(values: np.ndarray, labels: np.ndarray, k: int, bins: int, hi: np.ndarray) -> np.ndarray:
    """Per-region L1-normalized histograms of each channel of ``values`` (C, H, W) over [0, hi_c]: (K, C·bins)."""
    flat = labels.ravel()
    out = []
    for ch, top in zip(values, hi):
        idx = np.minimum((ch.ravel() / max(float(top), 1e-12) * bins).astype(np.int64), bins - 1)
        out.append(np.bincount(flat * bins + idx, minlength=k * bins).reshape(k, bins))
    h = np.concatenate(out, axis=1).astype(np.float64)
    return h / h.sum(axis=1, keepdims=True)


def region_features(image: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Colour and texture histograms, sizes and boxes of the regions of ``labels`` (image (3, H, W) in [0, 1])."""
    k = int(labels.max()) + 1
    colour = _histograms(np.clip(image, 0, 1), labels, k, COLOUR_BINS, np.ones(len(image)))
    smooth = gaussian_blur(image, 1.0)
    gy, gx = np.gradient(smooth, axis=(1, 2))
    angles = np.arange(ORIENTATIONS) * (2 * np.pi / ORIENTATIONS)
    resp = np.concatenate([np.maximum(np.cos(a) * gx + np.sin(a) * gy, 0.0) for a in angles])
    texture = _histograms(resp, labels, k, TEXTURE_BINS, resp.reshape(len(resp), -1).max(axis=1))
    rows, cols = np.indices(labels.shape)
    flat = labels.ravel()
    boxes = np.stack([np.full(k, np.inf), np.full(k, np.inf), np.zeros(k), np.zeros(k)], axis=1)
    np.minimum.at(boxes[:, 0], flat, cols.ravel())
    np.minimum.at(boxes[:, 1], flat, rows.ravel())
    np.maximum.at(boxes[:, 2], flat, cols.ravel() + 1)
    np.maximum.at(boxes[:, 3], flat, rows.ravel() + 1)
    return {"colour": colour, "texture": texture, "size": np.bincount(flat, minlength=k).astype(np.float64),
            "boxes": boxes}


def _neighbour_pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    pairs = []
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])):
        diff = a != b
        pairs.append(np.stack([np.minimum(a, b)[diff], np.maximum(a, b)[diff]], axis=1))
    return set(map(tuple, np.unique(np.concatenate(pairs), axis=0).tolist()))


@dataclass
class Hierarchy:
    """One grouping's regions in order of creation: the K initial regions, then one per merge.

    Attributes:
        boxes: (R, 4) float64 xyxy of every region. sizes: (R,) pixel counts.
        merges: (i, j, t) for each merge of regions i and j into the new region t.
    """

    boxes: np.ndarray
    sizes: np.ndarray
    merges: list[tuple[int, int, int]] = field(default_factory=list)


def hierarchical_grouping(image, labels: np.ndarray, similarities=SIMILARITIES) -> Hierarchy:
    """Greedily merge the most similar pair of neighbouring regions of ``labels`` until one is left.

    Args:
        image: (3, H, W) in [0, 1], the colour space the histograms are taken in.
        labels: (H, W) int regions 0..K−1 (e.g. from :func:`felzenszwalb`).
        similarities: the terms summed, a non-empty subset of ("colour", "texture", "size", "fill").
    """
    img = _as_chw(image, "hierarchical_grouping").astype(np.float64)
    labels = np.asarray(labels)
    if labels.shape != img.shape[1:] or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise ValueError(f"hierarchical_grouping: labels must be non-negative ints of shape {img.shape[1:]}, "
                         f"got {labels.dtype} {labels.shape}")
    sims = tuple(similarities)
    if not sims or any(s not in SIMILARITIES for s in sims):
        raise ValueError(f"hierarchical_grouping: similarities must be a non-empty subset of {SIMILARITIES}, got {sims}")
    feats = region_features(img, labels)
    colour, texture = list(feats["colour"]), list(feats["texture"])
    sizes, boxes = feats["size"].tolist(), [b for b in feats["boxes"]]
    area = float(labels.size)

    def similarity(i: int, j: int) -> float:
        s = 0.0
        if "colour" in sims:
            s += np.minimum(colour[i], colour[j]).sum()
        if "texture" in sims:
            s += np.minimum(texture[i], texture[j]).sum()
        if "size" in sims:
            s += 1.0 - (sizes[i] + sizes[j]) / area
        if "fill" in sims:
            bi, bj = boxes[i], boxes[j]
            bb = (max(bi[2], bj[2]) - min(bi[0], bj[0])) * (max(bi[3], bj[3]) - min(bi[1], bj[1]))
            s += 1.0 - (bb - sizes[i] - sizes[j]) / area
        return float(s)

    neighbours: dict[int, set[int]] = {r: set() for r in range(len(sizes))}
    for i, j in _neighbour_pairs(labels):
        neighbours[i].add(j)
        neighbours[j].add(i)
    pending = {(i, j): similarity(i, j) for i, j in _neighbour_pairs(labels)}
    merges = []
    while pending:
        i, j = max(pending, key=pending.get)
        t = len(sizes)
        n = sizes[i] + sizes[j]
        colour.append((sizes[i] * colour[i] + sizes[j] * colour[j]) / n)
        texture.append((sizes[i] * texture[i] + sizes[j] * texture[j]) / n)
        boxes.append(np.concatenate([np.minimum(boxes[i][:2], boxes[j][:2]), np.maximum(boxes[i][2:], boxes[j][2:])]))
        sizes.append(n)
        around = (neighbours.pop(i) | neighbours.pop(j)) - {i, j}
        for r in around:
            for old in (i, j):
                pending.pop((min(r, old), max(r, old)), None)
            neighbours[r] -= {i, j}
            neighbours[r].add(t)
            pending[(r, t)] = similarity(r, t)
        pending.pop((min(i, j), max(i, j)), None)
        neighbours[t] = around
        merges.append((i, j, t))
    return Hierarchy(np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(sizes), merges)


def selective_search(image, strategy: str | list = "fast", min_size: int = 20, seed: int = 0,
                     max_proposals: int | None = None) -> np.ndarray:
    """Region proposals of one image, ranked as the paper does (see the module docstring).

    Args:
        image: (3, H, W) array or Tensor, RGB in [0, 1].
        strategy: a key of :data:`STRATEGIES` ("single", "fast", "quality") or a list of
            (colour space in {"rgb", "hsv", "lab"}, k, similarity terms). Default: "fast".
        min_size: Felzenszwalb's ``min_size``. Default: 20.
        seed: seeds the random factor of the ranking. Default: 0.
        max_proposals: keep only the first this many. Default: all.

    Returns:
        (M, 4) float32 boxes, xyxy in pixels, best-ranked first, without duplicates.
    """
    img = _as_chw(image, "selective_search").astype(np.float64)
    if img.shape[0] != 3:
        raise ValueError(f"selective_search: expected an RGB image (3, H, W), got shape {img.shape}")
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(f"selective_search: unknown strategy {strategy!r}; expected one of {sorted(STRATEGIES)}")
        strategy = STRATEGIES[strategy]
    rng = np.random.default_rng(seed)
    all_boxes, all_rank = [], []
    for space, k, sims in strategy:
        if space not in _SPACES:
            raise ValueError(f"selective_search: unknown colour space {space!r}; expected one of {sorted(_SPACES)}")
        converted = _SPACES[space](img)
        h = hierarchical_grouping(converted, felzenszwalb(converted, scale=k, min_size=min_size), sims)
        position = np.arange(len(h.boxes), 0, -1, dtype=np.float64)  # the last region made is position 1
        all_boxes.append(h.boxes)
        all_rank.append(position * rng.random(len(position)))
    boxes = np.concatenate(all_boxes)[np.argsort(np.concatenate(all_rank), kind="stable")]
    _, first = np.unique(boxes, axis=0, return_index=True)
    boxes = boxes[np.sort(first)].astype(np.float32)
    return boxes if max_proposals is None else boxes[:max_proposals]


def proposal_recall(proposals: list, gt_boxes: list, top_k: int, iou_threshold: float = 0.5) -> float:
    """The fraction of ground-truth boxes that one of their image's first ``top_k`` proposals covers at IoU ≥ t."""
    hit = total = 0
    for props, gt in zip(proposals, gt_boxes):
        gt = np.asarray(gt, np.float64).reshape(-1, 4)
        total += len(gt)
        props = np.asarray(props, np.float64).reshape(-1, 4)[:top_k]
        if len(gt) and len(props):
            hit += int((iou_broadcast(gt[:, None], props[None]).max(axis=1) >= iou_threshold).sum())
    return hit / total if total else float("nan")
