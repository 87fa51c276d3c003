"""conv1d/2d/3d, conv_transpose1d/2d/3d and conv_output_size: gradcheck, PyTorch parity over
randomized stride/padding/dilation/groups, the 'same' rule for strides > 1, shapes, dtypes, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn

RNG = np.random.default_rng(1234)


def _rand(*shape):
    return RNG.standard_normal(shape)


# ---- conv_output_size ------------------------------------------------------------------------

def test_conv_output_size_seed_002_exercise():
    """Seed 002: a 16×16 input, a 3×3 filter, stride 1, padding 2 gives an 18×18 output.

    (16 + 2·2 − 3)/1 + 1 = 18. The seed's answer 21×21 counts the padding twice: it first
    pads 16 → 20, then puts the padded 20 into (W − F + 2P)/S + 1, adding 2P = 4 again
    ((20 − 3 + 4)/1 + 1 is 22; the seed's "20/1 + 1 = 21" also drops a unit on the way).
    """
    assert F.conv_output_size(16, 3, 1, 2) == 18
    y = F.conv2d(nnlab.zeros(1, 1, 16, 16), nnlab.zeros(1, 1, 3, 3), stride=1, padding=2)
    assert tuple(y.shape) == (1, 1, 18, 18)
    padded = 16 + 2 * 2
    assert F.conv_output_size(padded, 3, 1, 0) == 18  # padding counted once: same answer
    assert (padded - 3 + 2 * 2) // 1 + 1 == 22 != 18  # padding counted twice, as in the seed


@pytest.mark.parametrize("n,k,s,p,d", [(32, 5, 1, 0, 1), (7, 3, 2, 1, 1), (10, 3, 3, 0, 2), (5, 5, 1, 0, 1), (9, 2, 4, 3, 3)])
def test_conv_output_size_matches_conv_and_formula(n, k, s, p, d):
    expected = (n + 2 * p - d * (k - 1) - 1) // s + 1
    assert F.conv_output_size(n, k, s, p, d) == expected
    y = F.conv1d(nnlab.zeros(1, 1, n), nnlab.zeros(1, 1, k), stride=s, padding=p, dilation=d)
    assert y.shape[-1] == expected


def test_conv_output_size_rejects_bad_arguments():
    with pytest.raises(ValueError, match="exceeds the padded input"):
        F.conv_output_size(4, 5)
    with pytest.raises(ValueError, match="s, d ≥ 1"):
        F.conv_output_size(8, 3, s=0)


# ---- gradcheck (float64 finite differences) -------------------------------------------------

def test_gradcheck_conv1d():
    fn = lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2)  # noqa: E731
    assert gradcheck_fn(fn, _rand(2, 4, 9), _rand(4, 2, 3), _rand(4))


def test_gradcheck_conv2d():
    fn = lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)  # noqa: E731
    assert gradcheck_fn(fn, _rand(2, 4, 5, 6), _rand(4, 2, 3, 2), _rand(4))


def test_gradcheck_conv2d_same_strided():
    fn = lambda x, w, b: F.conv2d(x, w, b, stride=2, padding="same")  # noqa: E731
    assert gradcheck_fn(fn, _rand(1, 2, 5, 6), _rand(3, 2, 2, 3), _rand(3))


def test_gradcheck_conv2d_weight_only():
    # x as a constant: the batch-first path for inputs that need no gradient
    x = nnlab.tensor(_rand(3, 4, 6, 5))
    fn = lambda w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1), groups=2)  # noqa: E731
    assert gradcheck_fn(fn, _rand(4, 2, 2, 3), _rand(4))


def test_gradcheck_conv3d():
    fn = lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=1)  # noqa: E731
    assert gradcheck_fn(fn, _rand(1, 2, 3, 4, 3), _rand(2, 2, 2, 2, 2), _rand(2))


def test_gradcheck_conv_transpose2d():
    fn = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=1)  # noqa: E731
    assert gradcheck_fn(fn, _rand(2, 4, 3, 3), _rand(4, 1, 3, 2), _rand(2))


def test_gradcheck_conv_transpose2d_output_padding_below_dilation():
    # output_padding ≥ stride is allowed when it is < dilation: trailing rows no kernel tap reaches.
    fn = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=1, output_padding=1, dilation=2)  # noqa: E731
    assert gradcheck_fn(fn, _rand(1, 2, 3, 3), _rand(2, 2, 2, 2), _rand(2))


# ---- PyTorch parity over randomized configurations ----------------------------------------

def _random_conv_case(rng, nd):
    groups = int(rng.choice([1, 1, 2, 3]))
    cg = int(rng.integers(1, 3))
    c_in = groups * cg
    depthwise = rng.random() < 0.2
    if depthwise:
        groups, c_in = c_in, c_in
    c_out = groups * int(rng.integers(1, 3))
    kernel = tuple(int(v) for v in rng.integers(1, 4, nd))
    dilation = tuple(int(v) for v in rng.integers(1, 3, nd))
    stride = tuple(int(v) for v in rng.integers(1, 4, nd))
    roll = rng.random()
    if roll < 0.15:
        padding, stride = "same", (1,) * nd  # torch accepts 'same' only with stride 1
    elif roll < 0.25:
        padding = "valid"
    else:
        padding = tuple(int(v) for v in rng.integers(0, 3, nd))
    pads = (0,) * nd if isinstance(padding, str) else padding
    spatial = tuple(max(d * (k - 1) + 1 - 2 * p, 1) + int(rng.integers(0, 5))
                    for k, d, p in zip(kernel, dilation, pads))
    n = int(rng.integers(1, 3))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    use_bias = rng.random() < 0.8
    return (n, c_in) + spatial, (c_out, c_in // groups) + kernel, use_bias, kwargs


def _cases(nd, count, seed):
    rng = np.random.default_rng(seed)
    return [_random_conv_case(rng, nd) for _ in range(count)]


def _conv_parity(ours, theirs, x_shape, w_shape, use_bias, kwargs):
    rng = np.random.default_rng(abs(hash((x_shape, w_shape))) % 2**32)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    if use_bias:
        b = rng.standard_normal(w_shape[0])
        assert_parity(lambda x, w, b: ours(x, w, b, **kwargs), lambda x, w, b: theirs(x, w, b, **kwargs), x, w, b)
    else:
        assert_parity(lambda x, w: ours(x, w, None, **kwargs), lambda x, w: theirs(x, w, None, **kwargs), x, w)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", _cases(2, 30, 2), ids=lambda c: f"{c[0]}-{c[1]}-{c[3]}")
def test_conv2d_parity_randomized(case):
    _conv_parity(F.conv2d, TF.conv2d, *case)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", _cases(1, 12, 1), ids=lambda c: f"{c[0]}-{c[1]}-{c[3]}")
def test_conv1d_parity_randomized(case):
    _conv_parity(F.conv1d, TF.conv1d, *case)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", _cases(3, 4, 3), ids=lambda c: f"{c[0]}-{c[1]}-{c[3]}")
def test_conv3d_parity_randomized(case):
    _conv_parity(F.conv3d, TF.conv3d, *case)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", _cases(2, 8, 5) + _cases(1, 3, 6) + _cases(3, 2, 7), ids=lambda c: f"{c[0]}-{c[1]}-{c[3]}")
def test_weight_and_bias_grads_when_input_needs_none(case):
    """A first layer's input needs no gradient: the op then takes its batch-first path."""
    x_shape, w_shape, _, kwargs = case
    ours, theirs = {3: (F.conv1d, TF.conv1d), 4: (F.conv2d, TF.conv2d), 5: (F.conv3d, TF.conv3d)}[len(x_shape)]
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    assert_parity(lambda w, b: ours(nnlab.tensor(x), w, b, **kwargs), lambda w, b: theirs(torch.from_numpy(x), w, b, **kwargs), w, b)


def test_weight_grads_when_input_needs_none_and_filters_outnumber_positions():
    # F_g > P (deep layer, tiny map): the batch-last path even without an input gradient
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 4, 3, 3)), rng.standard_normal((8, 4, 2, 2)), rng.standard_normal(8)
    assert_parity(lambda w, b: F.conv2d(nnlab.tensor(x), w, b, stride=2), lambda w, b: TF.conv2d(torch.from_numpy(x), w, b, stride=2), w, b)


