"""RoI ops: hand-computed cases, a direct loop transcription of torchvision's kernels, gradcheck, errors."""

import math

import numpy as np
import pytest

import nnlab
from nnlab.autograd.gradcheck import gradcheck
from nnlab.vision import MultiScaleRoIAlign, RoIAlign, RoIPool, roi_align, roi_pool
from nnlab.vision.roi_modules import map_levels

GRID = nnlab.from_numpy((4.0 * np.arange(4)[:, None] + np.arange(4)[None, :]).astype(np.float32)[None, None])


def _bilinear(f, y, x):
    """torchvision's bilinear_interpolate, one sample, written out."""
    h, w = f.shape
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= h - 1:
        y0 = y1 = h - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= w - 1:
        x0 = x1 = w - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return (1 - ly) * (1 - lx) * f[y0, x0] + (1 - ly) * lx * f[y0, x1] + ly * (1 - lx) * f[y1, x0] + ly * lx * f[y1, x1]


def loop_roi_align(x, rois, ph, pw, scale, ratio, aligned):
    out = np.zeros((len(rois), x.shape[1], ph, pw))
    off = 0.5 if aligned else 0.0
    for k, (n, x1, y1, x2, y2) in enumerate(rois):
        sx, sy = x1 * scale - off, y1 * scale - off
        rw, rh = x2 * scale - off - sx, y2 * scale - off - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = ratio if ratio > 0 else math.ceil(rh / ph)
        gw = ratio if ratio > 0 else math.ceil(rw / pw)
        count = max(gh * gw, 1)
        for c in range(x.shape[1]):
            for i in range(ph):
                for j in range(pw):
                    acc = 0.0
                    for iy in range(gh):
                        yy = sy + i * bh + (iy + 0.5) * bh / gh
                        for ix in range(gw):
                            acc += _bilinear(x[int(n), c], yy, sx + j * bw + (ix + 0.5) * bw / gw)
                    out[k, c, i, j] = acc / count
    return out


def loop_roi_pool(x, rois, ph, pw, scale):
    out = np.zeros((len(rois), x.shape[1], ph, pw))
    h, w = x.shape[2:]
    cround = lambda v: math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)  # noqa: E731
    for k, (n, x1, y1, x2, y2) in enumerate(rois):
        sw, sh, ew, eh = (cround(v * scale) for v in (x1, y1, x2, y2))
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        for i in range(ph):
            for j in range(pw):
                hs = min(max(math.floor(i * rh / ph) + sh, 0), h)
                he = min(max(math.ceil((i + 1) * rh / ph) + sh, 0), h)
                ws = min(max(math.floor(j * rw / pw) + sw, 0), w)
                we = min(max(math.ceil((j + 1) * rw / pw) + sw, 0), w)
                if he > hs and we > ws:
                    out[k, :, i, j] = x[int(n), :, hs:he, ws:we].max(axis=(1, 2))
    return out


def random_rois(rng, n_img, k, size):
    xy = rng.uniform(-0.2 * size, 0.9 * size, (k, 2))
    wh = rng.uniform(0.0, 0.7 * size, (k, 2))
    return np.concatenate([rng.integers(0, n_img, (k, 1)), xy, xy + wh], 1)


# ---- hand-computed cases on the 4×4 map x[h, w] = 4h + w ----
def test_align_box_on_the_grid():
    # 2×2 samples at 0.5 and 1.5: bilinear values 2.5, 3.5, 6.5, 7.5, mean 5.
    assert roi_align(GRID, [np.array([[0, 0, 2, 2]], np.float32)], 1).item() == pytest.approx(5.0)
    # aligned: the box covers pixels 0 and 1, the samples land on their centres: mean of 0, 1, 4, 5.
    assert roi_align(GRID, [np.array([[0, 0, 2, 2]], np.float32)], 1, aligned=True).item() == pytest.approx(2.5)
    # 2×2 bins over the whole map: the last bin's samples at 3.5 clamp to the edge cell 3.
    out = roi_align(GRID, [np.array([[0, 0, 4, 4]], np.float32)], 2).numpy()[0, 0]
    # bin means: y (0.5+1.5)/2 = 1 or (2.5+3)/2 = 2.75, x likewise; value 4y + x.
    np.testing.assert_allclose(out, [[5.0, 6.75], [12.0, 13.75]], rtol=1e-6)


def test_align_box_between_cells():
    box = [np.array([[0.5, 0.5, 1.5, 1.5]], np.float32)]
    assert roi_align(GRID, box, 1).item() == pytest.approx(5.0)  # one sample at (1, 1)
    assert roi_align(GRID, box, 1, aligned=True).item() == pytest.approx(2.5)  # at (0.5, 0.5)
    # spatial_scale ½: the box (0, 0, 3, 3) becomes (0, 0, 1.5, 1.5), 2×2 samples at 0.375 and 1.125.
    v = roi_align(GRID, [np.array([[0, 0, 3, 3]], np.float32)], 1, spatial_scale=0.5).item()
    assert v == pytest.approx(5 * 0.75)


def test_pool_box_on_the_grid_and_between_cells():
    assert roi_pool(GRID, [np.array([[0, 0, 1, 1]], np.float32)], 1).item() == 5.0  # cells 0..1 inclusive
    # (0.4, 0.4, 1.6, 2.6) rounds to (0, 0, 2, 3): 3 wide, 4 tall; columns bins [0, 2) and [1, 3).
    out = roi_pool(GRID, [np.array([[0.4, 0.4, 1.6, 2.6]], np.float32)], 2).numpy()[0, 0]
    np.testing.assert_array_equal(out, [[5, 6], [13, 14]])
    # C's round: 0.5 goes to 1 (NumPy's round would give 0).
    assert roi_pool(GRID, [np.array([[0.5, 0, 0.5, 0]], np.float32)], 1).item() == 1.0
    assert roi_pool(GRID, [np.array([[5, 5, 8, 8]], np.float32)], 2).numpy().tolist() == [[[[0, 0], [0, 0]]]]


def test_quantization_shifts_roi_pool_not_roi_align():
    # Moving the box by a third of a cell changes RoIAlign's output smoothly, RoIPool's not at all.
    rng = np.random.default_rng(0)
    x = nnlab.from_numpy(rng.standard_normal((1, 2, 8, 8)).astype(np.float32))
    a, b = np.array([[1.0, 1.0, 5.0, 5.0]], np.float32), np.array([[1.3, 1.3, 5.3, 5.3]], np.float32)
    np.testing.assert_array_equal(roi_pool(x, [a], 2).numpy(), roi_pool(x, [b], 2).numpy())
    assert np.abs(roi_align(x, [a], 2).numpy() - roi_align(x, [b], 2).numpy()).max() > 1e-3


# ---- against the loop transcription on random boxes ----
@pytest.mark.parametrize("scale,ratio,aligned", [(1.0, -1, False), (0.5, 2, False), (0.25, -1, True), (0.5, 0, True)])
def test_align_matches_loop(scale, ratio, aligned):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 7))
    rois = random_rois(rng, 2, 12, 9 / scale)
    got = roi_align(nnlab.from_numpy(x), rois, (3, 2), scale, ratio, aligned).numpy()
    np.testing.assert_allclose(got, loop_roi_align(x, rois, 3, 2, scale, ratio, aligned), atol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25])
def test_pool_matches_loop(scale):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 7))
    rois = random_rois(rng, 2, 12, 9 / scale)
    got = roi_pool(nnlab.from_numpy(x), rois, (3, 2), scale).numpy()
    np.testing.assert_array_equal(got, loop_roi_pool(x, rois, 3, 2, scale))


def test_box_formats_agree_and_dtype_kept():
    rng = np.random.default_rng(3)
    x = nnlab.from_numpy(rng.standard_normal((2, 2, 6, 6)).astype(np.float32))
    per_image = [np.array([[0, 0, 3, 4]], np.float32), np.array([[1, 1, 5, 5], [2, 0, 4, 3]], np.float32)]
    k5 = np.array([[0, 0, 0, 3, 4], [1, 1, 1, 5, 5], [1, 2, 0, 4, 3]], np.float32)
    for op in (roi_align, roi_pool):
        a, b = op(x, per_image, 2), op(x, nnlab.from_numpy(k5), 2)
        assert a.dtype == np.float32 and a.shape == (3, 2, 2, 2)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---- gradients ----
