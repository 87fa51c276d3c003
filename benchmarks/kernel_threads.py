"""``python -m benchmarks.kernel_threads``: do Numba's threads and OpenBLAS's threads get in each other's way?

Both pools want every core. OpenBLAS's workers spin for a while after a matrix product,
and Numba's OpenMP workers would spin after a kernel (nnlab makes them sleep at once:
``OMP_WAIT_POLICY=PASSIVE`` while Numba's runtime loads, see ``nnlab/backend/kernels/_jit.py``;
by default the kernels run on one thread and the pool is never started). This script times,
in wall and CPU seconds (medians of repeats):

- ``blas``: a (1024, 1024)·(1024, 1024) float32 product alone;
- ``kernel``: batch norm + ReLU forward by the fast kernels on a (32, 32, 32, 32) tensor alone;
- ``blas→kernel``: the kernel right after the product (OpenBLAS's threads still spinning);
- ``kernel→blas``: the product right after the kernel;

and prints how much longer each pair takes than the sum of its parts. A ratio near 1.0
means no oversubscription. Run it with the thread counts to compare, e.g.
``NNLAB_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 python -m benchmarks.kernel_threads``.
Never part of the test suite.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np


def _time(fn, repeats: int = 30, inner: int = 5) -> tuple[float, float]:
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(inner):
            fn()
        walls.append((time.perf_counter() - w0) / inner)
        cpus.append((time.process_time() - c0) / inner)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def _pool_state() -> str:
    from nnlab.backend.kernels import _jit

    if not _jit.PARALLEL:
        return "not started (serial kernels)"
    return f"wait policy {os.environ.get('OMP_WAIT_POLICY') or 'PASSIVE (set for its pool alone)'}"


def main() -> None:
    import nnlab
    import nnlab.functional as F
    from nnlab.backend import kernels

    k = kernels.fast()
    if k is None:
        raise SystemExit("kernel_threads: the fast kernels are off (NNLAB_KERNELS=numpy or Numba missing)")
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((1024, 1024), dtype=np.float32) for _ in range(2))
    c = np.empty_like(a)
    x = nnlab.from_numpy(rng.standard_normal((32, 32, 32, 32), dtype=np.float32))

    def blas():
        np.matmul(a, b, out=c)

    def kernel():
        with nnlab.no_grad():
            F.relu(F.batch_norm(x, None, None, training=True))

    def blas_kernel():
        blas()
        kernel()

    def kernel_blas():
        kernel()
        blas()

    print(f"threads: Numba {k.num_threads()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(all)')}, "
          f"Numba's pool: {_pool_state()}, "
          f"load average {os.getloadavg()}")
    parts = {name: _time(fn) for name, fn in (("blas", blas), ("kernel", kernel))}
    for name, (w, cpu) in parts.items():
        print(f"{name:12s} {w:7.3f} ms wall {cpu:7.3f} ms CPU")
    alone = parts["blas"][0] + parts["kernel"][0]
    for name, fn in (("blas→kernel", blas_kernel), ("kernel→blas", kernel_blas)):
        w, cpu = _time(fn)
        print(f"{name:12s} {w:7.3f} ms wall {cpu:7.3f} ms CPU   {w / alone:.2f}× the parts alone")


if __name__ == "__main__":
    main()
