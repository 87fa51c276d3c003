"""batch_norm, instance_norm, group_norm, layer_norm, local_response_norm: gradcheck, torch parity, dtypes, errors."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn, to_nnlab

TF = torch.nn.functional
rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape)


# ---- tier 1: float64 central differences ---------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 3, 2, 2), (2, 2, 2, 1, 2)], ids=["NC", "NCL", "NCHW", "NCDHW"])
def test_batch_norm_training_gradcheck_through_batch_statistics(shape):
    c = shape[1]
    # Running stats are updated on every evaluation; the output must not depend on them.
    rm, rv = np.zeros(c), np.ones(c)
    fn = lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True)  # noqa: E731
    assert gradcheck_fn(fn, _x(*shape) * 2 + 1, _x(c), _x(c))


def test_batch_norm_eval_and_no_affine_gradcheck():
    rm, rv = _x(3), rng.random(3) + 0.5
    assert gradcheck_fn(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), _x(2, 3, 2), _x(3), _x(3))
    assert gradcheck_fn(lambda x: F.batch_norm(x, None, None, training=True), _x(4, 3))


def test_layer_group_instance_norm_gradcheck():
    x = _x(2, 4, 3)
    assert gradcheck_fn(lambda x, w, b: F.layer_norm(x, (4, 3), w, b), x, _x(4, 3), _x(4, 3))
    assert gradcheck_fn(lambda x, w, b: F.layer_norm(x, 3, w, b), x, _x(3), _x(3))
    assert gradcheck_fn(lambda x, w, b: F.group_norm(x, 2, w, b), x, _x(4), _x(4))
    assert gradcheck_fn(lambda x: F.group_norm(x, 4), x)
    assert gradcheck_fn(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, _x(4), _x(4))
    rm, rv = _x(4), rng.random(4) + 0.5
    assert gradcheck_fn(lambda x: F.instance_norm(x, rm, rv, use_input_stats=False), x)


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm_gradcheck(size):
    assert gradcheck_fn(lambda x: F.local_response_norm(x, size, alpha=0.7, beta=0.75, k=1.5), _x(2, 5, 3))


# ---- tier 2: PyTorch parity ------------------------------------------------------------------------


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2), (2, 3, 2, 3, 2)])
def test_batch_norm_parity_and_running_stats(shape, training):
    c = shape[1]
    rm0, rv0 = _x(c), rng.random(c) + 0.5
    rm, rv = rm0.copy(), rv0.copy()
    trm, trv = torch.from_numpy(rm0.copy()), torch.from_numpy(rv0.copy())
    assert_parity(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training, 0.3, 1e-3),
                  lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, training, 0.3, 1e-3),
                  _x(*shape), _x(c), _x(c))
    np.testing.assert_allclose(rm, trm.numpy(), atol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), atol=1e-12)
    assert np.array_equal(rm, rm0) != training  # updated in training only


def test_batch_norm_running_variance_is_unbiased_by_hand():
    x = np.array([[1.0], [2.0], [6.0]])  # mean 3, biased var 14/3, unbiased var 7
    rm, rv = np.zeros(1), np.ones(1)
    y = F.batch_norm(nnlab.tensor(x), rm, rv, training=True, momentum=0.5, eps=1e-12)
    np.testing.assert_allclose(y.array[:, 0], (x[:, 0] - 3) / np.sqrt(14 / 3), rtol=1e-9)
    np.testing.assert_allclose(rm, [1.5])  # 0.5·0 + 0.5·3
    np.testing.assert_allclose(rv, [4.0])  # 0.5·1 + 0.5·7


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_parity_with_running_stats(use_input_stats):
    rm0, rv0 = _x(3), rng.random(3) + 0.5
    rm, rv, trm, trv = rm0.copy(), rv0.copy(), torch.from_numpy(rm0.copy()), torch.from_numpy(rv0.copy())
    assert_parity(lambda x, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats, 0.2),
                  lambda x, w, b: TF.instance_norm(x, trm, trv, w, b, use_input_stats, 0.2),
                  _x(4, 3, 3, 2), _x(3), _x(3))
    np.testing.assert_allclose(rm, trm.numpy(), atol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), atol=1e-12)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm_parity(groups):
    assert_parity(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-4),
                  lambda x, w, b: TF.group_norm(x, groups, w, b, 1e-4), _x(3, 6, 2, 3), _x(6), _x(6))
    assert_parity(lambda x: F.group_norm(x, groups), lambda x: TF.group_norm(x, groups), _x(2, 6))


@pytest.mark.parametrize("shape,ns", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 2, 2), (2,))])
def test_layer_norm_parity(shape, ns):
    assert_parity(lambda x, w, b: F.layer_norm(x, ns, w, b), lambda x, w, b: TF.layer_norm(x, ns, w, b),
                  _x(*shape) * 3 + 2, _x(*ns), _x(*ns))
    assert_parity(lambda x: F.layer_norm(x, ns, eps=0.1), lambda x: TF.layer_norm(x, ns, eps=0.1), _x(*shape))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shape", [(2, 6, 4), (2, 6, 3, 2), (1, 6, 2, 2, 2)])
def test_local_response_norm_parity(shape, size):
    assert_parity(lambda x: F.local_response_norm(x, size, 0.3, 0.6, 2.0),
                  lambda x: TF.local_response_norm(x, size, 0.3, 0.6, 2.0), _x(*shape) * 2)


def test_local_response_norm_by_hand():
    # One sample, 3 channels, 1 pixel, size 2: window of c is [c - 1, c]; d_c = k + α/2·Σ x².
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    y = F.local_response_norm(nnlab.tensor(x), size=2, alpha=2.0, beta=0.5, k=1.0).array.ravel()
    d = 1 + np.array([1.0, 1 + 4, 4 + 9])
    np.testing.assert_allclose(y, [1, 2, 3] / np.sqrt(d))


# ---- dtypes and errors --------------------------------------------------------------------------


def test_float32_in_float32_out_and_running_stats_stay_float32():
    x = nnlab.tensor(_x(4, 3, 2, 2).astype(np.float32), requires_grad=True)
    w = nnlab.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = nnlab.tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    rm, rv = np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    outs = [
        F.batch_norm(x, rm, rv, w, b, training=True),
        F.batch_norm(x, rm, rv, w, b, training=False),
        F.instance_norm(x, rm, rv, w, b),
        F.group_norm(x, 3, w, b),
        F.layer_norm(x, (2, 2)),
        F.local_response_norm(x, 3),
    ]
    for y in outs:
        assert y.dtype == np.float32
        y.sum().backward()
    assert rm.dtype == np.float32 and rv.dtype == np.float32
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_errors_name_the_op_and_the_shapes():
    x = nnlab.tensor(_x(2, 3, 4).astype(np.float32))
    with pytest.raises(ValueError, match=r"batch_norm: running_mean has shape \(4,\), expected \(3,\)"):
        F.batch_norm(x, np.zeros(4, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(nnlab.tensor(np.ones((1, 3), np.float32)), None, None, training=True)
    with pytest.raises(ValueError, match="evaluation mode"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(x, None, None, training=True, momentum=None)
    with pytest.raises(TypeError, match="input dtype float32 does not match weight dtype float64"):
        F.batch_norm(x, None, None, nnlab.tensor(np.ones(3)), training=True)
    with pytest.raises(ValueError, match="num_groups=2"):
        F.group_norm(x, 2)
    with pytest.raises(ValueError, match=r"normalized_shape=\[3\]"):
        F.layer_norm(x, 3)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(nnlab.tensor(np.ones((2, 3, 1), np.float32)))
    with pytest.raises(ValueError, match="local_response_norm"):
        F.local_response_norm(nnlab.tensor(np.ones((2, 3), np.float32)), 2)
    with pytest.raises(ValueError, match="eps must be positive"):
        F.layer_norm(x, 4, eps=0.0)


def test_no_graph_without_grad_and_module_exports():
    y = F.batch_norm(to_nnlab(_x(3, 2), requires_grad=False), None, None, training=True)
    assert not y.requires_grad
    for name in ("batch_norm", "instance_norm", "group_norm", "layer_norm", "local_response_norm"):
        assert name in F.__all__
