"""The CNN model zoo: parameter counts, output shapes at small inputs, the seeds' LeNet-5 table,
torch parity of the building blocks, gradients, MobileNet's cost arithmetic and the seeds' Keras CNN."""

import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn
from nnlab.models import (AlexNet, BasicBlock, Bottleneck, DepthwiseSeparableConv, GoogLeNetOutputs, Inception,
                          LeNet5, alexnet, depthwise_separable_cost, googlenet, keras_cnn, mobilenet_v1, resnet18,
                          resnet34, resnet50, vgg16, zfnet)
from nnlab.models.vision.vgg import CFGS, make_layers
from tests.parity import assert_module_parity

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "keras_cnn.py"


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def x_of(*shape, seed=0, dtype=np.float32):
    return nnlab.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), dtype=dtype)


# ---------------------------------------------------------------- LeNet-5 (the seeds' table)

# The seeds' table (seed 001): layer, activation shape (H, W, C) or (D,), activation size, # parameters.
SEED_LENET_TABLE = [("CONV1", (28, 28, 6), 4704, 456), ("POOL1", (14, 14, 6), 1176, 0),
                    ("CONV2", (10, 10, 16), 1600, 2416), ("POOL2", (5, 5, 16), 400, 0),
                    ("FC3", (120,), 120, 48120), ("FC4", (84,), 84, 10164), ("Softmax", (10,), 10, 850)]


def test_lenet5_summary_reproduces_the_seeds_table(capsys):
    rep = nnlab.summary(LeNet5(), (3, 32, 32))
    printed = capsys.readouterr().out
    assert [(r.name, r.type) for r in rep.rows] == [
        ("conv1", "Conv2d"), ("pool1", "MaxPool2d"), ("conv2", "Conv2d"), ("pool2", "MaxPool2d"),
        ("fc3", "Linear"), ("fc4", "Linear"), ("fc5", "Linear"),
    ]
    for row, (label, hwc, size, params) in zip(rep.rows, SEED_LENET_TABLE):
        nchw = (1,) + ((hwc[2], hwc[0], hwc[1]) if len(hwc) == 3 else hwc)
        assert row.output_shape == nchw, (label, row.output_shape)
        assert row.activations == size == int(np.prod(hwc)), label
        assert row.params == params, label
        assert f"{size:,}" in printed and str(nchw) in printed
    assert rep.total_params == 62006 == sum(p for *_, p in SEED_LENET_TABLE)
    assert "Total params: 62,006" in printed
    assert rep.output_shape == (1, 10)


def _torch_lenet(in_channels, pool):
    class Ref(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(in_channels, 6, 5)
            self.conv2 = torch.nn.Conv2d(6, 16, 5)
            self.fc3, self.fc4, self.fc5 = torch.nn.Linear(400, 120), torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)

        def forward(self, x):
            x = pool(torch.relu(self.conv1(x)), 2, 2)
            x = pool(torch.relu(self.conv2(x)), 2, 2).flatten(1)
            return self.fc5(torch.relu(self.fc4(torch.relu(self.fc3(x)))))

    return Ref()


@pytest.mark.parametrize("pooling, pool", [("max", torch.nn.functional.max_pool2d), ("avg", torch.nn.functional.avg_pool2d)])
def test_lenet5_matches_torch(pooling, pool):
    torch.manual_seed(0)
    x = np.random.default_rng(1).standard_normal((2, 1, 32, 32))
    assert_module_parity(LeNet5(in_channels=1, pooling=pooling).double(), _torch_lenet(1, pool), x)


def test_lenet5_forward_backward_gives_finite_grads_for_every_parameter():
    nnlab.manual_seed(0)
    model = LeNet5()
    loss = nnlab.functional.cross_entropy(model(x_of(4, 3, 32, 32)), nnlab.tensor(np.array([0, 3, 7, 9])))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.isfinite(p.grad.array).all() and np.abs(p.grad.array).sum() > 0, name


def test_lenet5_rejects_other_sizes_and_options():
    with pytest.raises(ValueError, match=r"LeNet5: expects input \(N, C, 32, 32\), got shape \(1, 3, 28, 28\)"):
        LeNet5()(x_of(1, 3, 28, 28))
    with pytest.raises(ValueError, match="unknown activation"):
        LeNet5(activation="swish")
    with pytest.raises(ValueError, match="unknown pooling"):
        LeNet5(pooling="lp")


