"""Normalization layers against torch.nn in train and eval mode; buffers, state_dicts, LayerNorm = GroupNorm(1)."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import assert_module_parity, assert_parity, to_nnlab, to_torch

T = torch.nn
rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape) * 2 + 0.5


def _randomize_affine(theirs):
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn(p.shape))


def _compare_buffers(ours, theirs):
    theirs_buf = dict(theirs.named_buffers())
    assert [k for k, _ in ours.named_buffers()] == list(theirs_buf)
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.array, theirs_buf[name].numpy(), atol=1e-12, err_msg=name)
        assert b.dtype == theirs_buf[name].numpy().dtype, name


BATCH_NORMS = [
    (lambda **k: nn.BatchNorm1d(3, **k), lambda **k: T.BatchNorm1d(3, **k), (5, 3)),
    (lambda **k: nn.BatchNorm1d(3, **k), lambda **k: T.BatchNorm1d(3, **k), (4, 3, 6)),
    (lambda **k: nn.BatchNorm2d(3, **k), lambda **k: T.BatchNorm2d(3, **k), (4, 3, 3, 2)),
    (lambda **k: nn.BatchNorm3d(2, **k), lambda **k: T.BatchNorm3d(2, **k), (2, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"momentum": 0.5, "eps": 1e-3}, {"affine": False},
                                    {"bias": False}], ids=["default", "cumulative", "momentum", "no-affine", "no-bias"])
@pytest.mark.parametrize("index", range(len(BATCH_NORMS)), ids=["1d-NC", "1d-NCL", "2d", "3d"])
def test_batch_norm_train_steps_then_eval_match_torch(index, kwargs):
    make_ours, make_theirs, shape = BATCH_NORMS[index]
    theirs = make_theirs(**kwargs).double()
    _randomize_affine(theirs)
    ours = make_ours(**kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_module_parity(ours, theirs, _x(*shape))  # step 1 in train mode, parameter gradients too
    for _ in range(3):  # more training steps, without re-copying: our running stats evolve on their own
        assert_parity(ours, theirs, _x(*shape))
    _compare_buffers(ours, theirs)
    assert int(ours.num_batches_tracked.array) == 4
    ours.eval(), theirs.eval()
    assert_parity(ours, theirs, _x(*shape))
    _compare_buffers(ours, theirs)  # eval leaves them alone


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_without_running_stats_uses_batch_stats_in_eval_too(training):
    ours, theirs = nn.BatchNorm2d(2, track_running_stats=False).double(), T.BatchNorm2d(2, track_running_stats=False)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours.train(training), theirs.train(training)
    assert_module_parity(ours, theirs, _x(3, 2, 2, 2))
    x = nnlab.tensor(_x(3, 2, 2, 2))
    y = ours(x).array
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)


def test_batch_norm_float32_state_dict_loads_across_and_keeps_dtypes():
    theirs = T.BatchNorm2d(3)
    _randomize_affine(theirs)
    theirs.train()
    xs = [_x(4, 3, 2, 2).astype(np.float32) for _ in range(2)]
    for x in xs:
        theirs(torch.from_numpy(x))
    ours = nn.BatchNorm2d(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert ours.num_batches_tracked.dtype == np.int64 and ours.num_batches_tracked.shape == ()
    assert int(ours.num_batches_tracked.array) == 2
    ours.eval(), theirs.eval()
    x = xs[0]
    y = ours(nnlab.tensor(x))
    assert y.dtype == np.float32 and ours.running_var.dtype == np.float32
    np.testing.assert_allclose(y.array, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    ours.train()
    y = ours(nnlab.tensor(x, requires_grad=True))
    assert y.dtype == np.float32 and ours.running_mean.dtype == np.float32


def test_batch_norm_errors_and_reset():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(N, C, H, W\), got shape \(2, 3\)"):
        bn(nnlab.tensor(np.ones((2, 3), np.float32)))
    with pytest.raises(ValueError, match=r"expected 3 channels"):
        bn(nnlab.tensor(np.ones((2, 4, 2, 2), np.float32)))
    bn(nnlab.tensor(_x(2, 3, 2, 2).astype(np.float32)))
    assert not np.allclose(bn.running_mean.array, 0)
    bn.reset_running_stats()
    assert np.all(bn.running_mean.array == 0) and np.all(bn.running_var.array == 1) and int(bn.num_batches_tracked.array) == 0


@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True, "momentum": 0.3}])
def test_instance_norm_2d_train_and_eval_match_torch(kwargs):
    ours, theirs = nn.InstanceNorm2d(3, **kwargs).double(), T.InstanceNorm2d(3, **kwargs).double()
    _randomize_affine(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_module_parity(ours, theirs, _x(2, 3, 3, 4))
    assert_parity(ours, theirs, _x(2, 3, 3, 4))
    _compare_buffers(ours, theirs)
    ours.eval(), theirs.eval()
    assert_parity(ours, theirs, _x(2, 3, 3, 4))
    assert_parity(ours, theirs, _x(3, 3, 2))  # unbatched (C, H, W)


def test_group_and_layer_norm_match_torch():
    for ours, theirs, shape in [
        (nn.GroupNorm(2, 4), T.GroupNorm(2, 4), (3, 4, 2, 3)),
        (nn.GroupNorm(4, 4, affine=False), T.GroupNorm(4, 4, affine=False), (3, 4, 5)),
        (nn.GroupNorm(1, 4, eps=1e-3, bias=False), T.GroupNorm(1, 4, eps=1e-3, bias=False), (2, 4)),
        (nn.LayerNorm(5), T.LayerNorm(5), (2, 3, 5)),
        (nn.LayerNorm((3, 5), eps=1e-3), T.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
        (nn.LayerNorm(5, bias=False), T.LayerNorm(5, bias=False), (4, 5)),
        (nn.LayerNorm(5, elementwise_affine=False), T.LayerNorm(5, elementwise_affine=False), (4, 5)),
    ]:
        _randomize_affine(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
        for mode in (True, False):
            ours.train(mode), theirs.train(mode)
            assert_module_parity(ours.double(), theirs, _x(*shape))


def test_local_response_norm_module_matches_torch():
    ours, theirs = nn.LocalResponseNorm(3, alpha=0.1, beta=0.7, k=2.0), T.LocalResponseNorm(3, alpha=0.1, beta=0.7, k=2.0)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
    for mode in (True, False):
        ours.train(mode), theirs.train(mode)
        assert_module_parity(ours, theirs, _x(2, 5, 3, 3))


def test_reprs_match_torch():
    for ours, theirs in [(nn.BatchNorm1d(4, momentum=None), T.BatchNorm1d(4, momentum=None)),
                         (nn.BatchNorm2d(4, affine=False), T.BatchNorm2d(4, affine=False)),
                         (nn.InstanceNorm2d(4, affine=True), T.InstanceNorm2d(4, affine=True)),
                         (nn.GroupNorm(2, 4), T.GroupNorm(2, 4))]:
        assert repr(ours) == repr(theirs)


def test_layer_norm_equals_group_norm_with_one_group():
    """LayerNorm over (C, H, W) and GroupNorm(1, C) normalize with the same statistics per sample.

    Their affine parameters differ in shape: GroupNorm has γ, β of shape (C,) (one per
    channel), LayerNorm of shape (C, H, W) (one per element). They coincide when
    LayerNorm's γ and β are GroupNorm's broadcast over (H, W), which is what we set,
    with random (non-trivial) values. Then the outputs and the input gradients are
    equal, and LayerNorm's parameter gradients summed over (H, W) are GroupNorm's.
    """
    n, c, h, w = 3, 4, 2, 3
    gn, ln = nn.GroupNorm(1, c).double(), nn.LayerNorm((c, h, w)).double()
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    gn.load_state_dict({"weight": gamma, "bias": beta})
    ln.load_state_dict({"weight": np.broadcast_to(gamma[:, None, None], (c, h, w)),
                        "bias": np.broadcast_to(beta[:, None, None], (c, h, w))})
    x = _x(n, c, h, w)
    xg, xl = to_nnlab(x), to_nnlab(x)
    yg, yl = gn(xg), ln(xl)
    np.testing.assert_allclose(yg.array, yl.array, atol=1e-12)
    v = nnlab.tensor(rng.standard_normal(yg.shape))
    (yg * v).sum().backward()
    (yl * v).sum().backward()
    np.testing.assert_allclose(xg.grad.array, xl.grad.array, atol=1e-12)
    np.testing.assert_allclose(gn.weight.grad.array, ln.weight.grad.array.sum(axis=(1, 2)), atol=1e-12)
    np.testing.assert_allclose(gn.bias.grad.array, ln.bias.grad.array.sum(axis=(1, 2)), atol=1e-12)
    # And the shared statistics are torch's too.
    np.testing.assert_allclose(yl.array, T.functional.group_norm(to_torch(x), 1, to_torch(gamma), to_torch(beta)).detach().numpy(),
                               atol=1e-12)


@pytest.mark.parametrize("factory,shape", [
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.BatchNorm2d(3), (2, 3, 2, 2)),
    (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 2, 2)),
    (lambda: nn.GroupNorm(3, 6), (2, 6, 2)),
    (lambda: nn.LayerNorm((2, 2)), (3, 2, 2)),
])
def test_contract_state_dict_round_trip_and_float32(factory, shape):
    a = factory()
    for p in a.parameters():
        p.array[...] = rng.standard_normal(p.shape)
    x = nnlab.tensor(_x(*shape).astype(np.float32))
    a(x)  # one training step moves the running stats
    b = factory()
    assert b.load_state_dict(a.state_dict()) == ([], [])
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).array, b(x).array)
    assert a(x).dtype == np.float32
    assert all(t.dtype == np.float32 for t in a.parameters())
    assert all(t.dtype == np.float32 for name, t in a.named_buffers() if name != "num_batches_tracked")
