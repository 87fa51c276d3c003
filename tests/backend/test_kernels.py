"""The Numba kernels against the NumPy references and PyTorch, forward and backward, float32 and float64.

Each case runs the same nnlab op three ways — fast kernels, NumPy references, PyTorch —
on small shapes, with the size threshold lowered so that the fast path is taken, and
checks that the kernels it names were really called.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab.backend import kernels
from tests.parity import to_nnlab, to_torch

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}
DTYPES = [np.float32, np.float64]


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """Force the fast path for small arrays and record which kernels run."""
    k = kernels.numba_kernels()
    seen: list[str] = []
    for name in k.__all__:
        fn = getattr(k, name)
        if callable(fn) and name not in ("configure_threads", "num_threads", "cached"):
            def wrapped(*a, _fn=fn, _name=name, **kw):
                seen.append(_name)
                return _fn(*a, **kw)
            monkeypatch.setattr(k, name, wrapped)
    monkeypatch.setattr(kernels, "MIN_ELEMENTS", 0)
    previous = kernels.use("numba")
    yield seen
    kernels.use(previous)


def _run(fn: Callable, arrays, mode: str, seed: int = 1):
    previous = kernels.use(mode)
    try:
        ins = [to_nnlab(a) for a in arrays]
        out = fn(*ins)
        v = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
        (out * nnlab.from_numpy(v)).sum().backward()
        return out.data.copy(), [i.grad.data.copy() for i in ins], v
    finally:
        kernels.use(previous)


def check(nn_fn: Callable, torch_fn: Callable, arrays, dtype, calls: list[str], expect: set[str]) -> None:
    """Fast kernels == references == PyTorch on outputs and every input's gradient."""
    arrays = [a.astype(dtype) for a in arrays]
    calls.clear()
    out, grads, v = _run(nn_fn, arrays, "numba")
    assert expect <= set(calls), f"expected kernels {expect}, ran {sorted(set(calls))}"
    calls.clear()
    ref_out, ref_grads, _ = _run(nn_fn, arrays, "numpy")
    assert not calls, f"the reference mode ran kernels {calls}"
    tin = [to_torch(a) for a in arrays]
    tout = torch_fn(*tin)
    (tout * torch.from_numpy(v)).sum().backward()
    tol = TOL[dtype]
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref_out, **tol, err_msg="forward vs reference")
    np.testing.assert_allclose(out, tout.detach().numpy(), **tol, err_msg="forward vs torch")
    for i, (g, rg, t) in enumerate(zip(grads, ref_grads, tin)):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, rg, **tol, err_msg=f"gradient {i} vs reference")
        np.testing.assert_allclose(g, t.grad.numpy(), **tol, err_msg=f"gradient {i} vs torch")


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu(dtype, calls):
    check(F.relu, torch.relu, [_rand(3, 4, 5, 6)], dtype, calls, {"relu_forward", "relu_backward"})


@pytest.mark.parametrize("dtype", DTYPES)
def test_shifted_conv(dtype, calls):
    """A stride-1 3×3 convolution with 16 channels takes the shifted-matmul path and its copy kernels."""
    x, w, b = _rand(2, 16, 14, 13), _rand(5, 16, 3, 3, seed=1) * 0.1, _rand(5, seed=2)
    check(lambda x, w, b: F.conv2d(x, w, b, padding=1), lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=1),
          [x, w, b], dtype, calls, {"channel_major", "stack_shifts", "shifted_sum", "from_channel_major",
                                    "to_channel_major"})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train(dtype, affine, calls):
    x = _rand(4, 3, 5, 6) * 2 + 1
    arrays = [x, _rand(3, seed=1), _rand(3, seed=2)] if affine else [x]

    def ours(x, w=None, b=None):
        return F.batch_norm(x, None, None, w, b, training=True)

    def theirs(x, w=None, b=None):
        return torch.nn.functional.batch_norm(x, None, None, w, b, training=True)

    check(ours, theirs, arrays, dtype, calls, {"batch_norm_train", "batch_norm_backward"})


def test_batch_norm_running_stats_match_reference(calls):
    """The running mean and (unbiased) variance move the same way in both modes."""
    x = nnlab.from_numpy(_rand(8, 3, 4, 4).astype(np.float32) * 3 + 2)
    stats = {}
    for mode in ("numba", "numpy"):
        kernels.use(mode)
        bn = nnlab.nn.BatchNorm2d(3)
        bn(x)
        stats[mode] = (bn.running_mean.data.copy(), bn.running_var.data.copy())
    kernels.use("numba")
    assert "batch_norm_train" in calls
    np.testing.assert_allclose(stats["numba"][0], stats["numpy"][0], rtol=1e-5)
    np.testing.assert_allclose(stats["numba"][1], stats["numpy"][1], rtol=1e-5)
    assert np.all(stats["numba"][1] > 1.5)  # moved towards the batch's variance ≈ 9
