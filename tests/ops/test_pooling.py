"""Pooling ops: PyTorch parity over seeded argument combinations, gradchecks, the tie rule,
overlapping windows, dtypes, errors, and the seeds' variants checked by hand."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn, to_nnlab


def _configs(nd, seed, count, with_dilation=True):
    """Random (kernel, stride, padding, dilation, ceil_mode, input shape) combos torch accepts."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        k = tuple(int(v) for v in rng.integers(1, 4, nd))
        s = tuple(int(v) for v in rng.integers(1, 4, nd))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        d = tuple(int(v) for v in rng.integers(1, 3, nd)) if with_dilation else (1,) * nd
        shape = (2, 2) + tuple(int(v) for v in rng.integers(6, 9 if nd < 3 else 7, nd))
        out.append((k, s, p, d, bool(rng.integers(2)), shape))
    return out


def _data(shape, seed, ties):
    rng = np.random.default_rng(seed)
    # small integers make many ties, which exercises the first-max rule against torch's
    return rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)


# ---- parity with torch ------------------------------------------------------------------------


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_max_pool_parity_with_indices(nd, ties):
    ours, theirs = getattr(F, f"max_pool{nd}d"), getattr(TF, f"max_pool{nd}d")
    for i, (k, s, p, d, ceil, shape) in enumerate(_configs(nd, seed=nd, count=12)):
        x = _data(shape, i, ties)
        assert_parity(lambda t: ours(t, k, s, p, d, ceil, True), lambda t: theirs(t, k, s, p, d, ceil, True), x)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_avg_pool_parity(nd):
    ours, theirs = getattr(F, f"avg_pool{nd}d"), getattr(TF, f"avg_pool{nd}d")
    for i, (k, s, p, _, ceil, shape) in enumerate(_configs(nd, seed=10 + nd, count=12, with_dilation=False)):
        x = _data(shape, i, False)
        for cip in (True, False):
            assert_parity(lambda t: ours(t, k, s, p, ceil, cip), lambda t: theirs(t, k, s, p, ceil, cip), x)
        if nd > 1:
            assert_parity(lambda t: ours(t, k, s, p, ceil, True, 3), lambda t: theirs(t, k, s, p, ceil, True, 3), x)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_pool_parity(nd):
    rng = np.random.default_rng(20 + nd)
    for i in range(10):
        shape = (2, 2) + tuple(int(v) for v in rng.integers(1, 9, nd))
        # None (keep the input size) is accepted by torch for 2-D and 3-D only
        out = tuple(None if nd > 1 and rng.random() < 0.2 else int(rng.integers(1, 7)) for _ in range(nd))
        x = _data(shape, i, ties=i % 2 == 1)
        amax, tmax = getattr(F, f"adaptive_max_pool{nd}d"), getattr(TF, f"adaptive_max_pool{nd}d")
        assert_parity(lambda t: amax(t, out, True), lambda t: tmax(t, out, True), x)
        aavg, tavg = getattr(F, f"adaptive_avg_pool{nd}d"), getattr(TF, f"adaptive_avg_pool{nd}d")
        assert_parity(lambda t: aavg(t, out), lambda t: tavg(t, out), x)


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, float("inf"), -float("inf")])
def test_lp_pool_parity(p):
    x = np.random.default_rng(3).uniform(0.2, 2.0, (2, 2, 7, 7))
    for k, s, ceil in [(2, None, False), (3, 2, True), ((2, 3), (1, 2), False), ((3, 2), 2, True)]:
        assert_parity(lambda t: F.lp_pool2d(t, p, k, s, ceil), lambda t: TF.lp_pool2d(t, p, k, s, ceil), x)
    assert_parity(lambda t: F.lp_pool1d(t, p, 3, 2, True), lambda t: TF.lp_pool1d(t, p, 3, 2, True), x[:, :, 0])
    x3 = np.random.default_rng(4).uniform(0.2, 2.0, (1, 2, 4, 4, 3))
    assert_parity(lambda t: F.lp_pool3d(t, p, 2, 1), lambda t: TF.lp_pool3d(t, p, 2, 1), x3)