def test_conv2d_depthwise_parity():
    x, w, b = _rand(2, 6, 7, 7), _rand(6, 1, 3, 3), _rand(6)
    kw = dict(stride=2, padding=1, groups=6)
    assert_parity(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw), x, w, b)


def test_conv2d_unbatched_input_parity():
    x, w = _rand(3, 6, 5), _rand(4, 3, 2, 2)
    assert_parity(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1), x, w)


def _random_transpose_case(rng, nd):
    groups = int(rng.choice([1, 1, 2]))
    c_in = groups * int(rng.integers(1, 3))
    c_out_g = int(rng.integers(1, 3))
    kernel = tuple(int(v) for v in rng.integers(1, 4, nd))
    stride = tuple(int(v) for v in rng.integers(1, 4, nd))
    dilation = tuple(int(v) for v in rng.integers(1, 3, nd))
    opad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    spatial = tuple(int(v) for v in rng.integers(1, 5, nd))
    # keep the output positive: (n − 1)s − 2p + d(k − 1) + op + 1 ≥ 1
    padding = tuple(int(min(rng.integers(0, 3), ((n - 1) * s + d * (k - 1) + o) // 2))
                    for n, s, d, k, o in zip(spatial, stride, dilation, kernel, opad))
    kwargs = dict(stride=stride, padding=padding, output_padding=opad, groups=groups, dilation=dilation)
    return (int(rng.integers(1, 3)), c_in) + spatial, (c_in, c_out_g) + kernel, rng.random() < 0.8, kwargs


def _transpose_cases(nd, count, seed):
    rng = np.random.default_rng(seed)
    return [_random_transpose_case(rng, nd) for _ in range(count)]


@pytest.mark.parametrize("case", _transpose_cases(2, 14, 8), ids=lambda c: f"{c[0]}-{c[1]}-{c[3]}")
def test_conv_transpose2d_parity_randomized(case):
    x_shape, w_shape, use_bias, kwargs = case
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1] * kwargs["groups"])
    if use_bias:
        assert_parity(lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs),
                      lambda x, w, b: TF.conv_transpose2d(x, w, b, **kwargs), x, w, b)
    else:
        assert_parity(lambda x, w: F.conv_transpose2d(x, w, **kwargs), lambda x, w: TF.conv_transpose2d(x, w, **kwargs), x, w)


