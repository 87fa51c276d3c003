"""Fast kernels: the one dispatch point between the NumPy references and the Numba kernels.

Every op keeps its plain NumPy reference where it is (``nnlab.ops``); this room holds
only the compiled versions of the memory-bound passes around the matrix products
(copies, shifted sums, batch norm, ReLU, pooling, the LSTM gates, the optimizers'
updates, softmax), written as ``numba.njit(parallel=True, cache=True)`` loops so that
they run on every core. Matrix products stay in BLAS.

The choice is made once per process, here:

- ``NNLAB_KERNELS=numba`` (the default: the compiled kernels where they measured faster)
  or ``NNLAB_KERNELS=numpy`` (the references only, the version to read and to check
  against; ``docs/performance.md`` has the measurements of both). With Numba missing,
  ``numba`` falls back to the references silently — Numba is a speed-up, never a requirement.
- An op asks :func:`fast` and gets the kernel namespace or ``None``::

      k = kernels.fast()
      if k is not None and x.ndim == 4:
          k.relu_forward(x, y)          # compiled, multi-core
      else:
          np.maximum(x, 0, out=y)       # the reference

- :func:`use` switches at run time (tests run both modes); it returns the previous mode.

Importing nnlab does not import Numba: the first call to :func:`fast` does (≈ 0.3 s),
and each kernel compiles on its first call per dtype, then is cached on disk
(``cache=True``: next to the source in ``__pycache__``, or in ``NUMBA_CACHE_DIR``), so a
second process loads it in milliseconds. Where no cache location is writable (a
read-only install), the kernels compile in memory at every start instead of failing.

Threads: one by default — the kernels run between BLAS products whose threads already hold
the cores, and a second kernel thread never paid on the 2-core machine. ``NNLAB_NUM_THREADS``
(or ``NUMBA_NUM_THREADS``, which also sizes Numba's pool) set before the kernels load makes
them compile multi-threaded and run on that many threads (:func:`set_num_threads` adjusts it
afterwards, up to the pool's size).
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import numpy as np

_MODES = ("numpy", "numba")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_mode: str | None = None
_module: ModuleType | None = None


def numba_available() -> bool:
    """Whether Numba can be imported (checked without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _initial_mode() -> str:
    wanted = os.environ.get("NNLAB_KERNELS", "").strip().lower() or "numba"
    if wanted not in _MODES:
        raise ValueError(f"NNLAB_KERNELS must be one of {_MODES}, got {wanted!r}")
    return wanted if wanted == "numpy" or numba_available() else "numpy"


def mode() -> str:
    """The kernels in use: ``"numba"`` or ``"numpy"`` (the references)."""
    global _mode
    if _mode is None:
        _mode = _initial_mode()
    return _mode


def use(name: str) -> str:
    """Switch to ``"numba"`` or ``"numpy"`` kernels; returns the previous mode.

    Raises:
        ValueError: for another name.
    """
    if name not in _MODES:
        raise ValueError(f"kernels.use: expected one of {_MODES}, got {name!r}")
    previous = mode()
    global _mode
    _mode = name if name == "numpy" or numba_available() else "numpy"
    return previous


def fast() -> ModuleType | None:
    """The Numba kernel namespace when the fast kernels are in use, else ``None`` (use the reference)."""
    return numba_kernels() if mode() == "numba" else None


def fast_copies() -> ModuleType | None:
    """The kernel namespace for pure data movement (layout copies, shifted sums), else ``None``.

    A copy runs at memory speed in NumPy already; its compiled twin only gains by adding cores,
    so it is used only when the kernels run on more than one thread (``NNLAB_NUM_THREADS``).
    Measured on one thread, one 2 MiB block of the shifted convolution: the kernel sums 55 µs
    against NumPy's 49, the stacked columns 56 against 58.
    """
    k = fast()
    return k if k is not None and k.num_threads() > 1 else None


def numba_kernels() -> ModuleType:
    """The Numba kernel namespace whatever the mode (a backward whose forward ran a fused kernel needs it).

    Raises:
        ImportError: when Numba is not installed.
    """
    global _module
    if _module is None:
        from nnlab.backend.kernels import _numba

        _numba.configure_threads()
        _module = _numba
    return _module


#: Arrays smaller than this stay with the NumPy reference: below it, calling a compiled kernel (Numba
#: checks each argument's type) costs more than its one fused pass saves. Measured, ReLU forward +
#: backward through the op: 1,024 elements 11.0 µs NumPy / 12.0 µs kernel; 4,096: 20.7 / 16.3 µs.
MIN_ELEMENTS = 1 << 12


def worth_it(*arrays) -> bool:
    """Whether a fast kernel pays for these arrays: all C-contiguous float32/float64, and large enough."""
    return all(a.flags.c_contiguous and a.dtype in _FLOATS for a in arrays) and arrays[0].size >= MIN_ELEMENTS


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the fast kernels (at most Numba's pool size, ``NUMBA_NUM_THREADS``)."""
    k = fast()
    if k is not None:
        k.configure_threads(n)


__all__ = ["fast", "fast_copies", "numba_kernels", "mode", "use", "numba_available", "set_num_threads", "worth_it", "MIN_ELEMENTS"]