def test_gradcheck_roi_align_and_roi_pool():
    rng = np.random.default_rng(4)
    x = nnlab.Tensor(rng.standard_normal((2, 2, 6, 5)), requires_grad=True)
    rois = random_rois(rng, 2, 6, 6)
    assert gradcheck(lambda t: roi_align(t, rois, 2, 1.0, -1, False), x)
    assert gradcheck(lambda t: roi_align(t, rois, (2, 3), 0.5, 2, True), x)
    assert gradcheck(lambda t: roi_pool(t, rois, 2, 1.0), x)


def test_empty_box_list():
    x = nnlab.Tensor(np.ones((2, 3, 5, 5), np.float32), requires_grad=True)
    for op in (roi_align, roi_pool):
        out = op(x, [np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32)], (2, 3))
        assert out.shape == (0, 3, 2, 3)
        out.sum().backward()
        assert x.grad is not None and not x.grad.numpy().any()
        x.grad = None
    assert roi_align(x, [], 2).shape == (0, 3, 2, 2)


def test_wrong_shapes_give_clear_errors():
    x = nnlab.Tensor(np.zeros((1, 1, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"roi_align: boxes\[0\] must have shape \(K, 4\)"):
        roi_align(x, [np.zeros((2, 5))], 2)
    with pytest.raises(ValueError, match=r"roi_pool: boxes must be a list .* \(K, 5\) tensor .* got shape \(3, 4\)"):
        roi_pool(x, np.zeros((3, 4)), 2)
    with pytest.raises(ValueError, match=r"roi_align: input must be \(N, C, H, W\), got shape \(4, 4\)"):
        roi_align(nnlab.Tensor(np.zeros((4, 4))), [np.zeros((1, 4))], 2)
    with pytest.raises(ValueError, match=r"roi_align: batch indices must be integers in \[0, 1\)"):
        roi_align(x, [np.zeros((1, 4)), np.zeros((1, 4))], 2)
    with pytest.raises(ValueError, match="roi_pool: output_size"):
        roi_pool(x, [np.zeros((1, 4))], (2, 0))


# ---- modules ----
def test_modules_match_functions_and_multiscale_levels():
    rng = np.random.default_rng(5)
    x = nnlab.from_numpy(rng.standard_normal((1, 2, 8, 8)).astype(np.float32))
    boxes = [np.array([[0, 0, 20, 24]], np.float32)]
    np.testing.assert_array_equal(RoIAlign(2, 0.25, 2)(x, boxes).numpy(), roi_align(x, boxes, 2, 0.25, 2).numpy())
    np.testing.assert_array_equal(RoIPool(2, 0.25)(x, boxes).numpy(), roi_pool(x, boxes, 2, 0.25).numpy())
    # Levels: sqrt(area) 56 → floor(4 + log2(56/224)) = 2, 112 → 3, 600 → clamped to 3, 3 → clamped to 2.
    rois = np.array([[0, 0, 0, 56, 56], [0, 0, 0, 112, 112], [0, 0, 0, 600, 600], [0, 0, 0, 3, 3]], float)
    assert map_levels(rois, 2, 3).tolist() == [0, 1, 1, 0]
    feats = {"p2": nnlab.Tensor(rng.standard_normal((1, 2, 32, 32)), requires_grad=True),
             "p3": nnlab.Tensor(rng.standard_normal((1, 2, 16, 16)), requires_grad=True),
             "pool": nnlab.Tensor(rng.standard_normal((1, 2, 4, 4)))}
    boxes = [np.array([[10, 10, 66, 66], [0, 8, 112, 120], [4, 4, 8, 8]], np.float32)]
    out = MultiScaleRoIAlign(["p2", "p3"], 3, 2)(feats, boxes, [(128, 128)])
    want = [roi_align(feats["p2"], [boxes[0][[0]]], 3, 0.25, 2), roi_align(feats["p3"], [boxes[0][[1]]], 3, 0.125, 2),
            roi_align(feats["p2"], [boxes[0][[2]]], 3, 0.25, 2)]
    np.testing.assert_allclose(out.detach().numpy(), np.concatenate([w.detach().numpy() for w in want]), atol=1e-12)
    out.sum().backward()
    assert np.abs(feats["p2"].grad.numpy()).sum() > 0 and np.abs(feats["p3"].grad.numpy()).sum() > 0
