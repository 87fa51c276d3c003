"""matmul (every rank combination) and linear: float64 gradcheck and PyTorch parity."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from tests.parity import assert_parity, gradcheck_fn

RNG = np.random.default_rng(0)

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 2)),
    ((1, 2, 3), (5, 3, 4)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    assert gradcheck_fn(nnlab.matmul, a, b)
    assert_parity(nnlab.matmul, torch.matmul, a, b)
    assert_parity(lambda p, q: p @ q, lambda p, q: p @ q, a, b)


@settings(max_examples=25, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    drop_a=st.integers(0, 2),
    ones_a=st.lists(st.booleans(), min_size=2, max_size=2),
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
)
def test_matmul_broadcast_batch_dims(batch, drop_a, ones_a, n, k, m):
    # a's batch dims: some leading ones dropped, some set to 1, so both operands broadcast
    batch_a = [1 if one else d for d, one in zip(batch, ones_a)][drop_a:]
    a = RNG.standard_normal((*batch_a, n, k))
    b = RNG.standard_normal((*batch, k, m))
    assert gradcheck_fn(nnlab.matmul, a, b)
    assert_parity(nnlab.matmul, torch.matmul, a, b)


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not align \(3 != 4\)"):
        nnlab.matmul(nnlab.ones(2, 3), nnlab.ones(4, 5))
    with pytest.raises(ValueError, match="matmul: both operands need at least 1 dim"):
        nnlab.matmul(nnlab.tensor(2.0), nnlab.ones(2))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xshape", [(4,), (5, 4), (2, 5, 4)], ids=str)
def test_linear(bias, xshape):
    x, w, b = RNG.standard_normal(xshape), RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    if bias:
        assert gradcheck_fn(nnlab.linear, x, w, b)
        assert_parity(nnlab.linear, TF.linear, x, w, b)
    else:
        assert gradcheck_fn(nnlab.linear, x, w)
        assert_parity(nnlab.linear, TF.linear, x, w)


def test_linear_errors_name_shapes():
    x, w = nnlab.ones(2, 3), nnlab.ones(4, 5)
    with pytest.raises(ValueError, match=r"linear: input has 3 features \(shape \(2, 3\)\), weight expects 5"):
        nnlab.linear(x, w)
    with pytest.raises(ValueError, match="linear: weight must be 2-D"):
        nnlab.linear(x, nnlab.ones(3))
    with pytest.raises(ValueError, match=r"linear: bias shape \(3,\) does not match 4"):
        nnlab.linear(nnlab.ones(2, 5), w, nnlab.ones(3))


def test_linear_and_matmul_refuse_mixed_float_dtypes():
    """A float64 input must not silently widen a float32 layer (PyTorch raises too)."""
    import nnlab
    from nnlab import nn

    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="linear: input dtype float64 does not match weight dtype float32"):
        layer(nnlab.randn(4, 2, dtype=nnlab.float64))
    assert layer(nnlab.randn(4, 2)).dtype == nnlab.float32
    assert layer.double()(nnlab.randn(4, 2, dtype=nnlab.float64)).dtype == nnlab.float64
    with pytest.raises(TypeError, match="matmul: operands must have the same dtype"):
        nnlab.randn(2, 2) @ nnlab.randn(2, 2, dtype=nnlab.float64)
