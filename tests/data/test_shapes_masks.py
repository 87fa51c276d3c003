"""Segmentation targets of the shapes generator: class maps, visible-pixel instance masks, loaders."""

import numpy as np
import pytest

from nnlab.data import DataLoader, ShapesSegmentation, detection_collate, make_shapes, make_shapes_segmentation


def test_class_maps_and_masks_agree_with_the_drawn_pixels():
    ds = make_shapes(30, image_size=40, background="plain", noise=0.0, max_overlap=0.5, seed=4)
    assert ds.class_maps.shape == (30, 40, 40) and ds.class_maps.dtype == np.uint8
    overlapping = 0
    for img, cmap, masks, boxes, labels in zip(ds.images, ds.class_maps, ds.masks, ds.boxes, ds.labels):
        assert masks.shape == (len(boxes), 40, 40) and masks.dtype == bool
        assert (masks.sum(0) <= 1).all()  # visible pixels belong to one object only
        expected = np.zeros((40, 40), np.uint8)
        for m, lab in zip(masks, labels):
            expected[m] = lab + 1
        np.testing.assert_array_equal(cmap, expected)
        bg = img[:, 0, 0] if cmap[0, 0] == 0 else img[:, -1, -1]
        drawn = np.abs(img - bg[:, None, None]).max(0) > 1e-6  # plain background, no noise: drawn = differs
        np.testing.assert_array_equal(drawn, cmap > 0)
        for m, box in zip(masks, boxes):
            ys, xs = np.nonzero(m)
            if len(ys):  # pixel centres of the visible part lie inside the box
                assert (xs + 0.5 >= box[0] - 1e-4).all() and (xs + 0.5 <= box[2] + 1e-4).all()
                assert (ys + 0.5 >= box[1] - 1e-4).all() and (ys + 0.5 <= box[3] + 1e-4).all()
        for j in range(len(masks)):  # each object's colour is uniform over its visible pixels
            if masks[j].any():
                colours = img[:, masks[j]]
                assert np.ptp(colours, axis=1).max() < 1e-6
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                lo, hi = np.maximum(boxes[a, :2], boxes[b, :2]), np.minimum(boxes[a, 2:], boxes[b, 2:])
                overlapping += bool((hi > lo).all())
    assert overlapping > 0  # the seed produced overlapping boxes, so occlusion was exercised


def test_later_shape_occludes_earlier_one():
    # Two big shapes per small canvas, any overlap allowed: a square drawn first loses exactly the pixels
    # that the second shape covers.
    ds = make_shapes(60, image_size=24, min_objects=2, max_objects=2, min_size=14, max_size=22, max_overlap=1.0,
                     background="plain", noise=0.0, classes=("square", "circle", "triangle"), seed=0)
    centres = np.arange(24) + 0.5
    occluded = 0
    for masks, boxes, labels in zip(ds.masks, ds.boxes, ds.labels):
        if len(boxes) < 2 or labels[0] != 0:
            continue
        x0, y0, x1, y1 = boxes[0]
        full = ((centres[None, :] >= x0) & (centres[None, :] <= x1) & (centres[:, None] >= y0)
                & (centres[:, None] <= y1))
        np.testing.assert_array_equal(masks[0], full & ~masks[1])
        occluded += bool((full & masks[1]).any())
    assert occluded >= 5


def test_same_seed_same_masks_and_existing_outputs_kept():
    a, b = make_shapes(6, seed=11), make_shapes(6, seed=11)
    np.testing.assert_array_equal(a.class_maps, b.class_maps)
    for ma, mb in zip(a.masks, b.masks):
        np.testing.assert_array_equal(ma, mb)
    t = a.target(0)
    assert set(t) == {"boxes", "labels", "keypoints", "masks", "class_map"} and t["class_map"].dtype == np.int64


def test_segmentation_view_and_loader_round_trip():
    seg = make_shapes_segmentation(10, image_size=32, min_size=8, max_size=16, seed=2)
    assert isinstance(seg, ShapesSegmentation) and len(seg) == 10
    assert seg.classes == ("background", "circle", "square", "triangle") and seg.num_classes == 4
    image, cmap = seg[3]
    assert image.shape == (3, 32, 32) and cmap.shape == (32, 32) and cmap.dtype == np.int64
    images, maps = next(iter(DataLoader(seg, batch_size=4)))
    assert images.shape == (4, 3, 32, 32) and maps.shape == (4, 32, 32)
    np.testing.assert_array_equal(maps.numpy(), seg.class_maps[:4].astype(np.int64))
    np.testing.assert_array_equal(images.numpy(), seg.images[:4])
    # Instance masks travel through the detection collate untouched, batch by batch.
    det = seg.source
    got = [t["masks"] for _, targets in DataLoader(det, batch_size=3, collate_fn=detection_collate) for t in targets]
    assert len(got) == 10
    for g, m in zip(got, det.masks):
        np.testing.assert_array_equal(g, m)
    with pytest.raises(ValueError, match="ShapesSegmentation: the source set has no class maps"):
        ShapesSegmentation(type(det)(det.images, det.boxes, det.labels, det.keypoints))