def test_lp_pool_zero_window_has_zero_gradient_as_torch():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1.0, 2.0], [3.0, 4.0]]
    assert_parity(lambda t: F.lp_pool2d(t, 2, 2), lambda t: TF.lp_pool2d(t, 2, 2), x)


def test_unbatched_inputs_match_torch():
    x = np.random.default_rng(4).standard_normal((3, 6, 7))
    assert_parity(lambda t: F.max_pool2d(t, 3, 2, 1, return_indices=True),
                  lambda t: TF.max_pool2d(t, 3, 2, 1, return_indices=True), x)
    assert_parity(lambda t: F.avg_pool2d(t, 2, ceil_mode=True), lambda t: TF.avg_pool2d(t, 2, ceil_mode=True), x)
    assert_parity(lambda t: F.adaptive_max_pool2d(t, (4, 3), True), lambda t: TF.adaptive_max_pool2d(t, (4, 3), True), x)
    assert_parity(lambda t: F.adaptive_avg_pool1d(t, 4), lambda t: TF.adaptive_avg_pool1d(t, 4), x[0])
    assert_parity(lambda t: F.max_pool1d(t, 2), lambda t: TF.max_pool1d(t, 2), x[0])


# ---- the tie rule and overlapping windows -----------------------------------------------------


def test_all_equal_window_routes_the_whole_gradient_to_one_position():
    x = nnlab.Tensor(np.ones((1, 1, 2, 2), dtype=np.float32), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    y.backward(nnlab.Tensor(np.array([[[[3.0]]]], dtype=np.float32)))
    np.testing.assert_array_equal(x.grad.array, [[[[3.0, 0.0], [0.0, 0.0]]]])
    assert x.grad.array.sum() == 3.0 and idx.array.item() == 0


def test_first_max_in_row_major_window_order():
    # the maxima sit at (0, 1) and (1, 0): row-major order picks (0, 1), i.e. flat index 1
    x = nnlab.Tensor(np.array([[[[1.0, 5.0], [5.0, 0.0]]]]), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    assert idx.array.item() == 1
    np.testing.assert_array_equal(x.grad.array, [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_overlapping_windows_accumulate_gradients():
    # kernel 3, stride 2 (AlexNet): the centre 9 is the max of all four windows of a 5×5 input
    x = np.arange(25, dtype=np.float64).reshape(1, 1, 5, 5) / 100
    x[0, 0, 2, 2] = 9.0
    t = nnlab.Tensor(x, requires_grad=True)
    y = F.max_pool2d(t, 3, 2)
    np.testing.assert_array_equal(y.array, np.full((1, 1, 2, 2), 9.0))
    y.backward(nnlab.Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]])))
    expected = np.zeros((1, 1, 5, 5))
    expected[0, 0, 2, 2] = 10.0
    np.testing.assert_array_equal(t.grad.array, expected)


def test_overlapping_avg_pool_gradient_by_hand():
    t = nnlab.Tensor(np.zeros((1, 1, 1, 5)), requires_grad=True)
    F.avg_pool2d(t, (1, 3), (1, 2)).sum().backward()
    np.testing.assert_allclose(t.grad.array[0, 0, 0], [1 / 3, 1 / 3, 2 / 3, 1 / 3, 1 / 3])


# ---- gradchecks (float64, distinct values so the max is unambiguous) --------------------------


def _distinct(shape, seed=0):
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0


@pytest.mark.parametrize("args", [(2,), (3, 2), (3, 2, 1, 1, True), ((2, 3), 1, (1, 0), (2, 1))])
def test_max_pool2d_gradcheck(args):
    assert gradcheck_fn(lambda a: F.max_pool2d(a, *args), _distinct((2, 2, 5, 6)))


def test_max_pool_1d_3d_gradcheck():
    assert gradcheck_fn(lambda a: F.max_pool1d(a, 3, 2, 1, 2, True), _distinct((2, 2, 9)))
    assert gradcheck_fn(lambda a: F.max_pool3d(a, 2, 1, (1, 0, 1)), _distinct((1, 2, 3, 4, 3)))


