"""The Numba kernels against the NumPy references and PyTorch, forward and backward, float32 and float64.

Each case runs the same nnlab op three ways — fast kernels, NumPy references, PyTorch —
on small shapes, with the size threshold lowered so that the fast path is taken, and
checks that the kernels it names were really called.
"""

from __future__ import annotations

import os
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
        return out.array.copy(), [i.grad.array.copy() for i in ins], v
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
def test_shifted_conv(dtype, calls, monkeypatch):
    """A stride-1 3×3 convolution with 16 channels takes the shifted-matmul path and, on several threads, its copy kernels."""
    monkeypatch.setattr(kernels.numba_kernels(), "num_threads", lambda: 2)
    x, w, b = _rand(2, 16, 14, 13), _rand(5, 16, 3, 3, seed=1) * 0.1, _rand(5, seed=2)
    check(lambda x, w, b: F.conv2d(x, w, b, padding=1), lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=1),
          [x, w, b], dtype, calls, {"channel_major", "stack_shifts", "shifted_sum", "from_channel_major",
                                    "to_channel_major"})


def test_copies_stay_with_numpy_on_one_thread(calls, monkeypatch):
    """On one kernel thread a layout copy gains nothing over NumPy's: the shifted convolution keeps the references."""
    monkeypatch.setattr(kernels.numba_kernels(), "num_threads", lambda: 1)
    x, w = _rand(2, 16, 14, 13), _rand(5, 16, 3, 3, seed=1) * 0.1
    check(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: torch.nn.functional.conv2d(x, w, padding=1),
          [x, w], np.float64, calls, set())
    assert not {"channel_major", "stack_shifts", "shifted_sum", "from_channel_major", "to_channel_major"} & set(calls)


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
        stats[mode] = (bn.running_mean.array.copy(), bn.running_var.array.copy())
    kernels.use("numba")
    assert "batch_norm_train" in calls
    np.testing.assert_allclose(stats["numba"][0], stats["numpy"][0], rtol=1e-5)
    np.testing.assert_allclose(stats["numba"][1], stats["numpy"][1], rtol=1e-5)
    assert np.all(stats["numba"][1] > 1.5)  # moved towards the batch's variance ≈ 9


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 3, 9, 7)])  # an odd last row / column is in no window
def test_max_pool2d(dtype, shape, calls):
    x = _rand(*shape)
    check(lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), [x], dtype, calls,
          {"max_pool2d", "max_pool2d_grad"})


def test_reference_max_pool_routes_nan_windows_as_pytorch(calls):
    """Overlapping 3×3 windows with NaNs (the tournament reference in both modes): gradients where PyTorch puts them."""
    x = _rand(1, 2, 7, 7)
    x[0, 0, 2, 3] = x[0, 0, 3, 2] = x[0, 1, 0, 0] = np.nan
    args = dict(kernel_size=3, stride=2, padding=1)
    check(lambda x: F.max_pool2d(x, **args), lambda x: torch.nn.functional.max_pool2d(x, **args), [x], np.float64,
          calls, set())


def test_max_pool2d_inference_records_no_taps(calls):
    """Without a graph the untracked forward runs (nothing kept for a backward); same maxima as the reference."""
    x = _rand(2, 3, 8, 6).astype(np.float32)
    with nnlab.no_grad():
        y = F.max_pool2d(nnlab.from_numpy(x), 2)
    assert "max_pool2d" in calls
    np.testing.assert_array_equal(y.array, x.reshape(2, 3, 4, 2, 3, 2).max(axis=(3, 5)))


@pytest.mark.parametrize("args", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, ceil_mode=True),
                                  dict(kernel_size=2, dilation=2), dict(kernel_size=2, stride=1)])
def test_other_max_pool_geometries_take_the_reference(args, calls):
    x = _rand(2, 3, 9, 8)
    check(lambda x: F.max_pool2d(x, **args), lambda x: torch.nn.functional.max_pool2d(x, **args), [x], np.float64,
          calls, set())
    assert not {"max_pool2d", "max_pool2d_grad"} & set(calls)


