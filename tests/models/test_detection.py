"""Detection models: the seeds' YOLO volumes, targets, a gradchecked YOLO loss, decoding, short trainings."""

import numpy as np
import pytest

import nnlab
from nnlab import optim
from nnlab.autograd.gradcheck import gradcheck
from nnlab.data import DataLoader, TensorDataset, make_shapes
from nnlab.models.detection import (
    YOLO, WindowClassifier, YOLOHead, YOLOLoss, conv_sliding_window_scores, decode_localization, landmark_loss,
    landmark_net, landmark_targets, localization_loss, localization_net, localization_targets, mean_landmark_error,
    sliding_window_scores,
)
from nnlab.train import Trainer


def test_seeds_output_volumes():
    head = YOLOHead(8, num_anchors=2, num_classes=3)
    out = head(nnlab.randn(1, 8, 3, 3))
    assert out.shape == (1, 3, 3, 2, 8) and out.reshape(1, 3, 3, 16).shape == (1, 3, 3, 16)
    # 608×608, stride 32 (five pooling stages), 5 anchors, 80 classes → 19×19×5×85.
    model = YOLO(80, np.ones((5, 2)) * 50, image_size=608, channels=(2, 2, 2, 2, 2))
    with nnlab.no_grad():
        assert model(nnlab.zeros(1, 3, 608, 608)).shape == (1, 19, 19, 5, 85)


def test_encode_targets_cell_anchor_and_collision():
    model = YOLO(3, [[10.0, 10.0], [30.0, 30.0]], image_size=64)  # 8×8 grid of 8-px cells
    boxes = np.array([[20, 4, 30, 14], [22, 5, 31, 13], [0, 30, 30, 60]], np.float32)
    t = model.encode_targets([boxes], [np.array([2, 1, 0])])
    assert t.shape == (1, 8, 8, 2, 10)
    assert t[..., 0].sum() == 3
    # Box 0: centre (25, 9) → cell (1, 3), small anchor; box 1 has the same cell and anchor: it takes the other one.
    np.testing.assert_allclose(t[0, 1, 3, 0], [1, 25 / 8 - 3, 9 / 8 - 1, 0, 0, 2, 20, 4, 30, 14], atol=1e-6)
    assert t[0, 1, 3, 1, 0] == 1 and t[0, 1, 3, 1, 5] == 1
    assert t[0, 5, 1, 1, 0] == 1 and t[0, 5, 1, 1, 5] == 0  # the big box: centre (15, 45), big anchor


def tiny_targets(model, rng):
    boxes = [np.array([[2, 2, 9, 8]], np.float32), np.array([[8, 9, 15, 15], [1, 1, 6, 5]], np.float32)]
    labels = [np.array([1]), np.array([0, 1])]
    return model.encode_targets(boxes, labels)


def test_yolo_loss_gradcheck_on_tiny_grid():
    model = YOLO(2, [[4.0, 4.0], [8.0, 6.0]], image_size=16, channels=(2, 2, 2))  # 2×2 grid
    target = tiny_targets(model, np.random.default_rng(0))
    pred = nnlab.tensor(np.random.default_rng(1).normal(0, 0.5, (2, 2, 2, 2, 7)), dtype=np.float64, requires_grad=True)
    loss_fn = YOLOLoss(model.anchors, 16, rescore=False, ignore_threshold=None)
    assert gradcheck(lambda p: loss_fn(p, target), (pred,))
    # With rescoring the IoU target is held constant, so the gradient equals the loss with that target fixed.
    rescored = YOLOLoss(model.anchors, 16)(pred, target)
    assert np.isfinite(float(rescored.array)) and float(rescored.array) != float(loss_fn(pred, target).array)


def test_decode_turns_one_confident_anchor_into_one_box_after_nms():
    model = YOLO(3, [[16.0, 16.0], [17.0, 17.0]], image_size=64)
    pred = np.full((1, 8, 8, 2, 8), -8.0, np.float32)
    pred[0, 2, 5, :, :4] = 0.0  # both anchors of cell (2, 5): centre (44, 20), ~16 px boxes (IoU ≈ 0.89)
    pred[0, 2, 5, :, 4] = [6.0, 5.0]
    pred[0, 2, 5, :, 5:] = [[-3, 4, -3], [-3, 4, -3]]
    boxes, obj, probs = model.decode(pred)
    np.testing.assert_allclose(boxes[0, 2, 5, 0], [36, 12, 52, 28], atol=1e-4)
    model.detect = YOLO.detect.__get__(model)
    model.forward = lambda x: nnlab.tensor(pred)
    det = model.detect(np.zeros((1, 3, 64, 64), np.float32), conf_threshold=0.3)[0]
    assert det["labels"].tolist() == [1] and det["boxes"].shape == (1, 4)
    assert det["scores"][0] == pytest.approx(1 / (1 + np.exp(-6)) * np.exp(4) / (np.exp(4) + 2 * np.exp(-3)), rel=1e-5)


