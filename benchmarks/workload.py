"""What a benchmark workload is, and the train and inference steps every family shares.

A :class:`Workload` builds, for one :class:`~benchmarks.frameworks.Framework`, a
zero-argument ``step`` that runs one training step (forward, loss, backward, optimizer)
or one no-grad forward on fixed synthetic data. The harness only ever calls ``step``,
so nnlab and PyTorch are timed doing exactly the same work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from benchmarks.frameworks import Framework

Step = Callable[[], Any]

#: Every workload seeds its framework and its synthetic data with this.
SEED = 0


@dataclass(frozen=True)
class Workload:
    """One row of the benchmark table.

    Attributes:
        key: the issue's letter (``"a"``, ``"f_mlp"`` ...), used on the command line.
        title: what is measured, for the table.
        batch: samples per step (throughput is batch / step time).
        build: ``build(fw) -> step`` for one framework; raises ``Missing`` when a layer is absent.
        target: the issue's goal for nnlab / PyTorch samples per second (``None``: no ratio goal).
        memory_target: the goal for nnlab's peak memory / PyTorch's (``None``: reported only).
        flops: floating-point operations per step (for FLOP rates), or ``None``.
        reference: builds a third step timed in the same interleaving (the machine's GEMM
            rate for ``h``); its rate is reported and ``reference_target`` applies to
            nnlab's FLOP rate / the reference's.
    """

    key: str
    title: str
    batch: int
    build: Callable[[Framework], Step]
    target: float | None = None
    memory_target: float | None = None
    flops: float | None = None
    reference: Callable[[], Step] | None = None
    reference_target: float | None = None
    notes: dict[str, str] = field(default_factory=dict)


def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def features(shape: tuple[int, ...]) -> np.ndarray:
    """Standard-normal float32 inputs."""
    return rng().standard_normal(shape, dtype=np.float32)


def labels(n: int, classes: int, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Uniform int64 class indices in [0, classes)."""
    return rng().integers(0, classes, size=shape or (n,), dtype=np.int64)


def train_step(model: Any, loss_fn: Callable[[Any, Any], Any], opt: Any, x: Any, y: Any) -> Step:
    """One optimizer step: zero the gradients, forward, loss, backward, update."""

    model.train()

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def inference_step(fw: Framework, model: Any, x: Any) -> Step:
    """One forward pass in eval mode without a graph."""

    model.eval()

    def step() -> None:
        with fw.no_grad():
            model(x)

    return step