def test_max_pool2d_ties_and_nan_route_to_the_first_maximum(calls):
    """Equal values send the gradient to the window's first; a NaN wins its window and takes the gradient, as in PyTorch."""
    x = np.ones((1, 2, 4, 4))
    x[0, 1, 0, 1] = x[0, 1, 1, 0] = np.nan  # window (0, 0) of channel 1: the last NaN takes the gradient (PyTorch)
    x[0, 1, 2, 3] = 5.0
    check(lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), [x], np.float32, calls,
          {"max_pool2d", "max_pool2d_grad"})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm(dtype, batch_first, calls):
    """A whole LSTM layer (outputs, h_n, c_n) and every weight's gradient, the gates by the fused step kernels."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(4, 5, batch_first=batch_first).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = nnlab.nn.LSTM(4, 5, batch_first=batch_first)
    ours.load_state_dict({k: nnlab.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    ours.to(dtype=nnlab.float64 if dtype == np.float64 else nnlab.float32)
    x = (_rand(3, 6, 4) if batch_first else _rand(6, 3, 4)).astype(dtype)

    def run_ours(x):
        out, (h, c) = ours(x)
        return nnlab.cat([out.reshape(-1), h.reshape(-1), c.reshape(-1)])

    def run_theirs(x):
        out, (h, c) = theirs(x)
        return torch.cat([out.reshape(-1), h.reshape(-1), c.reshape(-1)])

    check(run_ours, run_theirs, [x], dtype, calls, {"lstm_gates", "lstm_output", "lstm_cell_backward"})
    ours.zero_grad()
    theirs.zero_grad()
    _, _, v = _run(run_ours, [x], "numba")  # the weights' gradients too, from the fast kernels
    (run_theirs(to_torch(x.astype(dtype))) * torch.from_numpy(v)).sum().backward()
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.array, dict(theirs.named_parameters())[name].grad.numpy(), **TOL[dtype],
                                   err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, kw", [("Adam", {}), ("Adam", dict(weight_decay=0.1, amsgrad=True)),
                                      ("AdamW", dict(weight_decay=0.1)), ("AdamW", dict(maximize=True))])
def test_adam_trajectory(dtype, name, kw, calls):
    """20 steps on a quadratic: the compiled update follows the reference and PyTorch."""
    start, target = _rand(6, 7), _rand(6, 7, seed=1)
    paths = {}
    for mode in ("numba", "numpy"):
        kernels.use(mode)
        p = nnlab.nn.Parameter(nnlab.from_numpy(start.astype(dtype)))
        opt = getattr(nnlab.optim, name)([p], lr=0.05, **kw)
        for _ in range(20):
            opt.zero_grad()
            ((p - nnlab.from_numpy(target.astype(dtype))) ** 2).sum().backward()
            opt.step()
        paths[mode] = p.array.copy()
    kernels.use("numba")
    assert "adam_update" in calls
    tp = torch.nn.Parameter(torch.from_numpy(start.astype(dtype)))
    topt = getattr(torch.optim, name)([tp], lr=0.05, **kw)
    for _ in range(20):
        topt.zero_grad()
        ((tp - torch.from_numpy(target.astype(dtype))) ** 2).sum().backward()
        topt.step()
    assert paths["numba"].dtype == dtype
    assert not np.allclose(paths["numba"], start, atol=0.1)  # it moved
    np.testing.assert_allclose(paths["numba"], paths["numpy"], **TOL[dtype])
    np.testing.assert_allclose(paths["numba"], tp.detach().numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(dtype, affine, calls):
    x = _rand(3, 4, 8) * 2 + 0.5
    arrays = [x, _rand(8, seed=1), _rand(8, seed=2)] if affine else [x]
    check(lambda x, *wb: F.layer_norm(x, (8,), *wb), lambda x, *wb: torch.nn.functional.layer_norm(x, (8,), *wb),
          arrays, dtype, calls, {"layer_norm_forward", "layer_norm_backward"} | ({"layer_norm_param_grads"} if affine else set()))


_SUBPROCESS = """
import os, numpy as np, nnlab, nnlab.functional as F
from nnlab.backend import kernels
k = kernels.fast()
x = nnlab.from_numpy(np.linspace(-1, 1, 40000, dtype=np.float32).reshape(4, 10000))
y = F.relu(x)
print(kernels.mode(), k.cached(), k.num_threads(), float(y.array.sum()), os.environ.get("OMP_WAIT_POLICY", "unset"),
      __import__("numba").config.NUMBA_NUM_THREADS)