# ---------------------------------------------------------------- parameter counts and shapes

# Built once per module: constructing the 60-140 M parameter models dominates the run time.
@pytest.fixture(scope="module")
def big():
    nnlab.manual_seed(0)
    return {"alexnet": alexnet(), "alexnet_tv": alexnet(lrn=False), "zfnet": zfnet(), "vgg16": vgg16(init_weights=False)}


def test_alexnet_counts_and_layouts(big):
    # Paper: convs 34,944 + 307,456 (groups 2) + 885,120 + 663,936 (g2) + 442,624 (g2); FCs 58,631,144.
    assert n_params(big["alexnet"]) == 60_965_224
    assert n_params(big["alexnet_tv"]) == 61_100_840  # torchvision's alexnet()
    sd = big["alexnet_tv"].state_dict()
    assert tuple(sd["features.0.weight"].shape) == (64, 3, 11, 11)
    assert tuple(sd["features.10.weight"].shape) == (256, 256, 3, 3)
    assert tuple(sd["classifier.1.weight"].shape) == (4096, 9216)
    assert tuple(sd["classifier.6.weight"].shape) == (1000, 4096)
    paper = big["alexnet"]
    assert [m.groups for m in paper.features if isinstance(m, nn.Conv2d)] == [1, 2, 1, 2, 2]
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in paper.features) == 2
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in big["alexnet_tv"].features)


def test_alexnet_lrn_is_the_papers_formula():
    # b = a / (k + α Σ_{5 neighbours} a²)^β with the paper's k = 2, α = 1e-4, β = 0.75.
    lrn = AlexNet._make_features(True)[2]
    a = np.random.default_rng(0).standard_normal((1, 8, 2, 2)) * 30
    sq = np.pad(a**2, ((0, 0), (2, 2), (0, 0), (0, 0)))
    window = sum(sq[:, i:i + 8] for i in range(5))
    expected = a / (2.0 + 1e-4 * window) ** 0.75
    np.testing.assert_allclose(lrn(nnlab.tensor(a)).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["alexnet", "alexnet_tv", "zfnet"])
def test_alexnet_family_small_input_shape(big, name):
    model = big[name].eval()
    with nnlab.no_grad():
        out = model(x_of(1, 3, 64, 64))
    assert out.shape == (1, 1000) and np.isfinite(out.detach().numpy()).all()


def test_zfnet_count_and_the_papers_map_sizes(big):
    model = big["zfnet"]
    assert n_params(model) == 62_357_608
    assert tuple(model.features[0].weight.shape) == (96, 3, 7, 7) and model.features[0].stride == (2, 2)
    sizes = []
    x = x_of(1, 3, 224, 224)
    with nnlab.no_grad():
        for layer in model.features:
            x = layer(x)
            if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
                sizes.append(x.shape[-1])
    assert sizes == [110, 55, 26, 13, 13, 13, 13, 6]  # Zeiler & Fergus, figure 3


def test_vgg16_count_keys_and_small_input(big):
    model = big["vgg16"]
    assert n_params(model) == 138_357_544
    sd = model.state_dict()
    assert tuple(sd["features.28.weight"].shape) == (512, 512, 3, 3)
    assert tuple(sd["classifier.0.weight"].shape) == (4096, 25088)
    assert sum(isinstance(m, nn.Conv2d) for m in model.features) == 13
    with nnlab.no_grad():
        assert model.eval()(x_of(1, 3, 32, 32)).shape == (1, 1000)


SMALL = {
    "alexnet": lambda: alexnet(width_mult=0.125, classifier_width=64),
    "alexnet_tv": lambda: alexnet(lrn=False, width_mult=0.125, classifier_width=64),
    "zfnet": lambda: zfnet(width_mult=0.125, classifier_width=64),
    "vgg16": lambda: vgg16(width_mult=0.125, classifier_width=64),
}


def _layout(model) -> list:
    """Every module's type and, for convs, pools and linears, everything but the widths."""
    out = []
    for name, m in model.named_modules():
        row = [name, type(m).__name__]
        if isinstance(m, nn.Conv2d):
            row += [m.kernel_size, m.stride, m.padding, m.groups]
        elif isinstance(m, nn.MaxPool2d):
            row += [m.kernel_size, m.stride, m.ceil_mode]
        out.append(row)
    return out


