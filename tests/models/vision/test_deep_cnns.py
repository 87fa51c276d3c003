"""ResNet-101/152, Inception v3/v4, Xception: parameter counts against the published ones,
a forward pass on small inputs, and each network's depth measured from its graph (the ILSVRC table)."""

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.models import (
    ILSVRC_WINNERS, InceptionV3Outputs, SeparableConv2d, googlenet, inception_v3, inception_v4, resnet101,
    resnet152, weight_layer_depth, xception,
)


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


@pytest.fixture(scope="module")
def r152():
    nnlab.manual_seed(0)
    return resnet152()


def test_resnet_101_152_counts_equal_torchvision(r152):
    assert n_params(resnet101()) == 44_549_160
    assert n_params(r152) == 60_192_808


def test_inception_v3_count_keys_and_aux_output():
    nnlab.manual_seed(0)
    m = inception_v3(num_classes=1000)
    assert n_params(m) == 27_161_264  # torchvision's inception_v3 with aux logits
    sd = m.state_dict()
    for key in ("Conv2d_1a_3x3.conv.weight", "Mixed_6b.branch7x7_2.conv.weight", "Mixed_7c.branch3x3dbl_3b.bn.running_var",
                "AuxLogits.conv1.conv.weight", "fc.bias"):
        assert key in sd
    assert tuple(sd["Mixed_6b.branch7x7_2.conv.weight"].shape) == (128, 128, 1, 7)  # factorized 7×7
    assert n_params(inception_v3(aux_logits=False)) == 27_161_264 - (768 * 128 + 128 * 2 + 128 * 768 * 25 + 768 * 2
                                                                     + 769 * 1000)
    small = inception_v3(num_classes=5)
    out = small(nnlab.randn(2, 3, 299, 299))  # the aux head needs the 17×17 grid
    assert isinstance(out, InceptionV3Outputs) and out.logits.shape == (2, 5) and out.aux_logits.shape == (2, 5)
    small.eval()
    assert small(nnlab.randn(1, 3, 75, 75)).shape == (1, 5)


def test_inception_v4_and_xception_counts_and_forward():
    nnlab.manual_seed(0)
    v4, xc = inception_v4(), xception()
    assert n_params(v4) == 42_679_816
    assert n_params(xc) == 22_855_952
    # the separable conv: C_in·9 + C_in·C_out weights instead of C_in·C_out·9
    assert n_params(SeparableConv2d(728, 728)) == 728 * 9 + 728 * 728
    for m, size in ((v4, 75), (xc, 32)):
        m.eval()
        y = m(nnlab.randn(1, 3, size, size))
        assert y.shape == (1, 1000) and np.isfinite(y.array).all()


def test_depth_measured_from_the_graph_matches_the_ilsvrc_table(r152):
    x = np.zeros((1, 3, 64, 64), dtype=np.float32)
    # AlexNet (8) and ZF Net (8) are measured by examples/ilsvrc_depths.py (their FC layers are slow to build)
    measured = {"GoogLeNet": weight_layer_depth(googlenet(num_classes=10), x),
                "ResNet": weight_layer_depth(r152, x[:, :, :32, :32])}
    for row in ILSVRC_WINNERS:
        if row.model in measured:
            assert measured[row.model] == row.depth, row
    # Xception: 36 convolutional layers (a separable conv counts once) + the classifier
    assert weight_layer_depth(xception(num_classes=10), x[:, :, :32, :32]) == 37
    # counting depthwise and pointwise convs separately gives 34 more
    assert weight_layer_depth(xception(num_classes=10), x[:, :, :32, :32], units=(nn.Conv2d, nn.Linear)) == 71