@pytest.mark.parametrize("nd", [1, 3])
def test_conv_transpose1d_3d_parity(nd):
    rng = np.random.default_rng(nd)
    ours, theirs = {1: (F.conv_transpose1d, TF.conv_transpose1d), 3: (F.conv_transpose3d, TF.conv_transpose3d)}[nd]
    for x_shape, w_shape, _, kwargs in _transpose_cases(nd, 3, nd):
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[1] * kwargs["groups"])
        assert_parity(lambda x, w, b: ours(x, w, b, **kwargs), lambda x, w, b: theirs(x, w, b, **kwargs), x, w, b)


# ---- 'same' padding -------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("k,d", [(2, 1), (4, 1), (3, 2), (2, 3)])
def test_same_padding_stride_one_matches_torch(k, d):
    x, w = _rand(1, 2, 7, 6), _rand(3, 2, k, k)
    kw = dict(padding="same", dilation=d)
    assert_parity(lambda x, w: F.conv2d(x, w, **kw), lambda x, w: TF.conv2d(x, w, **kw), x, w)


@pytest.mark.parametrize("n,k,s,lo,hi", [
    (7, 4, 2, 1, 2),   # out 4: total (4 − 1)·2 + 4 − 7 = 3 → 1 top/left, 2 bottom/right
    (8, 3, 2, 0, 1),   # out 4: total 3·2 + 3 − 8 = 1 → the single unit goes bottom/right
    (9, 3, 3, 0, 0),   # out 3: total 2·3 + 3 − 9 = 0
    (5, 2, 2, 0, 1),   # out 3: even kernel, total 2·2 + 2 − 5 = 1
    (10, 5, 3, 2, 2),  # out 4: total 3·3 + 5 − 10 = 4
])
def test_same_padding_strided_rule(n, k, s, lo, hi):
    """stride > 1 (which torch rejects): output ⌈n/s⌉, total padding (⌈n/s⌉ − 1)s + k − n,
    the odd unit on the bottom/right — equal to an explicit pad by (lo, hi) and a 'valid' conv."""
    from nnlab.ops.conv import same_padding
    assert same_padding((n, n), (k, k), (s, s), (1, 1)) == ((lo, hi), (lo, hi))
    x, w = _rand(1, 2, n, n), _rand(3, 2, k, k)
    y = F.conv2d(nnlab.tensor(x), nnlab.tensor(w), stride=s, padding="same")
    assert tuple(y.shape) == (1, 3, -(-n // s), -(-n // s))
    xp = np.pad(x, ((0, 0), (0, 0), (lo, hi), (lo, hi)))
    expected = TF.conv2d(torch.from_numpy(xp), torch.from_numpy(w), stride=s).numpy()
    np.testing.assert_allclose(y.array, expected, rtol=1e-10, atol=1e-12)


def test_same_padding_stride_one_is_dilated_kernel_extent():
    from nnlab.ops.conv import same_padding
    assert same_padding((6,), (3,), (1,), (2,)) == ((2, 2),)  # d(k − 1) = 4, split evenly
    assert same_padding((6,), (4,), (1,), (1,)) == ((1, 2),)  # odd total: extra on the right


# ---- transposed convolution reverses the convolution's shape change ------------------------

@pytest.mark.parametrize("n,k,s,p,d", [(28, 5, 1, 2, 1), (32, 3, 2, 1, 1), (31, 3, 2, 1, 1), (17, 4, 3, 0, 2), (10, 2, 2, 0, 1)])
def test_conv_transpose2d_reverses_conv2d_shape(n, k, s, p, d):
    x = nnlab.zeros(1, 3, n, n + 1)
    y = F.conv2d(x, nnlab.zeros(4, 3, k, k), stride=s, padding=p, dilation=d)
    opad = tuple((m + 2 * p - d * (k - 1) - 1) % s for m in (n, n + 1))
    back = F.conv_transpose2d(y, nnlab.zeros(4, 3, k, k), stride=s, padding=p, output_padding=opad, dilation=d)
    assert tuple(back.shape) == tuple(x.shape)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(x, W), y> = <x, conv_transpose2d(y, W)> for every x, y: the same linear map, transposed.
    x, w, y = _rand(2, 4, 9, 8), _rand(6, 2, 3, 2), None
    kw = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    cx = F.conv2d(nnlab.tensor(x), nnlab.tensor(w), **kw)
    y = _rand(*cx.shape)
    opad = tuple((n + 2 - dd * (kk - 1) - 1) % 2 for n, kk, dd in zip((9, 8), (3, 2), (1, 2)))
    ty = F.conv_transpose2d(nnlab.tensor(y), nnlab.tensor(w), output_padding=opad, **kw)
    assert ty.shape == x.shape
    np.testing.assert_allclose(np.sum(cx.array * y), np.sum(x * ty.array), rtol=1e-10)


# ---- dtypes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("op,x_shape,w_shape", [
    (F.conv1d, (2, 3, 8), (4, 3, 3)), (F.conv2d, (2, 3, 6, 6), (4, 3, 3, 3)), (F.conv3d, (1, 2, 4, 4, 4), (3, 2, 2, 2, 2)),
    (F.conv_transpose2d, (2, 3, 4, 4), (3, 4, 3, 3)),
])
def test_float32_in_float32_out(op, x_shape, w_shape):
    x = nnlab.tensor(_rand(*x_shape).astype(np.float32), requires_grad=True)
    w = nnlab.tensor(_rand(*w_shape).astype(np.float32), requires_grad=True)
    b = nnlab.tensor(_rand(w_shape[0] if op is not F.conv_transpose2d else w_shape[1]).astype(np.float32), requires_grad=True)
    y = op(x, w, b, stride=2, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


# ---- errors ---------------------------------------------------------------------------------

def test_error_channel_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"^conv2d: input has 3 channels, weight expects 1 \(weight shape \(6, 1, 5, 5\)\)$"):
        F.conv2d(nnlab.zeros(1, 3, 32, 32), nnlab.zeros(6, 1, 5, 5))