def test_avg_pool_gradcheck():
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 6))
    assert gradcheck_fn(lambda a: F.avg_pool2d(a, 3, 2, 1, True, False), x)
    assert gradcheck_fn(lambda a: F.avg_pool1d(a, 2, 1, 1), x[:, :, 0])
    assert gradcheck_fn(lambda a: F.avg_pool3d(a, 2, (1, 2, 2), divisor_override=5), x[:1, :, :3, :4, None].repeat(3, -1))


def test_adaptive_and_global_gradcheck():
    x = _distinct((2, 2, 5, 7), seed=2)
    assert gradcheck_fn(lambda a: F.adaptive_max_pool2d(a, (3, 4)), x)
    assert gradcheck_fn(lambda a: F.adaptive_avg_pool2d(a, (3, None)), x)
    assert gradcheck_fn(lambda a: F.adaptive_avg_pool1d(a, 3), x[:, :, 0])
    assert gradcheck_fn(F.global_avg_pool2d, x)
    assert gradcheck_fn(F.global_max_pool2d, x)


# ---- dtypes and errors ------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda t: F.max_pool2d(t, 3, 2, 1), lambda t: F.avg_pool2d(t, 2, ceil_mode=True),
    lambda t: F.max_pool1d(t[:, :, 0], 2), lambda t: F.avg_pool3d(t[:, :, None], (1, 2, 2)),
    lambda t: F.adaptive_avg_pool2d(t, 3), lambda t: F.adaptive_max_pool2d(t, (3, 4)),
    lambda t: F.global_avg_pool2d(t), lambda t: F.global_max_pool2d(t), lambda t: F.lp_pool2d(t, 2, 2),
    lambda t: F.lp_pool2d(t, 2, 2, weights=np.ones((2, 2))), lambda t: F.mixed_pool2d(t, 2),
    lambda t: F.stochastic_pool2d(t, 2), lambda t: F.stochastic_pool2d(t, 2, training=False),
    lambda t: F.spectral_pool2d(t, (3, 3)),
])
def test_float32_in_float32_out_and_grad(fn):
    t = nnlab.Tensor(np.random.default_rng(0).uniform(0.1, 1.0, (2, 3, 6, 7)).astype(np.float32), requires_grad=True)
    y = fn(t)
    assert y.dtype == np.float32
    y.sum().backward()
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool2d(x, 6), "too small"),
    (lambda x: F.avg_pool2d(x, (2, 9)), "too small"),
    (lambda x: F.max_pool2d(x, 3, padding=2), "at most half of kernel size"),
    (lambda x: F.avg_pool1d(x[0], 2, padding=2), "at most half of kernel size"),
    (lambda x: F.max_pool2d(x, 2, stride=0), "stride must be positive"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), "tuple of 2 ints"),
    (lambda x: F.max_pool2d(x[0, 0], 2), "3-D \\(unbatched\\) or 4-D"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "non-zero"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), "positive"),
    (lambda x: F.spectral_pool2d(x, (6, 2)), "must not exceed"),
    (lambda x: F.stochastic_pool2d(x - 1, 2), "non-negative"),
    (lambda x: F.lp_pool2d(x, 0, 2), "non-zero"),
    (lambda x: F.lp_pool2d(x, 2, 2, weights=np.ones((3, 3))), "kernel's shape"),
    (lambda x: F.mixed_pool2d(x, 2, alpha=1.5), "alpha"),
])
def test_clear_errors(call, message):
    x = nnlab.Tensor(np.random.default_rng(0).uniform(0, 1, (1, 2, 5, 5)).astype(np.float32))
    with pytest.raises(ValueError, match=message):
        call(x)


def test_integer_input_is_rejected():
    with pytest.raises(TypeError, match="max_pool2d: expected a floating-point input"):
        F.max_pool2d(nnlab.Tensor(np.ones((1, 1, 4, 4), dtype=np.int64)), 2)


# ---- global pooling ---------------------------------------------------------------------------


