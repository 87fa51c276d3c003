"""Memory behaviour of the hot paths: in-place updates without full-size temporaries, and malloc tuning.

Two costs that NumPy code pays and a C++ framework does not:

- ``p -= lr * g`` allocates a temporary as large as ``p``; for a 4096×4096 weight that
  is 64 MiB of fresh pages, faulted in and zeroed by the kernel on every step.
  :func:`add_scaled_` does the same update as one BLAS axpy from the OpenBLAS inside
  NumPy's wheels (its own threads, the ones NumPy's matmul uses: 2.9 ms instead of 20 ms
  on that weight on 2 cores), or, where that library is not found, in cache-sized blocks
  with one small scratch buffer (8 ms).
- glibc returns freed memory at the top of its heap to the kernel as soon as more than
  ``M_TRIM_THRESHOLD`` is free, and serves blocks above ``M_MMAP_THRESHOLD`` by ``mmap``;
  a training step that frees and re-allocates the same large activations every step
  then faults the same pages in again every step. :func:`tune_malloc` (run once when
  nnlab is imported, glibc only) raises both thresholds so that those blocks stay
  in the heap and are reused. Set ``NNLAB_MALLOC_TUNING=0`` to leave malloc alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys

import numpy as np

#: Elements per block in :func:`add_scaled_`: 256 KiB of float32, well inside L2.
BLOCK = 1 << 16

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Largest mmap threshold glibc accepts on 64-bit (HEAP_MAX_SIZE / 2).
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024

_tuned: bool | None = None


#: Fewest elements for which one BLAS call beats NumPy's ``out += α·x`` (2 threads: 5.3 vs 6.7 µs at
#: 32,768 floats, 12.5 vs 54 µs at 200,704; below ~16k the call overhead loses).
BLAS_MIN_SIZE = 1 << 14


def add_scaled_(out: np.ndarray, x: np.ndarray, alpha: float, beta: float = 1.0) -> np.ndarray:
    """out ← β·out + α·x in place, without a temporary of ``out``'s size (an axpy, or axpby for β ≠ 1).

    Args:
        out: the array updated in place (C-contiguous for the fast paths).
        x: same shape as ``out``.
        alpha: the scale α, applied in ``out``'s dtype (a Python float does not promote float32).
        beta: the scale β of ``out`` (default 1).

    Small arrays take plain NumPy; larger contiguous ones one call of NumPy's BLAS
    (``cblas_?axpy``/``?axpby``), or, where that BLAS is not found, a blocked NumPy loop
    with one small scratch buffer.
    """
    if out.dtype == np.float16:  # NumPy's float16 arithmetic is scalar code, its casts are vectorized
        out[...] = beta * out.astype(np.float32) + np.float32(alpha) * x.astype(np.float32)
        return out
    fast = out.flags.c_contiguous and x.flags.c_contiguous and out.shape == x.shape
    blas = (_numpy_blas("axpy" if beta == 1.0 else "axpby", out.dtype)
            if fast and out.size >= BLAS_MIN_SIZE and x.dtype == out.dtype and out.flags.writeable else None)
    if blas is not None:
        if beta == 1.0:
            blas(out.size, alpha, x.ctypes.data, 1, out.ctypes.data, 1)
        else:
            blas(out.size, alpha, x.ctypes.data, 1, beta, out.ctypes.data, 1)
        return out
    if beta != 1.0:
        out *= beta
    if out.size <= 4 * BLOCK or not fast:
        out += alpha * x
        return out
    flat_out, flat_x = out.reshape(-1), x.reshape(-1)
    scratch = np.empty(BLOCK, dtype=np.result_type(flat_x.dtype, out.dtype))
    for start in range(0, flat_out.size, BLOCK):
        stop = min(start + BLOCK, flat_out.size)
        tmp = scratch[: stop - start]
        np.multiply(flat_x[start:stop], alpha, out=tmp)
        flat_out[start:stop] += tmp
    return out


_BLAS: dict = {}


def _numpy_blas(name: str, dtype: np.dtype):
    """``cblas_?axpy`` or ``cblas_?axpby`` of the OpenBLAS bundled in NumPy's wheels (64-bit ints), or None.

    Found by its file next to NumPy and its ``scipy_`` symbol names; the same library, and
    so the same thread pool, as NumPy's matmul (a second OpenBLAS, such as SciPy's, would
    keep its own threads spinning beside NumPy's). Anything else, and other dtypes, get None.
    """
    if dtype not in (np.float32, np.float64):
        return None
    if "lib" not in _BLAS:
        _BLAS["lib"] = None
        root = os.path.dirname(os.path.dirname(np.__file__))
        for path in sorted(glob.glob(os.path.join(root, "numpy.libs", "libscipy_openblas64_*.so"))):
            try:
                _BLAS["lib"] = ctypes.CDLL(path)  # already loaded by NumPy: this returns its handle
                break
            except OSError:
                continue
    lib = _BLAS["lib"]
    if lib is None:
        return None
    prefix, scalar = ("s", ctypes.c_float) if np.dtype(dtype) == np.float32 else ("d", ctypes.c_double)
    key = prefix + name
    if key not in _BLAS:
        fn = getattr(lib, f"scipy_cblas_{key}64_", None)
        if fn is not None:
            fn.restype = None
            n, ptr = ctypes.c_int64, ctypes.c_void_p
            # cblas_?axpy(n, α, x, incx, y, incy); cblas_?axpby(n, α, x, incx, β, y, incy)
            fn.argtypes = [n, scalar, ptr, n, ptr, n] if name == "axpy" else [n, scalar, ptr, n, scalar, ptr, n]
        _BLAS[key] = fn
    return _BLAS[key]


def tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds once (see the module docstring); True when applied.

    A no-op (False) on other C libraries and platforms, when ``NNLAB_MALLOC_TUNING=0``,
    or when the user already set ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``.
    """
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if os.environ.get("NNLAB_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        gnu_get_libc_version = libc.gnu_get_libc_version  # glibc only; musl has no such symbol
    except (OSError, AttributeError):
        return False
    del gnu_get_libc_version
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned
