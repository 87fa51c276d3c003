"""U-Net and FCN: shapes for any input size (or a clear error), parity with a PyTorch twin, loss going down."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from benchmarks.frameworks import Framework
from benchmarks.segmentation import unet_net
from nnlab import optim
from nnlab.data import DataLoader, make_shapes_segmentation
from nnlab.models.segmentation import FCN, UNet, bilinear_kernel
from nnlab.train import Trainer
from nnlab.vision import segmentation_scores
from tests.parity import assert_module_parity

TORCH = Framework("torch", torch.nn, torch.optim, torch.nn.functional, torch.from_numpy, torch.no_grad,
                  torch.manual_seed)


def _x(*shape):
    return nnlab.from_numpy(np.random.default_rng(0).random(shape, dtype=np.float32))


@pytest.mark.parametrize("size", [(32, 32), (37, 50), (9, 8)])
def test_unet_output_keeps_the_input_size(size):
    model = UNet(3, 5, depth=3, width=4)
    assert model(_x(2, 3, *size)).shape == (2, 5, *size)


def test_unet_odd_size_error_and_bad_input():
    model = UNet(3, 2, depth=3, width=4, pad_input=False)
    assert model(_x(1, 3, 16, 24)).shape == (1, 2, 16, 24)
    with pytest.raises(ValueError, match=r"UNet: input size 37×50 is not a multiple of 8 \(2\^depth\); .* 40×56"):
        model(_x(1, 3, 37, 50))
    with pytest.raises(ValueError, match=r"UNet: expected input \(N, 3, H, W\), got shape \(1, 1, 16, 16\)"):
        model(_x(1, 1, 16, 16))
    with pytest.raises(ValueError, match="UNet: depth, width"):
        UNet(depth=0)


def test_unet_matches_its_pytorch_twin_and_skip_false_drops_the_concatenation():
    for skip in (True, False):
        ours = UNet(2, 3, depth=2, width=4, skip=skip).double()
        theirs = unet_net(TORCH, 2, 3, depth=2, width=4, skip=skip)
        assert set(ours.state_dict()) == set(theirs.state_dict())
        assert_module_parity(ours, theirs, np.random.default_rng(1).standard_normal((2, 2, 12, 8)), atol=1e-8)
    with_skip, without = UNet(3, 2, depth=2, width=4), UNet(3, 2, depth=2, width=4, skip=False)
    assert with_skip.dec[0][0].weight.shape == (8, 16, 3, 3) and without.dec[0][0].weight.shape == (8, 8, 3, 3)


def test_fcn_variants_shapes_and_bilinear_start():
    for variant in ("32s", "16s", "8s"):
        model = FCN(3, 4, variant, depth=4, width=4)
        assert model(_x(2, 3, 32, 32)).shape == (2, 4, 32, 32)
        assert model(_x(1, 3, 21, 35)).shape == (1, 4, 21, 35)
    assert len(FCN(3, 4, "8s", depth=4, width=4).score) == 3
    # The upsampling starts as bilinear interpolation: inside the border it equals torch's interpolate.
    up = FCN(3, 2, "32s", depth=2, width=4).up_final
    np.testing.assert_array_equal(up.weight.detach().numpy(), bilinear_kernel(2, 8))
    x = np.random.default_rng(0).random((1, 2, 5, 5), dtype=np.float32)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=4, mode="bilinear").numpy()
    np.testing.assert_allclose(up(nnlab.from_numpy(x)).detach().numpy()[..., 4:-4, 4:-4], ref[..., 4:-4, 4:-4], atol=1e-6)
    with pytest.raises(ValueError, match="FCN: variant must be one of"):
        FCN(variant="4s")
    with pytest.raises(ValueError, match=r"FCN-8s: input size 20×20 is not a multiple of 16"):
        FCN(3, 2, "8s", depth=4, width=4, pad_input=False)(_x(1, 3, 20, 20))


@pytest.mark.parametrize("make, min_accuracy", [(lambda: UNet(3, 4, depth=2, width=8), 0.92),
                                                (lambda: FCN(3, 4, "8s", depth=3, width=8), None)])
def test_loss_goes_down_on_a_few_images(make, min_accuracy):
    nnlab.manual_seed(0)
    data = make_shapes_segmentation(8, image_size=32, min_size=8, max_size=16, seed=0)
    model = make()
    loader = DataLoader(data, batch_size=8)
    trainer = Trainer(model, loss_fn=lambda out, y: F.cross_entropy(out, y) + F.dice_loss(out, y),
                      optimizer=optim.Adam(model.parameters(), lr=1e-2), metrics=(), quiet=True)
    history = trainer.fit(loader, epochs=25)
    losses = history["loss"]
    assert losses[-1] < 0.4 * losses[0]
    model.eval()
    with nnlab.no_grad():
        scores = segmentation_scores(data.targets_array(), model(nnlab.from_numpy(data.images)), 4)
    background = float((data.targets_array() == 0).mean())  # 0.85: what "all background" scores
    if min_accuracy is not None:  # U-Net fits 8 images well (0.94 measured); FCN's coarse 4×4 scores do not yet
        assert scores.pixel_accuracy > max(min_accuracy, background)