def test_global_pooling_is_adaptive_pooling_to_one():
    x = to_nnlab(np.random.default_rng(5).standard_normal((2, 3, 4, 5)))
    np.testing.assert_allclose(F.global_avg_pool2d(x).array, F.adaptive_avg_pool2d(x, 1).array[:, :, 0, 0])
    np.testing.assert_allclose(F.global_avg_pool2d(x).array, x.array.mean(axis=(2, 3)))
    assert F.global_avg_pool2d(x, keepdim=True).shape == (2, 3, 1, 1)
    np.testing.assert_array_equal(F.global_max_pool2d(x).array, x.array.max(axis=(2, 3)))
    assert F.global_max_pool2d(x, keepdim=True).shape == (2, 3, 1, 1)
    assert F.global_avg_pool2d(to_nnlab(x.array[0])).shape == (3,)


def test_global_max_pool_sends_the_gradient_to_one_of_equal_maxima():
    t = nnlab.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    F.global_max_pool2d(t).sum().backward()
    assert t.grad.array.sum() == 1.0 and t.grad.array[0, 0, 0, 0] == 1.0


# ---- the seeds' variants ----------------------------------------------------------------------


def test_weighted_lp_pool_by_hand_and_gradcheck():
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    w = np.array([[1.0, 0.5], [0.25, 2.0]])
    y = F.lp_pool2d(to_nnlab(x), 2, 2, weights=w)
    np.testing.assert_allclose(y.array.item(), np.sqrt(1 + 0.5 * 4 + 0.25 * 9 + 2 * 16))
    xs = np.random.default_rng(6).uniform(0.2, 2.0, (1, 2, 5, 5))
    assert gradcheck_fn(lambda a, b: F.lp_pool2d(a, 2, 2, 1, weights=b), xs, w)
    assert gradcheck_fn(lambda a, b: F.lp_pool2d(a, 3, 3, 2, True, weights=b), xs, np.random.default_rng(7).uniform(0.5, 1.5, (3, 3)))
    # unit weights are PyTorch's unweighted Lp pooling
    np.testing.assert_allclose(F.lp_pool2d(to_nnlab(xs), 2, 2, weights=np.ones((2, 2))).array,
                               TF.lp_pool2d(torch.from_numpy(xs), 2, 2).numpy())


def test_lp_pool_gradcheck():
    xs = np.random.default_rng(8).uniform(0.2, 2.0, (1, 2, 5, 5))
    assert gradcheck_fn(lambda a: F.lp_pool2d(a, 3, 2, 1), xs)
    assert gradcheck_fn(lambda a: F.lp_pool1d(a, 1.5, 3, 2, True), xs[:, :, 0])


def test_mixed_pooling_endpoints_and_alpha_gradient():
    x = _distinct((1, 2, 4, 6), seed=9)
    t = to_nnlab(x)
    mx, av = F.max_pool2d(t, 2).array, F.avg_pool2d(t, 2).array
    np.testing.assert_allclose(F.mixed_pool2d(t, 2, alpha=1.0).array, mx)
    np.testing.assert_allclose(F.mixed_pool2d(t, 2, alpha=0.0).array, av)
    alpha = nnlab.Tensor(np.array(0.3), requires_grad=True)
    g = np.random.default_rng(10).standard_normal(mx.shape)
    y = F.mixed_pool2d(to_nnlab(x), 2, alpha=alpha)
    np.testing.assert_allclose(y.array, 0.3 * mx + 0.7 * av)
    (y * nnlab.Tensor(g)).sum().backward()
    np.testing.assert_allclose(alpha.grad.array, np.sum(g * (mx - av)))
    assert gradcheck_fn(lambda a, al: F.mixed_pool2d(a, 3, 2, al, 1), _distinct((1, 2, 5, 5)), np.array(0.6))


def test_stochastic_pooling_samples_in_proportion_to_activations():
    # 20,000 copies of the window [[1, 2], [3, 4]]: position i is drawn with p_i = x_i / 10
    m = 20_000
    x = np.tile(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), (1, m))[None, None]
    nnlab.manual_seed(0)
    y = F.stochastic_pool2d(nnlab.Tensor(x), 2).array.ravel()
    freq = np.array([np.mean(y == v) for v in (1, 2, 3, 4)])
    sigma = np.sqrt(np.array([0.1, 0.2, 0.3, 0.4]) * np.array([0.9, 0.8, 0.7, 0.6]) / m)
    assert np.all(np.abs(freq - [0.1, 0.2, 0.3, 0.4]) < 4 * sigma), freq
    # same seed, same draw; an explicit generator is honoured
    nnlab.manual_seed(0)
    np.testing.assert_array_equal(F.stochastic_pool2d(nnlab.Tensor(x), 2).array.ravel(), y)
    a = F.stochastic_pool2d(nnlab.Tensor(x), 2, generator=np.random.default_rng(3)).array
    np.testing.assert_array_equal(a, F.stochastic_pool2d(nnlab.Tensor(x), 2, generator=np.random.default_rng(3)).array)