@pytest.mark.parametrize("call,message", [
    (lambda: F.conv2d(nnlab.zeros(1, 3, 8, 8), nnlab.zeros(6, 1, 3, 3), groups=2), r"input has 3 channels, weight expects 2"),
    (lambda: F.conv2d(nnlab.zeros(1, 4, 8, 8), nnlab.zeros(5, 2, 3, 3), groups=2), r"groups=2 must divide the 5 output channels"),
    (lambda: F.conv2d(nnlab.zeros(8, 8), nnlab.zeros(6, 1, 3, 3)), r"expected a 3-D \(unbatched\) or 4-D \(batched\) input, got shape \(8, 8\)"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 8, 8), nnlab.zeros(6, 1, 3)), r"weight must be 4-D"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 5, 5), padding=0), r"kernel \(5, 5\) .* larger than the padded input \(4, 4\)"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), dilation=2), r"spans \(5, 5\), larger than the padded input"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), padding="full"), r"'valid' or 'same', got 'full'"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), padding=-1), r"negative padding"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), stride=0), r"stride must be positive"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), stride=(1, 1, 1)), r"stride must be an int or a tuple of 2 ints"),
    (lambda: F.conv2d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3, 3), nnlab.zeros(5)), r"bias shape \(5,\) does not match 6"),
    (lambda: F.conv1d(nnlab.zeros(1, 1, 4, 4), nnlab.zeros(6, 1, 3)), r"conv1d: expected a 2-D \(unbatched\) or 3-D"),
    (lambda: F.conv_transpose2d(nnlab.zeros(1, 2, 4, 4), nnlab.zeros(2, 3, 3, 3), stride=2, output_padding=2),
     r"output_padding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)"),
    (lambda: F.conv_transpose2d(nnlab.zeros(1, 3, 4, 4), nnlab.zeros(2, 3, 3, 3)), r"conv_transpose2d: input has 3 channels, weight expects 2"),
    (lambda: F.conv_transpose2d(nnlab.zeros(1, 2, 4, 4), nnlab.zeros(2, 3, 3, 3), padding="same"), r"padding must be an int or a tuple"),
    (lambda: F.conv_transpose2d(nnlab.zeros(1, 2, 1, 1), nnlab.zeros(2, 3, 1, 1), padding=1), r"output size \(-1, -1\) is not positive"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_error_dtype_mismatch():
    with pytest.raises(TypeError, match="conv2d: input dtype float64 does not match weight dtype float32"):
        F.conv2d(nnlab.zeros(1, 1, 4, 4, dtype=nnlab.float64), nnlab.zeros(2, 1, 3, 3))
