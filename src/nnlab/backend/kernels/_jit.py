"""The one way nnlab compiles a kernel: ``numba.njit(parallel=True, cache=True)``, with a fallback.

Importing this module imports Numba; only :func:`nnlab.backend.kernels.fast` does that.
"""

from __future__ import annotations

import os
from typing import Callable

# Numba's OpenMP threads sleep as soon as a kernel ends instead of spinning for ~0.1 ms: on a machine
# whose cores are shared (OpenBLAS's own threads, other processes) spinning threads steal the cores
# the next matrix product needs. Measured on the 2-core machine under load: the small-ResNet step took
# 6.7 s wall with spinning, 1.1 s with sleeping threads. Set before Numba starts its pool; a user's
# own OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (after the thread policy above)

#: LLVM may reorder sums (so a reduction such as Σx over a channel is vectorized: without it a float
#: sum is one long dependency chain, ≈ 5× slower) and fuse a·b + c; NaN and inf keep their meaning.
FASTMATH = frozenset({"reassoc", "contract"})

#: Whether a kernel could be given an on-disk cache (False: some kernel found no writable location).
CACHED = True


def jit(fn: Callable | None = None, *, parallel: bool = True) -> Callable:
    """Compile ``fn`` lazily (once per argument types, e.g. float32 and float64) with an on-disk cache.

    ``cache=True`` writes the machine code next to the source (``__pycache__``), in
    ``NUMBA_CACHE_DIR`` or in the user's cache directory, whichever is writable. Where none
    is (a read-only install), Numba refuses ``cache=True`` at decoration; the kernel is then
    compiled in memory at first use in every process, which is slower to start but correct.

    The on-disk cache is keyed by the kernel's own source file: after changing the options
    here (:data:`FASTMATH`), delete the ``*.nbi``/``*.nbc`` files under ``__pycache__``.
    """
    if fn is None:
        return lambda f: jit(f, parallel=parallel)
    global CACHED
    try:
        return numba.njit(cache=True, parallel=parallel, nogil=True, fastmath=set(FASTMATH))(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        CACHED = False
        return numba.njit(cache=False, parallel=parallel, nogil=True, fastmath=set(FASTMATH))(fn)


def configure_threads(n: int | None = None) -> int:
    """Set the threads of nnlab's kernels: ``n``, else ``NNLAB_NUM_THREADS``, else Numba's pool size.

    Numba's pool is sized once per process from ``NUMBA_NUM_THREADS`` (default: the
    machine's cores); a request above it is capped. Returns the number in use.
    """
    if n is None:
        env = os.environ.get("NNLAB_NUM_THREADS", "").strip()
        n = int(env) if env else numba.config.NUMBA_NUM_THREADS
    if n < 1:
        raise ValueError(f"kernels: the number of threads must be at least 1, got {n}")
    n = min(int(n), numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n)
    return n


def num_threads() -> int:
    """Threads the kernels run on now."""
    return numba.get_num_threads()
