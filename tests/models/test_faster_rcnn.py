"""Faster and Mask R-CNN: the loss goes down on a handful of images through the Trainer; outputs; masks."""

import numpy as np
import pytest

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.models.detection.faster_rcnn import FasterRCNN, pack_targets, unpack_targets
from nnlab.models.detection.mask_rcnn import MaskRCNN, pack_masks, paste_masks, project_masks_on_boxes
from nnlab.train import Trainer
from nnlab.vision.mask_metrics import mask_iou, mean_mask_iou


@pytest.fixture(scope="module")
def scenes():
    return make_shapes(8, image_size=32, min_size=8, max_size=16, seed=3)


def _fit(model, arrays, epochs):
    loader = DataLoader(TensorDataset(*arrays), batch_size=8, shuffle=False)
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=1e-2), quiet=True)
    return trainer.fit(loader, epochs=epochs)


def test_pack_unpack_round_trip(scenes):
    packed = pack_targets(scenes.boxes, scenes.labels, 4)
    assert packed.shape == (8, 4, 5) and (packed[..., 4] >= -1).all()
    boxes, labels = unpack_targets(packed)
    for b, lab, b0, l0 in zip(boxes, labels, scenes.boxes, scenes.labels):
        np.testing.assert_array_equal(b, b0)
        np.testing.assert_array_equal(lab, l0)
    with pytest.raises(ValueError, match="pack_targets: image 0 has"):
        pack_targets([np.zeros((3, 4))], [np.zeros(3)], 2)


@pytest.mark.parametrize("pooler", ["align", "pool"])
def test_faster_rcnn_loss_goes_down(scenes, pooler):
    nnlab.manual_seed(0)
    model = FasterRCNN(3, image_size=32, channels=(8, 16), anchor_sizes=(10.0, 16.0), pooler=pooler, roi_size=4,
                       representation_size=64)
    history = _fit(model, (scenes.images, pack_targets(scenes.boxes, scenes.labels, 3)), 30)
    losses = history.history["loss"]
    assert np.mean(losses[-3:]) < 0.6 * losses[0], losses  # measured: 2.3 → 1.1
    for key in ("loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg"):
        assert key in history.history
    det = model.detect(scenes.images[:2])
    assert len(det) == 2 and set(det[0]) == {"boxes", "scores", "labels"}
    assert det[0]["boxes"].shape[1] == 4 and (det[0]["scores"] > 0.05).all()


def test_mask_rcnn_loss_goes_down_and_returns_masks(scenes):
    nnlab.manual_seed(0)
    model = MaskRCNN(3, image_size=32, channels=(8, 16), anchor_sizes=(10.0, 16.0), roi_size=4,
                     representation_size=64, mask_roi_size=4, mask_channels=8)
    arrays = (scenes.images, pack_targets(scenes.boxes, scenes.labels, 3), pack_masks(scenes.masks, 3))
    history = _fit(model, arrays, 30)
    losses, mask_losses = history.history["loss"], history.history["loss_mask"]
    assert np.mean(losses[-3:]) < 0.7 * losses[0], losses  # measured: 3.0 → 1.7
    assert np.mean(mask_losses[-3:]) < 0.9 * mask_losses[0], mask_losses  # BCE from chance (0.69) to 0.55
    det = model.detect(scenes.images[:2])
    assert det[0]["masks"].shape == (len(det[0]["boxes"]), 32, 32)
    assert mean_mask_iou(det, scenes.targets()[:2]) >= 0.0


def test_project_and_paste_masks_invert_each_other():
    mask = np.zeros((1, 32, 32), bool)
    mask[0, 8:20, 4:28] = True  # a 24×12 rectangle
    box = np.array([[4, 8, 28, 20]], np.float32)
    crop = project_masks_on_boxes(mask, box, np.array([0]), 8)
    # the box holds only object pixels; the outermost samples (1/8 pixel from the edge) blend in a little outside
    assert crop.shape == (1, 8, 8) and crop.min() > 0.9 and crop[0, 1:-1].min() == 1.0
    pasted = paste_masks(crop, box, (32, 32))
    np.testing.assert_array_equal(pasted[0] >= 0.5, mask[0])
    # a box twice the object: the crop's centre half is the object
    crop = project_masks_on_boxes(mask, np.array([[-8, 2, 40, 26]], np.float32), np.array([0]), 8)
    assert crop[0, 2:6, 2:6].min() > 0.99 and crop[0, 0, 0] == 0.0


def test_mask_iou_and_mean_mask_iou_by_hand():
    a = np.zeros((1, 4, 4), bool)
    a[0, :2, :2] = True  # 4 pixels
    b = np.zeros((2, 4, 4), bool)
    b[0, :2, :] = True  # 8 pixels, 4 shared: IoU 0.5
    np.testing.assert_allclose(mask_iou(a, b), [[0.5, 0.0]])
    target = {"boxes": np.array([[0, 0, 2, 2], [2, 2, 4, 4]], np.float32), "labels": np.array([0, 1]),
              "masks": np.concatenate([a, np.rot90(a, 2, axes=(1, 2))])}
    pred = {"boxes": np.array([[0, 0, 2, 2], [0, 0, 4, 2]], np.float32), "scores": np.array([0.6, 0.9]),
            "labels": np.array([0, 0]), "masks": np.stack([a[0], b[0]]).astype(np.float32)}
    # object 0: both detections qualify by box? only the first (the second's box IoU is 0.5 → matches too, higher
    # score, its mask IoU 0.5); object 1: no detection of class 1 → 0.
    assert mean_mask_iou([pred], [target]) == pytest.approx((0.5 + 0.0) / 2)
    with pytest.raises(ValueError, match="mask_iou: masks must be"):
        mask_iou(a[0], b)


def _example():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "faster_rcnn_shapes.py"
    spec = importlib.util.spec_from_file_location("faster_rcnn_shapes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_roi_align_keeps_masks_aligned_where_roi_pool_rounds():
    # Each object's mask pooled from a stride-4 grid vs its full-resolution crop (the example's measure).
    scores = _example().pooled_mask_iou(make_shapes(30, seed=1), stride=4)
    assert scores["roi_align"] > scores["roi_pool"] + 0.15, scores  # measured on 300 images: 0.94 vs 0.69


def test_example_runs_on_a_tiny_run(tmp_path):
    from nnlab.models.detection.run import DetectionRunConfig
    from nnlab.models.detection.two_stage_run import train_two_stage_run

    config = DetectionRunConfig(model="mask_rcnn", n_train=16, n_test=4, epochs=1, batch_size=8, channels=(4, 8),
                                out=str(tmp_path))
    train_two_stage_run(config, quiet=True)
    result = _example().main(str(tmp_path / "fig.png"), config.run_dir)
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    assert result["model"] == "mask_rcnn" and 0.0 <= result["mean_mask_iou"] <= 1.0