def test_stochastic_pooling_zero_window_never_draws_zero_probability_entries():
    x = np.zeros((1, 1, 2, 6), dtype=np.float32)
    x[0, 0, 1, 3] = 2.0  # the second window has one non-zero entry; the others are all zero
    for seed in range(20):
        y = F.stochastic_pool2d(nnlab.Tensor(x), 2, generator=np.random.default_rng(seed)).array
        np.testing.assert_array_equal(y, [[[[0.0, 2.0, 0.0]]]])


def test_stochastic_pooling_gradient_goes_to_the_drawn_position():
    t = nnlab.Tensor(_distinct((1, 2, 4, 4), seed=11) + 0.1, requires_grad=True)
    y = F.stochastic_pool2d(t, 2, generator=np.random.default_rng(1))
    y.sum().backward()
    assert t.grad.array.sum() == y.numel()
    np.testing.assert_array_equal(np.sort(t.array[t.grad.array == 1]), np.sort(y.array.ravel()))
    # with a fixed draw the op is a selection, which gradcheck confirms
    assert gradcheck_fn(lambda a: F.stochastic_pool2d(a, 2, 1, generator=np.random.default_rng(2)), _distinct((1, 2, 4, 4)) + 0.1)


def test_stochastic_pooling_eval_is_probability_weighted_average():
    x = np.array([[[[1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0]]]])
    y = F.stochastic_pool2d(to_nnlab(x), 2, training=False)
    np.testing.assert_allclose(y.array, [[[[(1 + 4 + 9 + 16) / 10, 0.0]]]])
    assert gradcheck_fn(lambda a: F.stochastic_pool2d(a, 2, training=False), x + 0.5)
    assert gradcheck_fn(lambda a: F.stochastic_pool2d(a, 3, 2, training=False), _distinct((1, 2, 5, 5)) + 0.1)


def test_spectral_pooling_resamples_band_limited_images():
    h = np.arange(8)
    img = np.cos(2 * np.pi * h / 8)[:, None] * np.cos(2 * np.pi * np.arange(6) / 6)[None, :]
    y = F.spectral_pool2d(to_nnlab(img[None, None]), (4, 3)).array[0, 0]
    np.testing.assert_allclose(y, np.cos(2 * np.pi * np.arange(4) / 4)[:, None] * np.cos(2 * np.pi * np.arange(3) / 3)[None, :], atol=1e-12)
    const = F.spectral_pool2d(nnlab.Tensor(np.full((1, 2, 6, 5), 2.5, dtype=np.float32)), 3)
    assert const.dtype == np.float32
    np.testing.assert_allclose(const.array, 2.5, rtol=1e-6)
    x = np.random.default_rng(12).standard_normal((1, 2, 6, 7))
    np.testing.assert_allclose(F.spectral_pool2d(to_nnlab(x), None).array, x, atol=1e-12)


def test_spectral_pooling_gradcheck():
    rng = np.random.default_rng(13)
    assert gradcheck_fn(lambda a: F.spectral_pool2d(a, (3, 4)), rng.standard_normal((1, 2, 6, 7)))
    assert gradcheck_fn(lambda a: F.spectral_pool2d(a, (2, 5)), rng.standard_normal((2, 5, 6)))


def test_inference_without_grad_gives_the_same_values():
    x = nnlab.Tensor(np.random.default_rng(14).standard_normal((2, 2, 7, 7)).astype(np.float32))
    for args in [(2,), (3, 2), (3, 1, 1, 2, True)]:
        with nnlab.no_grad():
            y = F.max_pool2d(x, *args)
        np.testing.assert_array_equal(y.array, TF.max_pool2d(torch.from_numpy(x.array), *args).numpy())
