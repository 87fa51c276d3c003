"""R-CNN and Fast R-CNN on selective-search proposals (models/detection/rcnn.py, fast_rcnn.py, region.py)."""

import numpy as np
import pytest

from nnlab.autograd.grad_mode import no_grad
from nnlab.backend import manual_seed
from nnlab.data import make_shapes
from nnlab.models.detection.fast_rcnn import FastRCNN
from nnlab.models.detection.rcnn import RCNN, WarpRegions
from nnlab.models.detection.region import train_on_proposals
from nnlab.ops.creation import from_numpy
from nnlab.vision.selective_search import selective_search


@pytest.fixture(scope="module")
def scenes():
    ds = make_shapes(6, seed=5)
    proposals = [selective_search(im, strategy="single") for im in ds.images]
    return ds, proposals


def _warp(img: np.ndarray, boxes, size: int, context: float = 0.0) -> np.ndarray:
    with no_grad():
        return WarpRegions(size, context)(from_numpy(img[None]), [np.asarray(boxes, np.float32)]).array


def test_warp_reads_the_box():
    img = np.random.default_rng(2).random((3, 20, 30)).astype(np.float32)
    crops = _warp(img, [[2, 3, 7, 8], [0, 0, 30, 20]], 5)
    assert crops.shape == (2, 3, 5, 5) and crops.dtype == np.float32
    np.testing.assert_allclose(crops[0], img[:, 3:8, 2:7], atol=1e-6)  # a 5×5 box on the pixel grid: the pixels
    wide = _warp(img, [[0, 0, 30, 20]], 10)[0]  # 30×20 squeezed to 10×10: column j samples x = 3j + 1, row 0 y = 0.5
    np.testing.assert_allclose(wide[:, 0, :], 0.5 * (img[:, 0, 1::3] + img[:, 1, 1::3]), atol=1e-6)
    grown = _warp(img, [[5, 5, 15, 15]], 12, context=0.1)  # a 10 px box and 1 px of context on each side
    np.testing.assert_allclose(grown[0], _warp(img, [[4, 4, 16, 16]], 12)[0], atol=1e-6)


def test_rcnn_loss_goes_down(scenes):
    ds, proposals = scenes
    manual_seed(0)
    model = RCNN(crop_size=16, channels=(8, 16), hidden=32, roi_kwargs={"batch_size_per_image": 24})
    history = train_on_proposals(model, ds.images, proposals, ds.boxes, ds.labels, epochs=12, images_per_batch=2, lr=5e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["loss_box_reg"][-1] < history["loss_box_reg"][0]
    det = model.detect(ds.images[:2], proposals[:2])
    assert len(det) == 2 and all(d["boxes"].shape[1] == 4 and len(d["scores"]) == len(d["labels"]) for d in det)
    assert all((np.diff(d["scores"]) <= 0).all() for d in det) and model.training


def test_fast_rcnn_loss_goes_down(scenes):
    ds, proposals = scenes
    manual_seed(0)
    model = FastRCNN(channels=(8, 16, 16), roi_size=3, representation_size=64, roi_kwargs={"batch_size_per_image": 24})
    history = train_on_proposals(model, ds.images, proposals, ds.boxes, ds.labels, epochs=12, images_per_batch=2, lr=5e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["loss_box_reg"][-1] < history["loss_box_reg"][0]
    det = model.detect(ds.images[:3], proposals[:3], batch_size=2)
    assert len(det) == 3 and all(d["boxes"].shape[1] == 4 for d in det)


@pytest.mark.parametrize("model", [FastRCNN(channels=(8, 16, 16), roi_size=3, representation_size=16),
                                   FastRCNN(channels=(8, 16, 16), roi_size=3, representation_size=16, pooler="align"),
                                   RCNN(crop_size=8, channels=(4, 8), hidden=8)])
def test_a_region_scores_the_same_in_any_batch(scenes, model):
    # Fast R-CNN's regions share one feature map per image; R-CNN's crops are independent
    ds, proposals = scenes
    model.eval()
    with no_grad():
        both = model.roi_heads.scores(model.backbone(from_numpy(ds.images[:2])), [proposals[0][:5], proposals[1][:7]])
        alone = model.roi_heads.scores(model.backbone(from_numpy(ds.images[1:2])), [proposals[1][:7]])
    np.testing.assert_allclose(both[0].array[5:], alone[0].array, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(both[1].array[5:], alone[1].array, rtol=1e-5, atol=1e-6)


def test_errors(scenes):
    ds, proposals = scenes
    with pytest.raises(ValueError, match="FastRCNN: pooler"):
        FastRCNN(pooler="max")
    with pytest.raises(ValueError, match="FastRCNN: 2 images but 1 proposal lists"):
        FastRCNN()(from_numpy(ds.images[:2]), [proposals[0]])
    with pytest.raises(ValueError, match="CropCNN: crop_size 2"):
        RCNN(crop_size=2)
    with pytest.raises(ValueError, match="RCNN.detect: 2 images but 1"):
        RCNN().detect(ds.images[:2], proposals[:1])
    with pytest.raises(ValueError, match="WarpRegions"):
        WarpRegions(0)
    with pytest.raises(ValueError, match="train_on_proposals: 6 images, 5 proposal lists"):
        train_on_proposals(RCNN(), ds.images, proposals[:5], ds.boxes, ds.labels)