@pytest.mark.parametrize("name", list(SMALL))
def test_width_arguments_shrink_the_widths_only(big, name):
    small, full = SMALL[name](), big[name]
    assert list(small.state_dict()) == list(full.state_dict())  # the same keys, in the same order
    assert _layout(small) == _layout(full)  # the same depth, kernels, strides, groups and pools
    for key, t in small.state_dict().items():
        ref = full.state_dict()[key].shape
        if key.startswith("features") and len(ref) == 4:  # conv filters: 1/8 of the published count
            assert t.shape[0] == max(2 if "alexnet" in name or name == "zfnet" else 1, round(ref[0] / 8))
    assert small.classifier[-1].in_features == 64 and n_params(small) < n_params(full) / 200
    with nnlab.no_grad():
        assert small.eval()(x_of(1, 3, 64, 64)).shape == (1, 1000)


def test_width_arguments_are_checked():
    with pytest.raises(ValueError, match="width_mult must be positive, got 0"):
        alexnet(width_mult=0)
    with pytest.raises(ValueError, match="vgg16: width_mult must be positive, got -1"):
        vgg16(width_mult=-1)


def test_vgg16_batch_norm_adds_gamma_and_beta_per_conv_channel():
    plain, bn = make_layers(CFGS["vgg16"]), make_layers(CFGS["vgg16"], batch_norm=True)
    assert n_params(bn) - n_params(plain) == 2 * sum(c for c in CFGS["vgg16"] if c != "M") == 8448
    assert isinstance(bn[1], nn.BatchNorm2d) and len(bn) == len(plain) + 13  # torchvision's vgg16_bn: 138,365,992


@pytest.mark.parametrize("factory, count", [(resnet18, 11_689_512), (resnet34, 21_797_672), (resnet50, 25_557_032)])
def test_resnet_counts_and_small_input(factory, count):
    nnlab.manual_seed(0)
    model = factory()
    assert n_params(model) == count
    out = model(x_of(2, 3, 32, 32))  # training mode: batch statistics
    assert out.shape == (2, 1000) and np.isfinite(out.detach().numpy()).all()


def test_resnet_state_dict_keys_follow_torchvision():
    sd18, sd50 = resnet18().state_dict(), resnet50(num_classes=10).state_dict()
    assert list(sd18)[:7] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                              "bn1.num_batches_tracked", "layer1.0.conv1.weight"]
    assert tuple(sd18["layer2.0.downsample.0.weight"].shape) == (128, 64, 1, 1)
    assert tuple(sd18["layer2.0.downsample.1.running_var"].shape) == (128,)
    assert "layer1.0.downsample.0.weight" not in sd18  # identity shortcut: same shape
    assert tuple(sd18["fc.weight"].shape) == (1000, 512)
    assert tuple(sd50["layer1.0.downsample.0.weight"].shape) == (256, 64, 1, 1)
    assert tuple(sd50["layer4.2.conv3.weight"].shape) == (2048, 512, 1, 1)
    assert tuple(sd50["fc.weight"].shape) == (10, 2048)


def test_resnet18_forward_backward_gives_finite_grads_for_every_parameter():
    nnlab.manual_seed(0)
    model = resnet18(num_classes=10)
    loss = nnlab.functional.cross_entropy(model(x_of(2, 3, 32, 32)), nnlab.tensor(np.array([1, 8])))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.isfinite(p.grad.array).all(), name
    assert np.abs(model.conv1.weight.grad.array).sum() > 0  # the gradient reaches the first layer


def test_zero_init_residual_zeroes_the_last_bn_of_each_block():
    model = resnet18(zero_init_residual=True)
    assert all(np.all(b.bn2.weight.detach().numpy() == 0) for layer in (model.layer1, model.layer4) for b in layer)
    assert np.all(model.bn1.weight.detach().numpy() == 1)