"""


def _child(env: dict) -> list[str]:
    import os
    import subprocess
    import sys

    full = {key: v for key, v in {**os.environ, **env}.items() if v is not None}
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS], env=full, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_unwritable_cache_falls_back_to_compiling_in_memory(tmp_path):
    """A read-only install: the only cache location allowed cannot be created; the kernels still run."""
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the cache directory would go (unwritable even for root)")
    out = _child({"NUMBA_CACHE_DIR": str(blocker / "cache"), "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator",
                  "NNLAB_KERNELS": "numba"})
    x = np.linspace(-1, 1, 40000, dtype=np.float32)
    assert out[:2] == ["numba", "False"]
    assert float(out[3]) == pytest.approx(float(np.maximum(x, 0).sum()), rel=1e-5)


def test_threads_follow_the_environment():
    """NNLAB_NUM_THREADS caps the kernels' threads; NUMBA_NUM_THREADS sizes the pool; numpy mode needs no Numba."""
    assert _child({"NNLAB_NUM_THREADS": "1", "NNLAB_KERNELS": "numba"})[2] == "1"
    assert _child({"NUMBA_NUM_THREADS": "1", "NNLAB_NUM_THREADS": "", "NNLAB_KERNELS": "numba"})[2] == "1"
    two = _child({"NNLAB_NUM_THREADS": "2", "NNLAB_KERNELS": "numba"})
    assert int(two[2]) == min(2, int(two[5]))  # capped by the pool's size
    # Neither set: one kernel thread (the BLAS threads hold the cores), and the sleeping-worker policy
    # set for Numba's OpenMP runtime alone is not left in the environment for another runtime to read.
    default = _child({"NNLAB_NUM_THREADS": None, "NUMBA_NUM_THREADS": None, "OMP_WAIT_POLICY": None,
                      "NNLAB_KERNELS": "numba"})
    assert default[2] == "1" and default[4] == "unset"
    assert _child({"OMP_WAIT_POLICY": "ACTIVE", "NNLAB_KERNELS": "numba"})[4] == "ACTIVE"  # the user's own wins


def test_bad_thread_count_names_the_variable():
    import subprocess
    import sys

    env = {**os.environ, "NNLAB_NUM_THREADS": "two", "NNLAB_KERNELS": "numba"}
    done = subprocess.run([sys.executable, "-c", "from nnlab.backend import kernels; kernels.fast()"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "NNLAB_NUM_THREADS must be a positive integer, got 'two'" in done.stderr


def test_mode_switch_bad_names_and_missing_numba(monkeypatch):
    previous = kernels.use("numpy")
    try:
        assert kernels.fast() is None and kernels.mode() == "numpy"
        with pytest.raises(ValueError, match="kernels.use"):
            kernels.use("cuda")
        monkeypatch.setattr(kernels, "numba_available", lambda: False)
        kernels.use("numba")  # Numba missing: the references, without an error
        assert kernels.mode() == "numpy" and kernels.fast() is None
        monkeypatch.setenv("NNLAB_KERNELS", "numba")
        assert kernels._initial_mode() == "numpy"
    finally:
        monkeypatch.undo()
        kernels.use(previous)


def test_batch_norm_input_changed_in_place_is_caught(calls):
    """The fused batch norm keeps its input for backward, so changing it in place must raise, as in PyTorch."""
    x = nnlab.from_numpy(_rand(4, 3, 5, 5).astype(np.float32)).requires_grad_()
    h = x * 2
    y = F.batch_norm(h, None, None, training=True)
    h.mul_(3)
    assert "batch_norm_train" in calls
    with pytest.raises(RuntimeError, match="modified by an inplace operation|in place|inplace"):
        y.sum().backward()
