"""The one way nnlab compiles a kernel: ``numba.njit(parallel=True, cache=True)``, with a fallback.

Importing this module imports Numba; only :func:`nnlab.backend.kernels.fast` does that.
"""

from __future__ import annotations

import os
from typing import Callable

import numba

from numba.np.ufunc import parallel as _parallel


def _start_pool() -> None:
    """Start Numba's thread pool with its workers sleeping as soon as a kernel ends.

    With OpenMP's default policy the workers spin for ~0.1 ms after each kernel and steal the
    cores OpenBLAS's next product needs: measured on the 2-core machine, a 512² float32 product
    followed by a ReLU kernel took 2.0 ms with spinning workers (even at one kernel thread), 1.5 ms
    with sleeping ones (the product alone: 1.4 ms). ``OMP_WAIT_POLICY`` is read once, when an
    OpenMP runtime loads; it is set only while Numba's runtime loads and then restored, so another
    OpenMP runtime in the process (PyTorch ships its own) keeps its own default. A user's own
    ``OMP_WAIT_POLICY`` wins.
    """
    if "OMP_WAIT_POLICY" in os.environ:
        _parallel._launch_threads()
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        _parallel._launch_threads()
    finally:
        del os.environ["OMP_WAIT_POLICY"]


_start_pool()

#: LLVM may reorder sums (so a reduction such as Σx over a channel is vectorized: without it a float
#: sum is one long dependency chain, ≈ 5× slower) and fuse a·b + c; NaN and inf keep their meaning.
FASTMATH = frozenset({"reassoc", "contract"})

#: Division and sqrt follow NumPy (inf / NaN), not Python (ZeroDivisionError): Python's model puts a
#: zero test before every division, a branch that keeps LLVM from vectorizing the loop — Adam's update
#: ran 4.3× slower with it (65 K float32 elements: 340 µs against 80 µs).
ERROR_MODEL = "numpy"

#: Whether a kernel could be given an on-disk cache (False: some kernel found no writable location).
CACHED = True


def jit(fn: Callable | None = None, *, parallel: bool = True) -> Callable:
    """Compile ``fn`` lazily (once per argument types, e.g. float32 and float64) with an on-disk cache.

    ``cache=True`` writes the machine code next to the source (``__pycache__``), in
    ``NUMBA_CACHE_DIR`` or in the user's cache directory, whichever is writable. Where none
    is (a read-only install), Numba refuses ``cache=True`` at decoration; the kernel is then
    compiled in memory at first use in every process, which is slower to start but correct.

    The on-disk cache is keyed by the kernel's own source file: after changing the options
    here (:data:`FASTMATH`, :data:`ERROR_MODEL`), delete the ``*.nbi``/``*.nbc`` files under ``__pycache__``.
    """
    if fn is None:
        return lambda f: jit(f, parallel=parallel)
    global CACHED
    try:
        return numba.njit(cache=True, parallel=parallel, nogil=True, fastmath=set(FASTMATH), error_model=ERROR_MODEL)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        CACHED = False
        return numba.njit(cache=False, parallel=parallel, nogil=True, fastmath=set(FASTMATH), error_model=ERROR_MODEL)(fn)


#: Kernel threads when neither ``NNLAB_NUM_THREADS`` nor ``NUMBA_NUM_THREADS`` is set. One: the kernels
#: run between BLAS products whose own threads already hold every core, and on the 2-core machine a
#: second kernel thread never paid for its wake-up (docs/performance.md, "Threads").
DEFAULT_THREADS = 1


def configure_threads(n: int | None = None) -> int:
    """Set the threads of nnlab's kernels: ``n``, else ``NNLAB_NUM_THREADS``, else ``NUMBA_NUM_THREADS``, else 1.

    Numba's pool is sized once per process from ``NUMBA_NUM_THREADS`` (default: the
    machine's cores); a request above it is capped. Returns the number in use.
    """
    if n is None:
        env = os.environ.get("NNLAB_NUM_THREADS", "").strip() or os.environ.get("NUMBA_NUM_THREADS", "").strip()
        n = int(env) if env else DEFAULT_THREADS
    if n < 1:
        raise ValueError(f"kernels: the number of threads must be at least 1, got {n}")
    n = min(int(n), numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n)
    return n


def num_threads() -> int:
    """Threads the kernels run on now."""
    return numba.get_num_threads()
