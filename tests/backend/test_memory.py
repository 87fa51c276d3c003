"""backend/memory.py: the in-place axpy (NumPy's BLAS, or blocked NumPy) and the glibc malloc tuning."""

import glob
import os

import numpy as np
import pytest

from nnlab.backend import memory
from nnlab.backend.memory import BLAS_MIN_SIZE, BLOCK, add_scaled_, tune_malloc


@pytest.mark.parametrize("size", [7, 4 * BLOCK + 1, 5 * BLOCK + 123])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_scaled_matches_out_plus_alpha_x(size, dtype):
    rng = np.random.default_rng(size)
    out = rng.standard_normal(size).astype(dtype)
    x = rng.standard_normal(size).astype(dtype)
    expected = out + dtype(-0.3) * x
    result = add_scaled_(out, x, -0.3)
    assert result is out and out.dtype == dtype  # in place, no promotion to float64
    if size < BLAS_MIN_SIZE:
        np.testing.assert_array_equal(out, expected)  # the plain out += α·x
    else:
        # One BLAS axpy: a fused multiply-add may round once where NumPy rounds twice.
        np.testing.assert_allclose(out, expected, rtol=2 * np.finfo(dtype).eps, atol=2 * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_scaled_without_numpys_blas_updates_block_by_block(monkeypatch, dtype):
    monkeypatch.setitem(memory._BLAS, "lib", None)
    assert memory._numpy_blas("axpy", np.dtype(dtype)) is None
    rng = np.random.default_rng(1)
    out = rng.standard_normal(5 * BLOCK + 123).astype(dtype)
    x = rng.standard_normal(out.size).astype(dtype)
    expected = out + dtype(0.7) * x
    assert add_scaled_(out, x, 0.7) is out
    np.testing.assert_array_equal(out, expected)  # the same two roundings per element, block by block


def test_numpys_own_openblas_axpy_is_found_and_updates_in_place():
    wheel_blas = glob.glob(os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs",
                                        "libscipy_openblas64_*.so"))
    found = memory._numpy_blas("axpy", np.dtype(np.float32))
    assert (found is not None) == bool(wheel_blas)  # NumPy's Linux wheels bundle it; CI installs those
    assert memory._numpy_blas("axpy", np.dtype(np.int64)) is None
    out = np.ones((700, 600), np.float32)
    address = out.ctypes.data
    add_scaled_(out, np.full((700, 600), 2.0, np.float32), 0.25)
    assert out.ctypes.data == address and np.all(out == 1.5)


@pytest.mark.parametrize("size", [7, BLAS_MIN_SIZE + 5, 5 * BLOCK + 123])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_scaled_with_beta_is_axpby(size, dtype):
    rng = np.random.default_rng(size + 1)
    out, x = rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)
    expected = dtype(0.9) * out + dtype(0.25) * x
    assert add_scaled_(out, x, 0.25, beta=0.9) is out and out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)


def test_add_scaled_with_beta_without_numpys_blas(monkeypatch):
    monkeypatch.setitem(memory._BLAS, "lib", None)
    rng = np.random.default_rng(3)
    out, x = rng.standard_normal(5 * BLOCK).astype(np.float32), rng.standard_normal(5 * BLOCK).astype(np.float32)
    expected = out * np.float32(0.5)
    expected += np.float32(-2.0) * x
    add_scaled_(out, x, -2.0, beta=0.5)
    np.testing.assert_array_equal(out, expected)


def test_add_scaled_on_non_contiguous_and_2d():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((600, 1000)).astype(np.float32)
    out, x = base[:, ::2].copy(), rng.standard_normal((600, 500)).astype(np.float32)
    expected = out + np.float32(2.0) * x
    add_scaled_(out, x, 2.0)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    view, xv = base[:, ::2], x  # a strided view takes the plain path
    expected = view + np.float32(0.5) * xv
    add_scaled_(view, xv, 0.5)
    np.testing.assert_array_equal(base[:, ::2], expected)


def test_tune_malloc_is_idempotent_and_can_be_disabled(monkeypatch):
    first = tune_malloc()
    assert tune_malloc() is first  # applied once, at import
    monkeypatch.setattr(memory, "_tuned", None)
    monkeypatch.setenv("NNLAB_MALLOC_TUNING", "0")
    assert tune_malloc() is False
