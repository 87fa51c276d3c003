"""Workload h: a wide MLP whose train step is almost all matrix products, against the machine's GEMM rate.

4096 → 4096 → 4096 (ReLU between), batch 256, mean squared error, plain SGD. A step
needs five products of 2·B·4096·4096 FLOPs each: two forward, the two weight
gradients, and the input gradient of the second layer (the first layer's input needs
none). The reference is the same five products as bare NumPy ``matmul`` calls into
preallocated outputs — the BLAS rate this machine gives float32 on these shapes —
timed in the same interleaving, so nnlab's FLOP rate / the reference's says how much
of the machine the framework leaves unused.
"""

from __future__ import annotations

import numpy as np

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, features, train_step

WIDTH, BATCH = 4096, 256
FLOPS_PER_STEP = 5 * 2.0 * BATCH * WIDTH * WIDTH


def wide_mlp_train(fw: Framework, batch: int = BATCH) -> Step:
    fw.seed(0)
    nn = fw.nn
    model = nn.Sequential(nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH))
    opt = fw.optim.SGD(model.parameters(), lr=1e-3)
    x, y = fw.tensor(features((batch, WIDTH))), fw.tensor(features((batch, WIDTH)))
    return train_step(model, fw.F.mse_loss, opt, x, y)


def numpy_gemm() -> Step:
    """The step's five products, bare: x·W₁ᵀ, h·W₂ᵀ, Gᵀ·h, G·W₂ and G₁ᵀ·x."""
    x = features((BATCH, WIDTH))
    w1, w2 = features((WIDTH, WIDTH)), features((WIDTH, WIDTH))
    act, out, gx = (np.empty((BATCH, WIDTH), np.float32) for _ in range(3))
    gw1, gw2 = np.empty((WIDTH, WIDTH), np.float32), np.empty((WIDTH, WIDTH), np.float32)

    def step() -> None:
        np.matmul(x, w1.T, out=act)
        np.matmul(act, w2.T, out=out)
        np.matmul(out.T, act, out=gw2)
        np.matmul(out, w2, out=gx)
        np.matmul(gx.T, x, out=gw1)

    return step


WORKLOADS = [
    Workload("h", "wide MLP 4096-4096-4096, batch 256, SGD — train step (FLOP rate vs NumPy GEMM)", BATCH,
             wide_mlp_train, flops=FLOPS_PER_STEP, reference=numpy_gemm, reference_target=0.8),
]
