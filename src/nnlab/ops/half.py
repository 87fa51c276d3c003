"""float16 on the CPU: ops compute in float32 and round back (``Function.half_via_float32``).

NumPy has no float16 matrix products (they run as scalar loops, ~50-170× slower than
float32 BLAS) and does float16 arithmetic in scalar code, so ``model.half()`` would
crawl. Once float16 is in use, every Function given float16 inputs upcasts them to
float32, computes, and rounds its floating output to float16 — what CPU frameworks do —
so a half model keeps float16 storage and float16 results. ``Cast`` opts out (it changes
dtype on purpose). Measured in ``benchmarks/half.py``.
"""

from __future__ import annotations

from nnlab.autograd.function import enable_half_route
from nnlab.ops._promotion import Cast

#: the ops that must see their float16 inputs as they are
KEEP_FLOAT16 = (Cast,)


def install() -> None:
    for cls in KEEP_FLOAT16:
        cls.half_via_float32 = False


__all__ = ["enable_half_route", "install", "KEEP_FLOAT16"]