def test_yolo_short_training_loss_falls():
    nnlab.manual_seed(0)
    data = make_shapes(96, image_size=32, min_size=8, max_size=16, max_objects=2, seed=0)
    model = YOLO(3, [[10.0, 10.0], [14.0, 14.0]], image_size=32, channels=(8, 8, 16))
    loss_fn = YOLOLoss(model.anchors, 32)
    loader = DataLoader(TensorDataset(data.images, model.encode_targets(data.boxes, data.labels)), batch_size=16,
                        shuffle=True)

    def step(trainer, batch):
        return loss_fn(trainer.model(batch[0]), batch[1])

    history = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=3e-3), step_fn=step, quiet=True).fit(
        loader, epochs=4)
    assert history["loss"][-1] < 0.75 * history["loss"][0]  # 24 steps: 9.2 → 6.5 measured


def test_localization_loss_is_the_seeds_formula():
    y = np.array([[1, 0.5, 0.5, 0.2, 0.3, 0, 1], [0, 0, 0, 0, 0, 0, 0]], np.float32)
    out = nnlab.tensor(np.array([[0.8, 0.4, 0.5, 0.2, 0.1, 0.3, 0.6], [0.3, 9, 9, 9, 9, 9, 9]], np.float32))
    # Image 1: every term; image 2 (no object): only (ŷ1 − y1)².
    want = (0.04 + 0.01 + 0 + 0 + 0.04 + 0.09 + 0.16 + 0.09) / 2
    assert float(localization_loss(out, y, kind="squared").array) == pytest.approx(want, rel=1e-5)
    t = localization_targets([np.array([[16, 8, 48, 24]]), np.zeros((0, 4))], [np.array([1]), np.array([])], 2, 64)
    np.testing.assert_allclose(t, [[1, 0.5, 0.25, 0.25, 0.5, 0, 1], [0] * 7])
    dec = decode_localization(np.array([[9.0, 0, 0, 0, 0, 1, 0]]), 64)
    np.testing.assert_allclose(dec["boxes"], [[16, 16, 48, 48]])  # σ(0) = 0.5: centre, half the image


@pytest.mark.parametrize("task", ["localization", "landmarks"])
def test_localization_and_landmarks_short_training(task):
    nnlab.manual_seed(0)
    data = make_shapes(128, image_size=32, min_objects=1, max_objects=1, min_size=8, max_size=20, seed=1)
    if task == "localization":
        model, y = localization_net(3, 32, channels=(8, 16)), localization_targets(data.boxes, data.labels, 3, 32)
        loss_fn = localization_loss
    else:
        model, y = landmark_net(5, 32, channels=(8, 16)), landmark_targets(data.keypoints, 32)
        loss_fn = landmark_loss
    loader = DataLoader(TensorDataset(data.images, y), batch_size=16, shuffle=True)
    trainer = Trainer(model, loss_fn, optim.Adam(model.parameters(), lr=3e-3), metrics=(), quiet=True)
    history = trainer.fit(loader, epochs=4)
    assert history["loss"][-1] < 0.7 * history["loss"][0]  # 4 epochs of 8 steps


def test_mean_landmark_error_in_pixels():
    pred = np.array([[0.5, 0.5, 0.0, 0.0]])
    target = np.array([[0.5, 0.5 + 3 / 64, 4 / 64, 3 / 64]])
    assert mean_landmark_error(pred, target, 64) == pytest.approx((3 + 5) / 2)


def test_sliding_windows_both_ways_give_identical_scores():
    nnlab.manual_seed(0)
    clf = WindowClassifier(num_classes=4)
    conv = clf.to_convolutional()
    for size in (16, 28, 40):
        image = np.random.default_rng(size).random((3, size, size)).astype(np.float32)
        crops = sliding_window_scores(clf, image)
        once = conv_sliding_window_scores(conv, image)
        side = (size - 14) // 2 + 1
        assert crops.shape == once.shape == (4, side, side)
        np.testing.assert_allclose(once, crops, rtol=1e-4, atol=1e-5)