def _torch_block(bottleneck: bool, cin: int, planes: int, stride: int):
    t, exp = torch.nn, 4 if bottleneck else 1
    ref = t.Module()
    convs = ([(cin, planes, 1, 1, 0), (planes, planes, 3, stride, 1), (planes, planes * 4, 1, 1, 0)] if bottleneck
             else [(cin, planes, 3, stride, 1), (planes, planes, 3, 1, 1)])
    for i, (ci, co, k, s, p) in enumerate(convs, 1):
        setattr(ref, f"conv{i}", t.Conv2d(ci, co, k, s, p, bias=False))
        setattr(ref, f"bn{i}", t.BatchNorm2d(co))
    ref.downsample = t.Sequential(t.Conv2d(cin, planes * exp, 1, stride, bias=False), t.BatchNorm2d(planes * exp))
    for m in ref.modules():  # non-trivial affine BN parameters
        if isinstance(m, t.BatchNorm2d):
            t.init.uniform_(m.weight, 0.5, 1.5)
            t.init.uniform_(m.bias, -0.5, 0.5)

    def forward(x):
        out = x
        for i in range(1, len(convs) + 1):
            out = getattr(ref, f"bn{i}")(getattr(ref, f"conv{i}")(out))
            out = torch.relu(out) if i < len(convs) else out
        return torch.relu(out + ref.downsample(x))

    ref.forward = forward
    return ref


@pytest.mark.parametrize("block", [BasicBlock, Bottleneck])
def test_residual_blocks_match_torch_in_training_mode(block):
    torch.manual_seed(0)
    cin, planes, stride = 6, 4, 2
    exp = block.expansion
    ours = block(cin, planes, stride, nn.Sequential(nn.Conv2d(cin, planes * exp, 1, stride=stride, bias=False),
                                                   nn.BatchNorm2d(planes * exp))).double()
    x = np.random.default_rng(2).standard_normal((3, cin, 6, 6))
    assert_module_parity(ours, _torch_block(block is Bottleneck, cin, planes, stride), x)


def test_googlenet_counts():
    assert n_params(googlenet()) == 7_005_832  # the paper's 5×5 third branch
    assert n_params(googlenet(five_by_five=False)) == 6_624_904  # torchvision's googlenet (3×3 there)
    assert n_params(googlenet(aux_logits=True, five_by_five=False, init_weights=False)) == 13_004_888
    model = googlenet(aux_logits=True, init_weights=False)
    assert n_params(model) == 7_005_832 + 6_379_984
    assert tuple(model.state_dict()["inception5b.branch3.1.conv.weight"].shape) == (128, 48, 5, 5)
    assert tuple(model.state_dict()["aux2.fc1.weight"].shape) == (1024, 2048)


def test_googlenet_small_inputs_and_aux_outputs():
    nnlab.manual_seed(0)
    model = googlenet(num_classes=10, aux_logits=True)
    out = model(x_of(2, 3, 64, 64))  # training: (logits, aux2, aux1), torchvision's order
    assert isinstance(out, GoogLeNetOutputs) and [o.shape for o in out] == [(2, 10)] * 3
    model.eval()
    with nnlab.no_grad():
        assert model(x_of(1, 3, 32, 32)).shape == (1, 10)


