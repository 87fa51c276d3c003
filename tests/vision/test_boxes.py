"""Box ops: hand-computed IoU cases, a slow per-pair reference, degenerate boxes, gradchecked losses."""

import math

import numpy as np
import pytest

import nnlab
from nnlab.autograd.gradcheck import gradcheck
from nnlab.vision import (
    box_area, box_convert, box_iou, clip_boxes_to_image, complete_box_iou, complete_box_iou_loss, distance_box_iou,
    distance_box_iou_loss, generalized_box_iou, generalized_box_iou_loss, remove_small_boxes,
)


def ref_terms(a, b):
    """Per pair, the plain way: intersection, union, enclosing box, centre distance, diagonal."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    cw, ch = max(a[2], b[2]) - min(a[0], b[0]), max(a[3], b[3]) - min(a[1], b[1])
    rho2 = ((a[0] + a[2] - b[0] - b[2]) / 2) ** 2 + ((a[1] + a[3] - b[1] - b[3]) / 2) ** 2
    iou = inter / union if union > 0 else 0.0
    return iou, inter, union, cw * ch, rho2, cw * cw + ch * ch


def random_boxes(rng, n, scale=50.0):
    xy = rng.uniform(0, scale, (n, 2))
    return np.concatenate([xy, xy + rng.uniform(0.5, scale / 2, (n, 2))], 1)


def test_iou_hand_computed():
    # The seeds' picture: two 2×2 boxes overlapping in a 1×1 square: 1 / (4 + 4 − 1) = 1/7.
    a = np.array([[0, 0, 2, 2]], np.float32)
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 4, 2], [5, 5, 6, 6], [0, 0, 1, 2]], np.float32)
    np.testing.assert_allclose(box_iou(a, b)[0], [1 / 7, 1.0, 0.0, 0.0, 0.5], rtol=1e-6)
    assert box_iou(a, b).dtype == np.float32
    # GIoU of disjoint boxes is negative: C = [0,0,6,6] = 36, union 5 → 0 − 31/36.
    np.testing.assert_allclose(generalized_box_iou(a, b[3:4])[0, 0], -31 / 36, rtol=1e-6)


def test_degenerate_boxes_give_zero_not_nan():
    z = np.array([[1, 1, 1, 1], [0, 0, 0, 0]], np.float32)
    assert (box_iou(z, z) == 0).all()
    # GIoU of two distinct points: IoU 0, enclosing box 1×1, union 0 → −1; of a point with itself 0.
    np.testing.assert_allclose(generalized_box_iou(z, z), [[0, -1], [-1, 0]])
    assert np.isfinite(distance_box_iou(z, z)).all() and np.isfinite(complete_box_iou(z, z)).all()
    assert box_iou(np.zeros((0, 4)), z).shape == (0, 2)


def test_pairwise_variants_match_slow_reference():
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    got = dict(iou=box_iou(a, b), giou=generalized_box_iou(a, b), diou=distance_box_iou(a, b),
               ciou=complete_box_iou(a, b))
    for i in range(7):
        for j in range(5):
            iou, inter, union, enc, rho2, diag2 = ref_terms(a[i], b[j])
            giou = iou - (enc - union) / enc
            diou = iou - rho2 / (diag2 + 1e-7)
            v = 4 / math.pi**2 * (math.atan((b[j, 2] - b[j, 0]) / (b[j, 3] - b[j, 1]))
                                  - math.atan((a[i, 2] - a[i, 0]) / (a[i, 3] - a[i, 1]))) ** 2
            ciou = diou - v / (1 - iou + v + 1e-7) * v
            for name, want in (("iou", iou), ("giou", giou), ("diou", diou), ("ciou", ciou)):
                assert got[name][i, j] == pytest.approx(want, rel=1e-9, abs=1e-12), name


def test_losses_equal_one_minus_pairwise_diagonal_and_reduce():
    rng = np.random.default_rng(1)
    a, b = random_boxes(rng, 6), random_boxes(rng, 6)
    for loss_fn, pair in ((generalized_box_iou_loss, generalized_box_iou), (distance_box_iou_loss, distance_box_iou),
                          (complete_box_iou_loss, complete_box_iou)):
        loss = loss_fn(nnlab.tensor(a), nnlab.tensor(b))
        np.testing.assert_allclose(loss.array, 1 - np.diag(pair(a, b)), rtol=1e-6, atol=1e-6)
        assert float(loss_fn(a, b, reduction="sum").array) == pytest.approx(loss.array.sum())
        assert float(loss_fn(a, b, reduction="mean").array) == pytest.approx(loss.array.mean())
    with pytest.raises(ValueError, match="generalized_box_iou_loss: reduction"):
        generalized_box_iou_loss(a, b, reduction="avg")


def torch_ciou_loss(torch, a, b, eps=1e-7):
    """torchvision's complete_box_iou_loss, written out in torch (torchvision is not installed)."""
    iw = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    ih = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp(min=0)
    inter = iw * ih
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    iou = inter / (union + eps)
    cw = torch.maximum(a[:, 2], b[:, 2]) - torch.minimum(a[:, 0], b[:, 0])
    ch = torch.maximum(a[:, 3], b[:, 3]) - torch.minimum(a[:, 1], b[:, 1])
    rho2 = ((a[:, 0] + a[:, 2] - b[:, 0] - b[:, 2]) / 2) ** 2 + ((a[:, 1] + a[:, 3] - b[:, 1] - b[:, 3]) / 2) ** 2
    diou = 1 - iou + rho2 / (cw**2 + ch**2 + eps)
    v = 4 / math.pi**2 * (torch.atan((b[:, 2] - b[:, 0]) / (b[:, 3] - b[:, 1]))
                          - torch.atan((a[:, 2] - a[:, 0]) / (a[:, 3] - a[:, 1]))) ** 2
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou + alpha * v


def test_ciou_loss_matches_torch_forward_and_backward():
    # α is held constant (as torchvision does), so finite differences do not apply; compare with torch.
    import torch

    rng = np.random.default_rng(5)
    a, b = random_boxes(rng, 8), random_boxes(rng, 8)
    x = nnlab.tensor(a, dtype=np.float64, requires_grad=True)
    loss = complete_box_iou_loss(x, b, reduction="sum")
    loss.backward()
    ta = torch.tensor(a, requires_grad=True)
    tl = torch_ciou_loss(torch, ta, torch.tensor(b)).sum()
    tl.backward()
    assert float(loss.array) == pytest.approx(tl.item(), rel=1e-10)
    np.testing.assert_allclose(x.grad.array, ta.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("loss_fn", [generalized_box_iou_loss, distance_box_iou_loss])
def test_losses_gradcheck(loss_fn):
    rng = np.random.default_rng(2)
    # Overlapping, disjoint and nested pairs; coordinates away from the max/min kinks.
    a = np.array([[0.0, 0.0, 2.0, 3.0], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 4.0, 4.0]]) + rng.uniform(0, 0.1, (3, 4))
    b = np.array([[1.0, 1.2, 3.1, 2.5], [2.0, 2.5, 3.0, 4.0], [1.0, 1.1, 2.0, 2.3]])
    x = nnlab.tensor(a, dtype=np.float64, requires_grad=True)
    y = nnlab.tensor(b, dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda p, q: loss_fn(p, q), (x, y))


def test_giou_loss_moves_disjoint_boxes_together():
    pred = nnlab.tensor(np.array([[0.0, 0.0, 1.0, 1.0]]), requires_grad=True)
    generalized_box_iou_loss(pred, np.array([[3.0, 0.0, 4.0, 1.0]]), reduction="sum").backward()
    assert pred.grad.array[0, 2] < 0  # increasing x2 lowers the loss even though IoU is 0


def test_box_convert_round_trip_and_area():
    b = np.array([[1.0, 2.0, 5.0, 8.0]])
    np.testing.assert_allclose(box_convert(b, "xyxy", "xywh"), [[1, 2, 4, 6]])
    np.testing.assert_allclose(box_convert(b, "xyxy", "cxcywh"), [[3, 5, 4, 6]])
    for fmt in ("xywh", "cxcywh"):
        np.testing.assert_allclose(box_convert(box_convert(b, "xyxy", fmt), fmt, "xyxy"), b)
    t = box_convert(nnlab.tensor(b, requires_grad=True), "xyxy", "cxcywh")
    assert isinstance(t, nnlab.Tensor) and t.requires_grad
    np.testing.assert_allclose(box_area(b), [24.0])
    with pytest.raises(ValueError, match="box_convert: in_fmt"):
        box_convert(b, "xyz", "xyxy")


def test_clip_and_remove_small():
    b = np.array([[-5.0, 2.0, 30.0, 50.0], [1.0, 1.0, 1.5, 9.0]])
    np.testing.assert_allclose(clip_boxes_to_image(b, (40, 20)), [[0, 2, 20, 40], [1, 1, 1.5, 9]])
    np.testing.assert_array_equal(remove_small_boxes(b, 1.0), [0])
    assert remove_small_boxes(b, 1.0).dtype == np.int64


def test_bad_boxes_raise_naming_the_function():
    with pytest.raises(ValueError, match=r"box_iou: boxes1 must have shape \(N, 4\), got \(3, 5\)"):
        box_iou(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="box_area: boxes must be .* row 0"):
        box_area(np.array([[2.0, 0.0, 1.0, 1.0]]))
