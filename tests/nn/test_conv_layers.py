"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and the lazy layers: PyTorch parity with copied weights
(every padding_mode), state_dict keys, default init, repr, dtypes, errors; lazy shape inference."""

import math

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
import nnlab.optim as optim
from tests.parity import assert_module_parity, copy_weights

F64 = nnlab.float64


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- parity with torch.nn, weights copied by state_dict name ---------------------------

CONV_CASES = [
    (nn.Conv1d, torch.nn.Conv1d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2), (2, 4, 11)),
    (nn.Conv1d, torch.nn.Conv1d, dict(in_channels=3, out_channels=2, kernel_size=4, padding="same", dilation=2), (2, 3, 9)),
    (nn.Conv2d, torch.nn.Conv2d, dict(in_channels=1, out_channels=6, kernel_size=5, padding=2), (2, 1, 12, 12)),
    (nn.Conv2d, torch.nn.Conv2d, dict(in_channels=6, out_channels=6, kernel_size=3, stride=2, groups=6, bias=False), (2, 6, 9, 8)),
    (nn.Conv2d, torch.nn.Conv2d, dict(in_channels=2, out_channels=3, kernel_size=(3, 2), padding="valid", dilation=(2, 1)), (1, 2, 8, 7)),
    (nn.Conv3d, torch.nn.Conv3d, dict(in_channels=2, out_channels=4, kernel_size=2, stride=(1, 2, 1), padding=1, groups=2), (1, 2, 4, 5, 4)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("ours,theirs,kwargs,shape", CONV_CASES, ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_conv_module_parity(ours, theirs, kwargs, shape):
    assert_module_parity(ours(**kwargs, dtype=F64), theirs(**kwargs), _x(*shape))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd,padding", [(1, 2), (2, (1, 2)), (2, "same"), (3, 1)])
def test_padding_mode_parity(mode, nd, padding):
    ours = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[nd]
    theirs = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[nd]
    kwargs = dict(in_channels=2, out_channels=3, kernel_size=(3, 2, 3)[:nd] if nd > 1 else 3, padding=padding,
                  padding_mode=mode)
    shape = (2, 2) + (5, 6, 4)[:nd]
    assert_module_parity(ours(**kwargs, dtype=F64), theirs(**kwargs), _x(*shape, seed=nd))


def test_padding_mode_with_strided_same_pads_asymmetrically():
    # 'same' with stride 2 (beyond torch): n=7, k=4 → total 3, (1, 2); reflect the same way by hand.
    m = nn.Conv2d(1, 1, 4, stride=2, padding="same", padding_mode="reflect", bias=False, dtype=F64)
    x = _x(1, 1, 7, 7)
    y = m(nnlab.tensor(x))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 2), (1, 2)), mode="reflect")
    ref = torch.nn.functional.conv2d(torch.from_numpy(xp), torch.from_numpy(m.weight.array), stride=2).numpy()
    assert tuple(y.shape) == (1, 1, 4, 4)
    np.testing.assert_allclose(y.array, ref, rtol=1e-10)


TRANSPOSE_CASES = [
    (nn.ConvTranspose2d, torch.nn.ConvTranspose2d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1,
                                                        output_padding=1, groups=2), (2, 4, 4, 5)),
    (nn.ConvTranspose2d, torch.nn.ConvTranspose2d, dict(in_channels=3, out_channels=2, kernel_size=(2, 3), dilation=2,
                                                        bias=False), (1, 3, 3, 3)),
    (nn.ConvTranspose1d, torch.nn.ConvTranspose1d, dict(in_channels=2, out_channels=3, kernel_size=4, stride=3), (2, 2, 5)),
    (nn.ConvTranspose3d, torch.nn.ConvTranspose3d, dict(in_channels=2, out_channels=2, kernel_size=2, stride=2), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("ours,theirs,kwargs,shape", TRANSPOSE_CASES, ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_conv_transpose_module_parity(ours, theirs, kwargs, shape):
    assert_module_parity(ours(**kwargs, dtype=F64), theirs(**kwargs), _x(*shape))


def test_conv_transpose2d_output_size_reverses_strided_conv():
    down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, dtype=F64)
    theirs = torch.nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1).double()
    copy_weights(up, theirs)
    for size in (15, 16):  # both map to 8 under the stride-2 conv
        x = nnlab.randn(2, 3, size, size)
        h = down(x)
        assert tuple(h.shape) == (2, 8, 8, 8)
        hd = h.array.astype(np.float64)
        y = up(nnlab.tensor(hd), output_size=x.shape)
        assert tuple(y.shape) == tuple(x.shape)
        ref = theirs(torch.from_numpy(hd), output_size=list(x.shape)).detach().numpy()
        np.testing.assert_allclose(y.array, ref, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"requested output size \(18, 18\) is not reachable"):
        up(nnlab.tensor(hd), output_size=(18, 18))


# ---- state_dict, init, repr, dtype ---------------------------------------------------------

@pytest.mark.parametrize("ours,theirs,kwargs,_", CONV_CASES + TRANSPOSE_CASES, ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_state_dict_matches_torch(ours, theirs, kwargs, _):
    mine = {k: tuple(v.shape) for k, v in ours(**kwargs).state_dict().items()}
    torch_sd = {k: tuple(v.shape) for k, v in theirs(**kwargs).state_dict().items()}
    assert list(mine) == list(torch_sd) and mine == torch_sd


@pytest.mark.parametrize("layer,fan_in", [
    (lambda: nn.Conv2d(4, 32, (3, 5), groups=2), 2 * 15),
    (lambda: nn.Conv1d(8, 64, 7), 56),
    (lambda: nn.ConvTranspose2d(4, 64, 3, groups=2), 32 * 9),  # torch's fan_in: dim 1 of (C_in, C_out/g, k, k)
])
def test_default_init_is_uniform_one_over_sqrt_fan_in(layer, fan_in):
    nnlab.manual_seed(0)
    m = layer()
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        assert np.abs(p.array).max() <= bound
        # U(−b, b) has standard deviation b/√3; with ≥ 64 draws it is within 30%.
        assert abs(p.array.std() - bound / math.sqrt(3)) < 0.3 * bound / math.sqrt(3)
    nnlab.manual_seed(0)
    again = layer()
    np.testing.assert_array_equal(again.weight.array, m.weight.array)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kwargs", [
    dict(in_channels=1, out_channels=6, kernel_size=5),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False),
    dict(in_channels=3, out_channels=3, kernel_size=3, padding="same", padding_mode="circular"),
])
def test_repr_matches_torch(kwargs):
    assert repr(nn.Conv2d(**kwargs)) == repr(torch.nn.Conv2d(**kwargs))
    kw = {k: v for k, v in kwargs.items() if k not in ("padding_mode",) and v != "same"}
    assert repr(nn.ConvTranspose2d(**kw, output_padding=0)) == repr(torch.nn.ConvTranspose2d(**kw))
    assert repr(nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1)) == repr(torch.nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1))


def test_float32_stays_float32_and_double_works():
    m = nn.Conv2d(2, 3, 3, padding=1)
    assert m.weight.dtype == np.float32
    x = nnlab.randn(1, 2, 5, 5, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == m.weight.grad.dtype == np.float32
    m.double()
    assert m(nnlab.randn(1, 2, 5, 5, dtype=F64)).dtype == np.float64


@pytest.mark.parametrize("call,message", [
    (lambda: nn.Conv2d(3, 6, 3, groups=2), "in_channels=3 must be divisible by groups=2"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), "out_channels=6 must be divisible by groups=4"),
    (lambda: nn.Conv2d(4, 6, 3, groups=0), "groups must be a positive integer"),
    (lambda: nn.Conv2d(4, 6, 3, padding_mode="mirror"), "padding_mode must be one of"),
    (lambda: nn.Conv2d(4, 6, 3, padding="full"), "padding must be an int, a tuple, 'same' or 'valid'"),
    (lambda: nn.Conv2d(4, 6, (3, 3, 3)), "kernel_size must be an int or a tuple of 2 ints"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), 'only "zeros" padding_mode'),
    (lambda: nn.Conv2d(1, 6, 5)(nnlab.zeros(2, 3, 32, 32)), r"conv2d: input has 3 channels, weight expects 1 \(weight shape \(6, 1, 5, 5\)\)"),
])
def test_constructor_and_call_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- lazy layers --------------------------------------------------------------------------

def _keras_stack():
    # No channel or feature arithmetic anywhere: every in-size is inferred.
    return nn.Sequential(
        nn.LazyConv2d(8, 3, padding="same"), nn.ReLU(),
        nn.LazyConv2d(16, 3, stride=2, padding="same"), nn.ReLU(),
        nn.LazyConv2d(16, 3, stride=2, padding="same"), nn.ReLU(),
        nn.Flatten(), nn.LazyLinear(32), nn.ReLU(), nn.LazyLinear(3),
    )


def test_lazy_keras_style_stack_infers_sizes_and_trains():
    nnlab.manual_seed(0)
    model = _keras_stack()
    assert all(isinstance(p, nn.UninitializedParameter) for p in model.parameters())
    opt = optim.SGD(model.parameters(), lr=0.05)  # built before the parameters have shapes
    x = nnlab.randn(4, 3, 12, 12)
    target = nnlab.tensor(np.array([0, 1, 2, 1]))
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = nnlab.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert [type(m).__name__ for m in model if not isinstance(m, (nn.ReLU, nn.Flatten))] == ["Conv2d"] * 3 + ["Linear"] * 2
    assert [tuple(p.shape) for p in model.parameters()] == [
        (8, 3, 3, 3), (8,), (16, 8, 3, 3), (16,), (16, 16, 3, 3), (16,), (32, 16 * 3 * 3), (32,), (3, 32), (3,)]
    assert model[0].in_channels == 3 and model[7].in_features == 144
    assert not any(isinstance(p, nn.UninitializedParameter) for p in model.parameters())


def test_lazy_summary_counts_parameters():
    model = _keras_stack()
    s = nnlab.summary(model, (3, 12, 12), print=False)
    expected = (8 * 27 + 8) + (16 * 72 + 16) + (16 * 144 + 16) + (32 * 144 + 32) + (3 * 32 + 3)
    assert s.total_params == expected
    assert sum(r.params for r in s.rows) == expected
    assert tuple(s.output_shape) == (1, 3)


def test_lazy_load_state_dict_before_first_call_is_a_clear_error_then_works():
    trained = _keras_stack()
    trained(nnlab.randn(1, 3, 12, 12))
    fresh = _keras_stack()
    with pytest.raises(RuntimeError, match="no shape until the layer's first forward call"):
        fresh.load_state_dict(trained.state_dict())
    fresh(nnlab.randn(1, 3, 12, 12))
    fresh.load_state_dict(trained.state_dict())
    x = nnlab.randn(2, 3, 12, 12)
    np.testing.assert_array_equal(fresh(x).array, trained(x).array)


def test_lazy_layers_match_torch_after_materializing():
    conv = nn.LazyConv2d(4, 3, stride=2, padding=1, groups=2, dtype=F64)
    lin = nn.LazyLinear(5, dtype=F64)
    conv(nnlab.zeros(1, 6, 7, 7, dtype=F64))
    lin(nnlab.zeros(2, 9, dtype=F64))
    assert type(conv) is nn.Conv2d and type(lin) is nn.Linear
    assert_module_parity(conv, torch.nn.Conv2d(6, 4, 3, stride=2, padding=1, groups=2), _x(2, 6, 7, 7))
    assert_module_parity(lin, torch.nn.Linear(9, 5), _x(2, 9))


def test_lazy_errors_and_unbatched_input():
    with pytest.raises(ValueError, match="channels are not divisible by groups=2"):
        nn.LazyConv2d(4, 3, groups=2)(nnlab.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match="expected a 3-D \\(unbatched\\) or 4-D"):
        nn.LazyConv2d(4, 3)(nnlab.zeros(5, 5))
    m = nn.LazyConv1d(2, 3)
    assert tuple(m(nnlab.zeros(5, 10)).shape) == (2, 8)  # unbatched (C, L): C = 5
    assert m.weight.shape == (2, 5, 3)
    m3 = nn.LazyConv3d(2, 2)
    assert tuple(m3(nnlab.zeros(1, 3, 4, 4, 4)).shape) == (1, 2, 3, 3, 3)
