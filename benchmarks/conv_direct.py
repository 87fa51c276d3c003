"""``python -m benchmarks.conv_direct``: the direct first-layer convolution against im2col and PyTorch.

Times ``F.conv2d`` (medians, wall and CPU milliseconds) on first-layer and small-channel
geometries three ways: nnlab with the NumPy references (im2col + BLAS), nnlab with the
fast kernels (the direct kernel wherever C·k_h·k_w ≤ ``conv_direct.MAX_TAPS``, else the
usual path), and PyTorch. A case is the forward alone (no gradient), or forward plus
backward for the weight and bias (a first layer: the input needs no gradient), or for
all three. The threads follow the environment; the figures in docs/performance.md
were taken with ``OPENBLAS_NUM_THREADS=2 NNLAB_NUM_THREADS=1`` and PyTorch at 2 threads.
``--taps N`` sets the threshold, so that cases above it can be timed on the direct path.
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
    ("LeNet conv1 fwd", 256, 1, 28, 6, 5, 2, "fwd"),
    ("LeNet conv1 fwd+bwd", 64, 1, 28, 6, 5, 2, "wgrad"),
    ("ResNet stem fwd+bwd", 32, 3, 32, 32, 3, 1, "wgrad"),
    ("3→16 3×3 fwd+bwd (all)", 32, 3, 32, 16, 3, 1, "all"),
    ("2→16 5×5 fwd+bwd", 64, 2, 28, 16, 5, 2, "wgrad"),
    ("5→16 3×3 fwd+bwd (all)", 32, 5, 32, 16, 3, 1, "all"),
    ("3→32 5×5 fwd+bwd", 32, 3, 32, 32, 5, 2, "wgrad"),
    ("8→16 3×3 fwd+bwd (all)", 32, 8, 32, 16, 3, 1, "all"),
    ("6→16 5×5 fwd+bwd (all)", 64, 6, 14, 16, 5, 0, "all"),
]


def _time(fn, seconds: float = 0.4) -> tuple[float, float]:
    fn()
    walls, cpus = [], []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(walls) < 5:
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def main() -> None:
    import torch

    import nnlab
    import nnlab.functional as F
    from nnlab.backend import kernels
    from nnlab.ops import conv_direct

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=conv_direct.MAX_TAPS, help="the C·k² threshold to time with")
    conv_direct.MAX_TAPS = parser.parse_args().taps
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "2")))
    rng = np.random.default_rng(0)
    print(f"threshold C·k² ≤ {conv_direct.MAX_TAPS}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"NNLAB_NUM_THREADS={os.environ.get('NNLAB_NUM_THREADS')}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| case | C·k² | numpy mode | numba mode | PyTorch | numba / numpy |\n|---|---:|---:|---:|---:|---:|")
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

        times = {}
        for mode in ("numpy", "numba"):
            kernels.use(mode)
            times[mode] = _time(ours)
        times["torch"] = _time(theirs)
        cells = " | ".join(f"{times[m][0]:.2f} ({times[m][1]:.2f} CPU)" for m in ("numpy", "numba", "torch"))
        print(f"| {name}, batch {n} | {c * k * k} | {cells} | {times['numba'][0] / times['numpy'][0]:.2f} |")


if __name__ == "__main__":
    main()