def _torch_inception(cin, c1, c3r, c3, c5r, c5, cp):
    t = torch.nn

    def basic(i, o, k):
        s = t.Module()
        s.conv, s.bn = t.Conv2d(i, o, k, padding=k // 2, bias=False), t.BatchNorm2d(o, eps=1e-3)
        s.forward = lambda x: torch.relu(s.bn(s.conv(x)))
        return s

    ref = t.Module()
    ref.branch1 = basic(cin, c1, 1)
    ref.branch2 = t.Sequential(basic(cin, c3r, 1), basic(c3r, c3, 3))
    ref.branch3 = t.Sequential(basic(cin, c5r, 1), basic(c5r, c5, 5))
    ref.branch4 = t.Sequential(t.MaxPool2d(3, 1, 1, ceil_mode=True), basic(cin, cp, 1))
    ref.forward = lambda x: torch.cat([ref.branch1(x), ref.branch2(x), ref.branch3(x), ref.branch4(x)], 1)
    return ref


def test_inception_module_matches_torch_and_concatenates_channels():
    torch.manual_seed(0)
    cfg = (5, 2, 3, 4, 2, 3, 2)
    ours = Inception(*cfg).double()
    x = np.random.default_rng(3).standard_normal((2, 5, 6, 6))
    assert_module_parity(ours, _torch_inception(*cfg), x)
    assert ours(nnlab.tensor(x)).shape == (2, 2 + 4 + 3 + 2, 6, 6)


# ---------------------------------------------------------------- MobileNet and the depthwise-separable cost

def test_depthwise_separable_cost_reproduces_the_papers_example():
    # Howard et al. 2017, §3.3: a 3×3 conv, 512 → 512 channels, on a 14×14 map.
    c = depthwise_separable_cost(d_k=3, m=512, n=512, d_f=14)
    assert c.standard_mult_adds == 3 * 3 * 512 * 512 * 14 * 14 == 462_422_016  # "462 M"
    assert c.separable_mult_adds == 3 * 3 * 512 * 14 * 14 + 512 * 512 * 14 * 14 == 52_283_392  # "52.3 M"
    assert (c.standard_params, c.separable_params) == (2_359_296, 266_752)  # "2.36 M", "0.27 M"
    assert c.ratio == pytest.approx(1 / 512 + 1 / 9, rel=1e-15)
    assert 8 < 1 / c.ratio < 9  # "8 to 9 times less computation"
    # α = 0.75 (384 channels) and ρ = 0.714 (10×10 map): the paper's 29.6 M and 15.1 M.
    assert round(depthwise_separable_cost(3, 384, 384, 14).separable_mult_adds / 1e5) == 296
    assert round(depthwise_separable_cost(3, 384, 384, 10).separable_mult_adds / 1e5) == 151
    with pytest.raises(ValueError, match="d_k must be a positive integer"):
        depthwise_separable_cost(0, 3, 3, 3)


def test_depthwise_separable_block_has_the_formulas_weights_and_matches_torch():
    m, n = 4, 6
    block = DepthwiseSeparableConv(m, n, stride=2)
    c = depthwise_separable_cost(3, m, n, 5)
    assert block.depthwise.weight.numel() + block.pointwise.weight.numel() == c.separable_params
    assert nn.Conv2d(m, n, 3, bias=False).weight.numel() == c.standard_params
    t = torch.nn
    ref = t.Module()
    ref.depthwise, ref.bn1 = t.Conv2d(m, m, 3, 2, 1, groups=m, bias=False), t.BatchNorm2d(m)
    ref.pointwise, ref.bn2 = t.Conv2d(m, n, 1, bias=False), t.BatchNorm2d(n)
    ref.forward = lambda x: torch.relu(ref.bn2(ref.pointwise(torch.relu(ref.bn1(ref.depthwise(x))))))
    x = np.random.default_rng(4).standard_normal((2, m, 9, 9))
    assert_module_parity(block.double(), ref, x)


@pytest.mark.parametrize("alpha, count, paper_params_m, paper_mult_adds_m", [
    (1.0, 4_231_976, 4.2, 569), (0.75, 2_585_560, 2.6, 325), (0.5, 1_331_592, 1.3, 149), (0.25, 470_072, 0.5, 41),
])
def test_mobilenet_width_multiplier_matches_the_papers_table(alpha, count, paper_params_m, paper_mult_adds_m):
    model = mobilenet_v1(alpha=alpha)
    assert n_params(model) == count
    assert round(count / 1e6, 1) == paper_params_m
    assert abs(model.mult_adds() / 1e6 - paper_mult_adds_m) < 1


def test_mobilenet_resolution_multiplier_changes_cost_not_parameters():
    base = mobilenet_v1()
    for resolution, paper_mult_adds_m in ((192, 418), (160, 290), (128, 186)):
        model = mobilenet_v1(resolution=resolution)
        assert n_params(model) == n_params(base)
        assert model.rho == resolution / 224 and model.input_shape == (3, resolution, resolution)
        assert abs(model.mult_adds() / 1e6 - paper_mult_adds_m) < 1
    # Every map halves exactly from 64 to 32 pixels, so the conv cost falls by exactly ρ² = 1/4.
    fc = base.fc.in_features * base.fc.out_features
    assert base.mult_adds(64) - fc == 4 * (base.mult_adds(32) - fc)


def test_mobilenet_small_input_shapes_and_activations_scale_with_resolution():
    nnlab.manual_seed(0)
    model = mobilenet_v1(alpha=0.25, num_classes=10, resolution=32)
    assert model(x_of(2, *model.input_shape)).shape == (2, 10)
    small = nnlab.summary(model, (3, 32, 32), print=False)
    large = nnlab.summary(model, (3, 64, 64), print=False)
    assert small.total_params == large.total_params
    pairs = [(s.activations, b.activations) for s, b in zip(small.rows, large.rows)
             if s.type not in ("Linear", "AdaptiveAvgPool2d")]  # stem 3 rows, 6 per block (ReLU twice)
    assert len(pairs) == 3 + 13 * 6 and all(b == 4 * s for s, b in pairs)
    assert tuple(model.features[1].depthwise.weight.shape) == (8, 1, 3, 3)
    with pytest.raises(ValueError, match="alpha must be in"):
        mobilenet_v1(alpha=1.5)


# ---------------------------------------------------------------- the seeds' Keras CNN

# Seed 001, "Code": (Conv2D filters, kernel, Dropout rate) per stage; then Flatten, Dense 2048, Dense 3.
SEED_STAGES = [(32, 3, 0.2), (64, 5, 0.2), (128, 3, 0.3), (256, 5, 0.3), (512, 3, 0.3)]


def _keras_hand_count():
    """Keras's counting rules over the seed's layers: Conv2D k·k·C_in·f + f, BN 2f trainable + 2f
    moving statistics, Dense D_in·D_out + D_out; at 256×256 five 'same' pools leave 8×8×512."""
    conv, bn, c = 0, 0, 3
    for f, k, _ in SEED_STAGES:
        conv += k * k * c * f + f
        bn += 2 * f
        c = f
    dense = (8 * 8 * 512) * 2048 + 2048 + 2048 * 3 + 3
    return conv + dense, bn  # weights, and BN's γ+β (== its moving mean+variance count)


def test_keras_cnn_is_the_seeds_model_layer_for_layer():
    model = keras_cnn(input_size=32)  # small input: same layers, Dense sized for 1×1×512
    kinds = [type(m).__name__ for m in model]
    stage = ["Conv2d", "ReLU", "BatchNorm2d", "MaxPool2d", "Dropout"]
    assert kinds == stage * 5 + ["Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    assert [(m.out_channels, m.kernel_size[0], m.padding) for m in convs] == [(f, k, "same") for f, k, _ in SEED_STAGES]
    assert [m.p for m in model if isinstance(m, nn.Dropout)] == [r for *_, r in SEED_STAGES] + [0.5]
    bns = [m for m in model if isinstance(m, nn.BatchNorm2d)]
    assert all(b.eps == 1e-3 and b.momentum == 0.01 for b in bns)  # Keras's defaults
    assert list(dict(model.named_children()))[:6] == ["conv2d", "activation", "batch_normalization",
                                                       "max_pooling2d", "dropout", "conv2d_1"]
    nnlab.manual_seed(0)
    assert model(x_of(2, 3, 32, 32)).shape == (2, 3)
    # An odd size goes through the 'same' pools as ⌈n/2⌉: 20 → 10 → 5 → 3 → 2 → 1.
    odd = keras_cnn(input_size=20, softmax=True).eval()
    with nnlab.no_grad():
        probs = odd(x_of(2, 3, 20, 20)).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def test_keras_cnn_example_prints_the_summary_with_the_hand_count(capsys):
    weights, bn = _keras_hand_count()
    assert (weights, bn) == (69_242_691, 1_984)
    report = runpy.run_path(str(EXAMPLE))["main"]()
    out = capsys.readouterr().out
    assert report.total_params == weights + bn == 69_244_675  # Keras's "Trainable params"
    assert f"Total params: {weights + 2 * bn:,}" in out  # Keras's "Total params": 69,246,659
    shapes = {r.name: r.output_shape for r in report.rows}
    assert shapes["conv2d"] == (1, 32, 256, 256) and shapes["max_pooling2d"] == (1, 32, 128, 128)
    assert shapes["max_pooling2d_4"] == (1, 512, 8, 8) and shapes["flatten"] == (1, 32768)
    assert shapes["dense"] == (1, 2048) and shapes["dense_1"] == (1, 3)
    params = {r.name: r.params for r in report.rows}
    assert params["conv2d_1"] == 5 * 5 * 32 * 64 + 64 and params["dense"] == 32768 * 2048 + 2048
