"""``nnlab.tensor`` and the factories refuse what torch refuses, instead of wrapping, promoting or guessing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab


@pytest.mark.parametrize("data, error, needle", [
    ([2**63], ValueError, "outside the int64 range"),
    ([2**64], ValueError, "outside the int64 range"),
    ([2**63, -1], ValueError, "outside the int64 range"),
    ([-(2**63) - 1], ValueError, "outside the int64 range"),
    ([object()], TypeError, "not numbers"),
    (["a"], TypeError, "strings"),
    ([b"a"], TypeError, "strings"),
    ([[1, 2], [3]], ValueError, "ragged"),
    ([[1.0], [2.0, 3.0]], ValueError, "ragged"),
    (np.array([object()], dtype=object), TypeError, "not numbers"),
])
def test_named_bad_data_is_refused(data, error, needle):
    with pytest.raises(error, match=f"^tensor: .*{needle}"):
        nnlab.tensor(data)


_big_ints = st.integers(-(2**70), 2**70)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_big_ints, st.integers(-5, 5)), min_size=1, max_size=5),
       st.lists(st.floats(-1e3, 1e3), max_size=2))
def test_python_ints_follow_torch(ints, floats):
    data = ints + floats
    try:
        expected = torch.tensor(data)
    except (ValueError, RuntimeError, OverflowError):
        with pytest.raises(ValueError, match="int64 range"):
            nnlab.tensor(data)
        return
    got = nnlab.tensor(data)
    if expected.dtype == torch.int64:
        assert got.dtype == np.int64 and got.tolist() == expected.tolist()
    else:  # torch's float32 and ours agree exactly
        assert got.dtype == np.float32
        assert np.array_equal(got.array, expected.numpy())


_ragged = st.lists(st.lists(st.integers(0, 9), max_size=3), min_size=2, max_size=4).filter(
    lambda rows: len({len(r) for r in rows}) > 1)


@settings(max_examples=50, deadline=None)
@given(_ragged)
def test_any_ragged_nesting_is_refused(rows):
    with pytest.raises(ValueError, match="ragged"):
        nnlab.tensor(rows)


@pytest.mark.parametrize("make, error, needle", [
    (lambda: nnlab.zeros(-1), ValueError, "zeros: cannot create a tensor with negative dimension -1"),
    (lambda: nnlab.ones(2, -3), ValueError, "ones: cannot create a tensor with negative dimension -3"),
    (lambda: nnlab.randn(2.5), TypeError, "randn: sizes must be integers"),
    (lambda: nnlab.full((2, -1), 1.0), ValueError, "full: cannot create"),
    (lambda: nnlab.arange(0, 5, 0), ValueError, "arange: step must be nonzero"),
    (lambda: nnlab.arange(0, 5, -1), ValueError, "arange: the bounds"),
    (lambda: nnlab.arange(0, float("inf")), ValueError, "arange: end must be finite"),
    (lambda: nnlab.randint(5, 5), ValueError, "randint: low must be less than high"),
    (lambda: nnlab.randint(0, 3, size=(-2,)), ValueError, "randint: cannot create"),
    (lambda: nnlab.linspace(0, 1, -1), ValueError, "linspace: steps"),
    (lambda: nnlab.eye(-2), ValueError, "eye: n"),
    (lambda: nnlab.randperm(-1), ValueError, "randperm: n"),
])
def test_factory_arguments_are_checked(make, error, needle):
    with pytest.raises(error, match=needle):
        make()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=3), st.sampled_from(["zeros", "ones", "empty", "rand", "randn"]))
def test_factories_accept_exactly_the_shapes_torch_accepts(shape, name):
    try:
        expected = getattr(torch, name)(*shape).shape
    except RuntimeError:
        with pytest.raises(ValueError, match=f"^{name}: cannot create a tensor with negative dimension"):
            getattr(nnlab, name)(*shape)
        return
    assert getattr(nnlab, name)(*shape).shape == tuple(expected)


@settings(max_examples=80, deadline=None)
@given(st.integers(-4, 4), st.integers(-4, 4), st.integers(-2, 2))
def test_arange_accepts_exactly_what_torch_accepts(start, end, step):
    try:
        expected = torch.arange(start, end, step).tolist()
    except RuntimeError:
        with pytest.raises(ValueError, match="^arange: "):
            nnlab.arange(start, end, step)
        return
    assert nnlab.arange(start, end, step).tolist() == expected
