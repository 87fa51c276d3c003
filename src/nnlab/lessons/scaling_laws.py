"""Scaling laws at toy scale: held-out loss falls as a power of the parameter count (Kaplan et al., 2020).

L(N) ≈ (N_c / N)^α: with data and steps not the bottleneck, a bigger model reaches a lower
loss, and log L against log N is close to a line of slope −α. Here character-level
:class:`~nnlab.models.GPT` models of a few widths train for the same number of steps on
the standard library's docstrings (``nnlab.text.python_docstrings_corpus``) through the
one ``Trainer``; the held-out loss is fitted with a line in log–log space. The published
sizes (GPT-2's 124 M … 1.5 B, GPT-3's 175 B) come from :meth:`GPT.count_parameters`.
"""

from __future__ import annotations

import time
from typing import NamedTuple, Sequence

import numpy as np

from nnlab.backend.random import manual_seed
from nnlab.data.vocab import Vocab
from nnlab.models.transformers.gpt import GPT
from nnlab.optim import AdamW
from nnlab.optim.lr_scheduler import LambdaLR
from nnlab.train.callbacks import LRSchedulerCallback
from nnlab.text.corpus import python_docstrings_corpus, split_text
from nnlab.train.trainer import Trainer

__all__ = ["ScalingPoint", "scaling_run", "power_law_fit"]


class ScalingPoint(NamedTuple):
    """One model size: its parameters (embeddings included), held-out loss in nats per character, time."""

    d_model: int
    layers: int
    params: int
    valid_loss: float
    wall_seconds: float
    cpu_seconds: float


def _windows(ids: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    return ids[starts[:, None] + np.arange(length)[None, :]]


def _lm_step(trainer: Trainer, batch: np.ndarray):
    return trainer.model.loss(batch)


def scaling_run(sizes: Sequence[tuple[int, int]] = ((16, 2), (32, 2), (64, 2), (128, 2)), steps: int = 400,
                chars: int = 120_000, context: int = 64, batch_size: int = 16, lr: float = 2e-3, warmup: int = 40,
                seed: int = 0) -> list[ScalingPoint]:
    """Train one character GPT per ``(d_model, layers)`` for ``steps`` steps; held-out loss per size.

    Args:
        sizes: (width, blocks) pairs, 4 heads each (2 below width 32). steps: AdamW steps per model.
        chars: corpus prefix used (the last 10% is held out). context: window length.
        batch_size: windows per step. lr: AdamW's peak learning rate, reached after ``warmup`` steps of
        linear warm-up (wider models diverge without it). seed: data order and init.

    Returns:
        One :class:`ScalingPoint` per size, in the order given.
    """
    text = python_docstrings_corpus(max_chars=chars)
    train_text, valid_text, _ = split_text(text, valid=0.1, test=0.0)
    vocab = Vocab.build(text)
    train = np.asarray(vocab.encode(train_text), dtype=np.int64)
    valid = np.asarray(vocab.encode(valid_text), dtype=np.int64)
    rng = np.random.default_rng(seed)
    train_batches = [_windows(train, rng.integers(0, len(train) - context - 1, size=batch_size), context + 1)
                     for _ in range(steps)]
    valid_starts = np.arange(0, len(valid) - context - 1, context)
    valid_batches = [_windows(valid, valid_starts[i:i + 64], context + 1) for i in range(0, len(valid_starts), 64)]
    points = []
    for d, layers in sizes:
        manual_seed(seed)
        model = GPT(len(vocab), d_model=d, nhead=4 if d >= 32 else 2, layers=layers, max_len=context, dropout=0.0)
        opt = AdamW(model.parameters(), lr=lr, weight_decay=0.0)
        ramp = LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, warmup)))
        trainer = Trainer(model, optimizer=opt, step_fn=_lm_step, grad_clip=1.0, quiet=True,
                          callbacks=[LRSchedulerCallback(ramp, interval="batch")])
        wall, cpu = time.perf_counter(), time.process_time()
        trainer.fit(train_batches, epochs=1)
        loss = trainer.evaluate(valid_batches)["loss"]
        points.append(ScalingPoint(d, layers, model.num_parameters(), float(loss), time.perf_counter() - wall,
                                   time.process_time() - cpu))
    return points


def power_law_fit(points: Sequence[ScalingPoint]) -> tuple[float, float]:
    """(α, N_c) of the least-squares line log L = α·log N_c − α·log N over the points."""
    logn = np.log([p.params for p in points])
    logl = np.log([p.valid_loss for p in points])
    slope, intercept = np.polyfit(logn, logl, 1)
    alpha = -float(slope)
    return alpha, float(np.exp(intercept / alpha)) if alpha != 0 else float("inf")
