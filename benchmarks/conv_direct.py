"""``python -m benchmarks.conv_direct``: the direct first-layer convolution against im2col and PyTorch.

Times ``F.conv2d`` (wall milliseconds, minimum and median; CPU milliseconds) on first-layer
and small-channel geometries three ways: nnlab with the NumPy references (im2col + BLAS),
nnlab with the fast kernels (the direct kernel wherever ``conv_direct.use_direct_conv``
says so, else the usual path), and PyTorch. A case is the forward alone (no gradient), or forward plus
backward for the weight and bias (a first layer: the input needs no gradient), or for
all three. The threads follow the environment; the figures in docs/performance.md
were taken with ``OPENBLAS_NUM_THREADS=2 NNLAB_NUM_THREADS=1`` and PyTorch at 2 threads.
``--taps N --work M`` set the thresholds (C·k² and F·C·k²), so that cases above them can be
timed on the direct path. The contenders take turns, and each is reported by its minimum
and median (a neighbour's burst on a shared machine hits all three alike).
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

#: (name, N, C, H, F, k, padding, what): what is "fwd", "wgrad" (weight + bias) or "all" (input too).
CASES = [
    ("LeNet conv1 1→6 5×5 fwd", 256, 1, 28, 6, 5, 2, "fwd"),
    ("LeNet conv1 fwd+bwd", 64, 1, 28, 6, 5, 2, "wgrad"),
    ("ResNet stem 3→32 3×3 fwd+bwd", 32, 3, 32, 32, 3, 1, "wgrad"),
    ("3→16 3×3 fwd+bwd", 32, 3, 32, 16, 3, 1, "wgrad"),
    ("3→8 3×3 fwd+bwd", 32, 3, 32, 8, 3, 1, "wgrad"),
    ("5→6 3×3 fwd+bwd", 64, 5, 28, 6, 3, 1, "wgrad"),
    ("1→12 5×5 fwd+bwd", 64, 1, 28, 12, 5, 2, "wgrad"),
    ("2→6 5×5 fwd+bwd", 64, 2, 28, 6, 5, 2, "wgrad"),
    ("3→16 3×3 fwd+bwd, input grad too", 32, 3, 32, 16, 3, 1, "all"),
]


def _time(fns: dict, seconds: float) -> dict:
    """{name: (min, median) wall ms, and median CPU ms}, the functions taking turns (one call each per round).

    Interleaved and reported by their minimum as well as the median: on a shared machine a
    neighbour's burst then hits every contender alike, and the minimum is the uncontended speed.
    """
    for fn in fns.values():
        fn()
    walls: dict = {name: [] for name in fns}
    cpus: dict = {name: [] for name in fns}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(walls[next(iter(fns))]) < 5:
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            walls[name].append((time.perf_counter() - w0) * 1e3)
            cpus[name].append((time.process_time() - c0) * 1e3)
    return {name: (min(walls[name]), statistics.median(walls[name]), statistics.median(cpus[name])) for name in fns}


def main() -> None:
    import torch

    import nnlab
    import nnlab.functional as F
    from nnlab.backend import kernels
    from nnlab.ops import conv_direct

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=conv_direct.MAX_TAPS, help="the C·k² threshold to time with")
    parser.add_argument("--work", type=int, default=conv_direct.MAX_WORK, help="the F·C·k² threshold to time with")
    parser.add_argument("--seconds", type=float, default=1.5, help="time per case (all three contenders)")
    args = parser.parse_args()
    defaults = conv_direct.MAX_TAPS, conv_direct.MAX_WORK
    conv_direct.MAX_TAPS, conv_direct.MAX_WORK = args.taps, args.work
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "2")))
    rng = np.random.default_rng(0)
    print(f"direct path: C·k² ≤ {conv_direct.MAX_TAPS} and F·C·k² ≤ {conv_direct.MAX_WORK}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"NNLAB_NUM_THREADS={os.environ.get('NNLAB_NUM_THREADS')}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| case | C·k² | F·C·k² | direct by default | numpy mode: min / median ms | numba mode | PyTorch "
          "| numba / numpy (min) |\n|---|---:|---:|---|---:|---:|---:|---:|")
    for name, n, c, h, f, k, pad, what in CASES:
        x = rng.standard_normal((n, c, h, h), dtype=np.float32)
        w = rng.standard_normal((f, c, k, k), dtype=np.float32) * 0.1
        b = rng.standard_normal(f, dtype=np.float32)

        def ours(x=x, w=w, b=b, pad=pad, what=what):
            xt = nnlab.from_numpy(x).requires_grad_(what == "all")
            wt, bt = (nnlab.from_numpy(a).requires_grad_(what != "fwd") for a in (w, b))
            if what == "fwd":
                with nnlab.no_grad():
                    F.conv2d(xt, wt, bt, padding=pad)
            else:
                F.conv2d(xt, wt, bt, padding=pad).sum().backward()

        def theirs(x=torch.from_numpy(x), w=torch.from_numpy(w), b=torch.from_numpy(b), pad=pad, what=what):
            xt = x.detach().requires_grad_(what == "all")
            wt, bt = (a.detach().requires_grad_(what != "fwd") for a in (w, b))
            if what == "fwd":
                with torch.no_grad():
                    torch.nn.functional.conv2d(xt, wt, bt, padding=pad)
            else:
                torch.nn.functional.conv2d(xt, wt, bt, padding=pad).sum().backward()

        def in_mode(mode, fn=ours):
            kernels.use(mode)
            fn()

        times = _time({"numpy": lambda: in_mode("numpy"), "numba": lambda: in_mode("numba"), "torch": theirs},
                      args.seconds)
        direct = "yes" if c * k * k <= defaults[0] and f * c * k * k <= defaults[1] else "no"
        cells = " | ".join("{:.2f} / {:.2f} ({:.2f} CPU)".format(*times[m]) for m in ("numpy", "numba", "torch"))
        print(f"| {name}, batch {n} | {c * k * k} | {f * c * k * k} | {direct} | {cells} | "
              f"{times['numba'][0] / times['numpy'][0]:.2f} |")


if __name__ == "__main__":
    main()
