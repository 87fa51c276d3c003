"""The backend: dtype names, the default dtype, the seeded global generator and its state."""

import json

import numpy as np
import pytest

import nnlab
from nnlab import backend


def test_dtype_names():
    assert nnlab.float32 == np.float32 and nnlab.float64 == np.float64 and nnlab.int64 == np.int64
    assert nnlab.bool == np.bool_
    assert backend.as_dtype("float") == np.float32  # torch.float
    assert backend.as_dtype("double") == np.float64
    assert backend.as_dtype("long") == np.int64
    assert backend.as_dtype(float) == np.float64  # Python float is a double, as in torch and numpy
    assert backend.as_dtype(int) == np.int64 and backend.as_dtype(bool) == np.bool_
    assert backend.as_dtype(None) == backend.get_default_dtype() == np.float32
    with pytest.raises(TypeError, match="unknown dtype name 'float128x'"):
        backend.as_dtype("float128x")
    with pytest.raises(TypeError, match="is not a dtype"):
        backend.as_dtype(object())


def test_is_floating():
    assert backend.is_floating(np.float16) and backend.is_floating(nnlab.float64)
    assert not backend.is_floating(np.int64) and not backend.is_floating(np.bool_)


def test_set_default_dtype_only_accepts_float32_and_float64():
    with pytest.raises(ValueError, match="set_default_dtype: expected float32 or float64, got int64"):
        nnlab.set_default_dtype(nnlab.int64)
    assert nnlab.get_default_dtype() == np.float32


def test_manual_seed_resets_the_same_generator_object():
    g = backend.default_generator()
    nnlab.manual_seed(3)
    first = g.standard_normal(4)
    assert nnlab.manual_seed(3) is g
    np.testing.assert_array_equal(g.standard_normal(4), first)
    np.testing.assert_array_equal(np.random.default_rng(3).standard_normal(4), first)


def test_manual_seed_rejects_bad_seeds():
    with pytest.raises(TypeError, match="manual_seed: seed must be an int, got float"):
        nnlab.manual_seed(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        nnlab.manual_seed(-1)


def test_rng_state_round_trips_through_json():
    nnlab.manual_seed(11)
    nnlab.rand(5)
    state = json.loads(json.dumps(nnlab.get_rng_state()))
    expected = nnlab.randn(6).array
    nnlab.manual_seed(0)
    nnlab.set_rng_state(state)
    np.testing.assert_array_equal(nnlab.randn(6).array, expected)
    with pytest.raises(ValueError, match="expected a PCG64 state"):
        nnlab.set_rng_state({"bit_generator": "MT19937"})


def test_new_generator_is_independent_but_seeded_from_the_global_one():
    nnlab.manual_seed(5)
    a = backend.new_generator().random(3)
    nnlab.manual_seed(5)
    b = backend.new_generator().random(3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(backend.new_generator(42).random(3), np.random.default_rng(42).random(3))
