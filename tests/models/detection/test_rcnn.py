"""R-CNN and Fast R-CNN on a handful of shapes images (models/detection/rcnn.py, fast_rcnn.py)."""

import numpy as np
import pytest

from nnlab.autograd.grad_mode import no_grad
from nnlab.backend import manual_seed
from nnlab.data import make_shapes
from nnlab.models.detection.fast_rcnn import FastRCNN, train_fast_rcnn
from nnlab.models.detection.rcnn import RCNN, rcnn_training_set, train_rcnn
from nnlab.ops.creation import from_numpy
from nnlab.vision.selective_search import selective_search


@pytest.fixture(scope="module")
def scenes():
    ds = make_shapes(6, seed=5)
    proposals = [selective_search(im, strategy="single") for im in ds.images]
    return ds, proposals


def test_rcnn_loss_goes_down(scenes):
    ds, proposals = scenes
    manual_seed(0)
    model = RCNN(crop_size=16, channels=(8, 16), hidden=32)
    data = rcnn_training_set(model, ds.images, proposals, ds.boxes, ds.labels, regions_per_image=24)
    crops, classes, targets = data.tensors
    assert crops.shape == (len(classes), 3, 16, 16) and classes.max() >= 1 and (classes == 0).any()
    history = train_rcnn(model, data, epochs=12, batch_size=32, lr=5e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["box_loss"][-1] < history["box_loss"][0]
    det = model.detect(ds.images[:2], proposals[:2])
    assert len(det) == 2 and all(d["boxes"].shape[1] == 4 and len(d["scores"]) == len(d["labels"]) for d in det)
    assert all((np.diff(d["scores"]) <= 0).all() for d in det)


def test_fast_rcnn_loss_goes_down(scenes):
    ds, proposals = scenes
    manual_seed(0)
    model = FastRCNN(channels=(8, 16), pools=2, pool_size=3, hidden=64)
    history = train_fast_rcnn(model, ds.images, proposals, ds.boxes, ds.labels, epochs=12, images_per_batch=2,
                              rois_per_image=24, lr=5e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["box_loss"][-1] < history["box_loss"][0]
    det = model.detect(ds.images[:3], proposals[:3], batch_size=2)
    assert len(det) == 3 and all(d["boxes"].shape[1] == 4 for d in det)


@pytest.mark.parametrize("pooler", ["roi_pool", "roi_align"])
def test_fast_rcnn_regions_share_one_feature_map(scenes, pooler):
    # a region's scores do not depend on which other regions or images share the batch
    ds, proposals = scenes
    model = FastRCNN(channels=(8, 16), pool_size=3, hidden=16, pooler=pooler).eval()
    with no_grad():
        both, _ = model(from_numpy(ds.images[:2]), [proposals[0][:5], proposals[1][:7]])
        alone, _ = model(from_numpy(ds.images[1:2]), [proposals[1][:7]])
    np.testing.assert_allclose(both.data[5:], alone.data, rtol=1e-5, atol=1e-6)
    assert model.spatial_scale == 0.25


def test_errors(scenes):
    ds, proposals = scenes
    with pytest.raises(ValueError, match="FastRCNN: pooler"):
        FastRCNN(pooler="max")
    with pytest.raises(ValueError, match="FastRCNN: 2 images but 1 region lists"):
        FastRCNN()(from_numpy(ds.images[:2]), [proposals[0]])
    with pytest.raises(ValueError, match="RCNN: crop_size 4"):
        RCNN(crop_size=4)
    with pytest.raises(ValueError, match="RCNN.detect: 2 images but 1"):
        RCNN().detect(ds.images[:2], proposals[:1])
