"""The one way nnlab compiles a kernel: ``numba.njit(cache=True)``, serial or multi-threaded, with a fallback.

Importing this module imports Numba; only :func:`nnlab.backend.kernels.fast` does that.
"""

from __future__ import annotations

import hashlib
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


#: LLVM may reorder sums (so a reduction such as Σx over a channel is vectorized: without it a float
#: sum is one long dependency chain, ≈ 5× slower) and fuse a·b + c; NaN and inf keep their meaning.
FASTMATH = frozenset({"reassoc", "contract"})

#: Division and sqrt follow NumPy (inf / NaN), not Python (ZeroDivisionError): Python's model puts a
#: zero test before every division, a branch that keeps LLVM from vectorizing the loop — Adam's update
#: ran 4.3× slower with it (65 K float32 elements: 340 µs against 80 µs).
ERROR_MODEL = "numpy"

#: Whether a kernel could be given an on-disk cache (False: some kernel found no writable location).
CACHED = True


#: Kernel threads when neither ``NNLAB_NUM_THREADS`` nor ``NUMBA_NUM_THREADS`` is set. One: the kernels
#: run between BLAS products whose own threads already hold every core, and on the 2-core machine a
#: second kernel thread never paid for its wake-up (docs/performance.md, "Threads").
DEFAULT_THREADS = 1


def _checked(n: int) -> int:
    if n < 1:
        raise ValueError(f"kernels: the number of threads must be at least 1, got {n}")
    return min(int(n), numba.config.NUMBA_NUM_THREADS)


def requested_threads() -> int:
    """``NNLAB_NUM_THREADS``, else ``NUMBA_NUM_THREADS``, else 1 — capped by Numba's pool size."""
    name = "NNLAB_NUM_THREADS" if os.environ.get("NNLAB_NUM_THREADS", "").strip() else "NUMBA_NUM_THREADS"
    env = os.environ.get(name, "").strip()
    if not env:
        return _checked(DEFAULT_THREADS)
    try:
        return _checked(int(env))
    except ValueError as e:
        raise ValueError(f"kernels: {name} must be a positive integer, got {env!r}") from e


#: Whether this process compiles the multi-threaded variants of the kernels (decided once, when the
#: kernels load, from :func:`requested_threads`). With one thread the kernels are compiled serial:
#: a ``parallel=True`` loop run on one thread is as fast, but compiles about twice as slowly (the
#: LeNet kernels from an empty cache: 12.5 s CPU parallel, 5.8 s serial), and Numba's OpenMP pool
#: is then never started.
PARALLEL = requested_threads() > 1
if PARALLEL:
    _start_pool()


def _variant() -> str:
    """The compile options as a name suffix, so each variant gets its own on-disk cache entry.

    Numba keys its cache by the function's name, signature and bytecode, not by the options it
    was compiled with: a serial kernel cached by one process would be loaded by a multi-threaded
    one. A suffix per variant (and per :data:`FASTMATH` / :data:`ERROR_MODEL`) keeps them apart.
    """
    options = repr((sorted(FASTMATH), ERROR_MODEL)).encode()
    return ("par_" if PARALLEL else "ser_") + hashlib.sha1(options).hexdigest()[:8]


def jit(fn: Callable | None = None, *, parallel: bool = True) -> Callable:
    """Compile ``fn`` lazily (once per argument types, e.g. float32 and float64) with an on-disk cache.

    ``parallel=True`` kernels (``prange`` loops) are compiled multi-threaded only when this
    process runs the kernels on several threads (:data:`PARALLEL`); otherwise ``prange`` is
    ``range``. ``cache=True`` writes the machine code next to the source (``__pycache__``), in
    ``NUMBA_CACHE_DIR`` or in the user's cache directory, whichever is writable. Where none
    is (a read-only install), Numba refuses ``cache=True`` at decoration; the kernel is then
    compiled in memory at first use in every process, which is slower to start but correct.
    """
    if fn is None:
        return lambda f: jit(f, parallel=parallel)
    global CACHED
    fn.__qualname__ = f"{fn.__qualname__}__{_variant()}"
    options = dict(parallel=parallel and PARALLEL, nogil=True, fastmath=set(FASTMATH), error_model=ERROR_MODEL)
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        CACHED = False
        return numba.njit(cache=False, **options)(fn)


def configure_threads(n: int | None = None) -> int:
    """Set the threads of nnlab's kernels: ``n``, else :func:`requested_threads`; returns the number in use.

    Numba's pool is sized once per process from ``NUMBA_NUM_THREADS`` (default: the
    machine's cores); a request above it is capped. Where the kernels were compiled serial
    (:data:`PARALLEL` false: one thread requested when they loaded), they stay on one thread.
    """
    n = requested_threads() if n is None else _checked(n)
    if not PARALLEL:
        return 1
    numba.set_num_threads(n)
    return n


def num_threads() -> int:
    """Threads the kernels run on now."""
    return numba.get_num_threads() if PARALLEL else 1
