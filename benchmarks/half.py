"""float16 (``model.half()``) against float32 on the CPU: train-step time of an MLP and a small CNN.

Run: ``python -m benchmarks.half``. Prints ms per step for float32, float16 with every op
computed in float32 and rounded back (nnlab's default, ``ops/half.py``), and float16
with plain NumPy float16 products (the route switched off), and the ratios.
"""

from __future__ import annotations

import time

import numpy as np

import nnlab
from nnlab import nn
from nnlab.autograd import Function


def _models():
    mlp = (lambda: nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)), (64, 256))
    cnn = (lambda: nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(16 * 8 * 8, 10)), (32, 3, 16, 16))
    return {"mlp": mlp, "cnn": cnn}


def step_ms(make, shape, dtype, repeats: int = 5) -> float:
    nnlab.manual_seed(0)
    model = make().to(dtype)
    opt = nnlab.optim.SGD(model.parameters(), lr=0.01)
    x = nnlab.randn(*shape).to(dtype)
    y = nnlab.randint(0, 10, (shape[0],))
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        opt.zero_grad()
        nnlab.functional.cross_entropy(model(x).float(), y).backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times[1:]))


def main() -> None:
    for name, (make, shape) in _models().items():
        f32 = step_ms(make, shape, nnlab.float32)
        f16 = step_ms(make, shape, nnlab.float16)
        Function.half_via_float32 = False  # every op inherits it (Cast keeps its own False)
        try:
            raw = step_ms(make, shape, nnlab.float16, repeats=2)
        finally:
            Function.half_via_float32 = True
        print(f"{name}: float32 {f32:.2f} ms, float16 via float32 {f16:.2f} ms ({f16 / f32:.2f}x), "
              f"float16 in NumPy {raw:.1f} ms ({raw / f32:.0f}x)")


if __name__ == "__main__":
    main()
