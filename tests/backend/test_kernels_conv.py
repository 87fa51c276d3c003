"""The direct first-layer convolution (``ops/conv_direct.py``) against im2col (the reference) and PyTorch.

Same pattern as ``test_kernels.py``: each case runs ``F.conv2d`` with the fast kernels, with
the NumPy references and in PyTorch, forward and every gradient, float32 and float64, and
checks that the direct kernels really ran (or, for the geometries it must leave alone, did not).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
from nnlab.backend import kernels
from nnlab.ops import conv_direct
from tests.backend.test_kernels import DTYPES, TOL, _rand, _run, calls, check  # noqa: F401  (calls is a fixture)

ALL = {"direct_conv2d", "direct_conv2d_weights", "direct_conv2d_input_grad"}
TAPS = set(ALL) | {"direct_conv2d_forward", "direct_conv2d_weight_grad"}


def _conv(**kw):
    return (lambda x, w, *b: F.conv2d(x, w, *b, **kw),
            lambda x, w, *b: torch.nn.functional.conv2d(x, w, *b, **kw))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kw", [
    # LeNet's first layer: 1 → 6, 5×5, padding 2 (filters in blocks of 4 + 2, taps 3 + 2 per kernel row).
    (((2, 1, 9, 8), (6, 1, 5, 5)), dict(padding=2)),
    # A stem: 3 → 9 filters (4 + 4 + 1), 3×3, padding 1.
    (((3, 3, 7, 6), (9, 3, 3, 3)), dict(padding=1)),
    # Dilation with an even kernel and PyTorch's 'same' padding (asymmetric: the odd unit bottom/right).
    (((2, 2, 8, 9), (5, 2, 2, 4)), dict(padding="same", dilation=(2, 1))),
    # Padding wider than the kernel's reach (the input gradient cuts rows of the output gradient).
    (((2, 2, 5, 6), (3, 2, 2, 3)), dict(padding=(3, 4), dilation=(1, 2))),
    # No padding, one filter, a kernel row of 4 taps (2 + 2).
    (((2, 3, 6, 7), (1, 3, 2, 4)), dict()),
])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_direct_conv_matches_reference_and_torch(dtype, shape, kw, bias, calls):
    """Output and the input, weight and bias gradients, through the three direct kernels."""
    xs, ws = shape
    arrays = [_rand(*xs), _rand(*ws, seed=1) * 0.3] + ([_rand(ws[0], seed=2)] if bias else [])
    ours, theirs = _conv(**kw)
    check(ours, theirs, arrays, dtype, calls, ALL)


@pytest.mark.parametrize("dtype", DTYPES)
def test_first_layer_runs_no_input_gradient(dtype, calls):
    """An input without grad (a first layer): the weight and bias gradients only, as PyTorch gives them."""
    x, w, b = _rand(4, 1, 12, 11) * 2 + 1, _rand(6, 1, 5, 5, seed=1), _rand(6, seed=2)
    v = np.random.default_rng(3).standard_normal((4, 6, 12, 11)).astype(dtype)
    grads = {}
    for mode in ("numba", "numpy"):
        kernels.use(mode)
        calls.clear()
        xt = nnlab.from_numpy(x.astype(dtype))
        wt, bt = (nnlab.from_numpy(a.astype(dtype)).requires_grad_() for a in (w, b))
        (F.conv2d(xt, wt, bt, padding=2) * nnlab.from_numpy(v)).sum().backward()
        assert xt.grad is None
        grads[mode] = (wt.grad.array, bt.grad.array, set(calls))
    kernels.use("numba")
    assert grads["numba"][2] == {"direct_conv2d", "direct_conv2d_weights"}
    assert not grads["numpy"][2]
    tw, tb = (torch.from_numpy(a.astype(dtype)).requires_grad_() for a in (w, b))
    ty = torch.nn.functional.conv2d(torch.from_numpy(x.astype(dtype)), tw, tb, padding=2)
    (ty * torch.from_numpy(v)).sum().backward()
    for got, ref, want in zip(grads["numba"][:2], grads["numpy"][:2], (tw.grad.numpy(), tb.grad.numpy())):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref, **TOL[dtype])
        np.testing.assert_allclose(got, want, **TOL[dtype])


def test_float32_weight_gradient_sums_accurately(calls):
    """A 64-sample weight gradient of an offset input (Σ over 50,000 products of a non-zero mean) in float32
    stays within a few float32 roundings of the float64 result, because the direct kernel sums blocks and
    samples in float64: measured 7e-8 relative, where one float32 running sum is off by 2e-6 (and
    PyTorch's float32 result by 3.5e-6)."""
    x, w = _rand(64, 1, 28, 28) + 3.0, _rand(6, 1, 5, 5, seed=1)
    g = _rand(64, 6, 28, 28, seed=2) + 1.0
    k = kernels.numba_kernels()
    exact = k.direct_conv2d_weights(x, g, ((2, 2), (2, 2)), (1, 1), (5, 5))
    single = k.direct_conv2d_weights(x.astype(np.float32), g.astype(np.float32), ((2, 2), (2, 2)), (1, 1), (5, 5))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, exact, rtol=5e-7)
    tx, tw = torch.from_numpy(x).requires_grad_(False), torch.from_numpy(w).requires_grad_()
    torch.nn.functional.conv2d(tx, tw, padding=2).backward(torch.from_numpy(g))
    np.testing.assert_allclose(exact, tw.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kw, shapes", [
    (dict(padding=1, stride=2), ((2, 3, 8, 8), (4, 3, 3, 3))),     # stride 2
    (dict(padding=1, groups=2), ((2, 4, 8, 8), (4, 2, 3, 3))),     # groups
    (dict(padding=1), ((2, 6, 8, 8), (4, 6, 3, 3))),               # C·k² = 54 > MAX_TAPS
    (dict(padding=1), ((2, 3, 8, 8), (16, 3, 3, 3))),              # F·C·k² = 432 > MAX_WORK (a ResNet-like stem)
])
def test_other_geometries_keep_their_path(kw, shapes, calls):
    """Stride 2, groups, C·k_h·k_w or F·C·k_h·k_w above the thresholds never take the direct path."""
    assert 6 * 9 > conv_direct.MAX_TAPS and 16 * 27 > conv_direct.MAX_WORK >= 9 * 27
    x, w = _rand(*shapes[0]), _rand(*shapes[1], seed=1)
    ours, theirs = _conv(**kw)
    calls.clear()
    out, _, _ = _run(ours, [x.astype(np.float32), w.astype(np.float32)], "numba")
    assert not (set(calls) & TAPS)
    np.testing.assert_allclose(out, theirs(torch.from_numpy(x).float(), torch.from_numpy(w).float()).numpy(),
                               **TOL[np.float32])


def test_conv1d_and_unbatched_input(calls):
    """An unbatched 2-D input takes the direct path too (batched inside); conv1d never does."""
    x, w = _rand(2, 9, 9), _rand(3, 2, 3, 3, seed=1)
    ours, theirs = _conv(padding=1)
    check(ours, theirs, [x, w], np.float32, calls, ALL)
    calls.clear()
    F.conv1d(nnlab.from_numpy(_rand(2, 3, 10).astype(np.float32)), nnlab.from_numpy(_rand(4, 3, 3).astype(np.float32)))
    assert not (set(calls) & TAPS)
