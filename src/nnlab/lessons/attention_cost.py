"""Self-attention costs O(L²) in the sequence length L, a recurrent layer O(L): counted and measured.

Self-attention compares every position with every other: the score matrix QKᵀ is L × L per
head, so its FLOPs (2·L²·d for QKᵀ plus 2·L²·d for the weighted sum of values) and the
memory that holds it grow with L²; the projections add 8·L·d², linear in L. An LSTM does
the same work at every step, 8·H·(D + H) FLOPs (four gates, a multiply-add per weight), so
L steps cost L times that, and keeps O(L·H) activations. For short sequences attention's
linear part dominates; past L ≈ 2·d the quadratic term takes over.

Besides the formulas, :func:`graph_bytes` measures the memory a forward pass keeps for
backward (the arrays its recorded graph saved), so the quadratic growth is observed, not
just computed. Wall time is measured in ``examples/attention_cost.py`` (never in tests).
"""

from __future__ import annotations

import time
from typing import NamedTuple, Sequence

import numpy as np

from nnlab.ops.creation import from_numpy
from nnlab.backend.random import manual_seed
from nnlab import nn
from nnlab.autograd.tensor import Tensor

__all__ = ["attention_flops", "lstm_flops", "graph_bytes", "CostRow", "attention_vs_lstm_cost"]


def attention_flops(length: int, d_model: int) -> int:
    """FLOPs of one self-attention layer's forward: 8·L·d² (Q, K, V, output projections) + 4·L²·d (QKᵀ, AV).

    Softmax and scaling (O(h·L²) each) are left out; the head count does not change the
    matmul FLOPs (h heads of width d/h).
    """
    L, d = int(length), int(d_model)
    return 8 * L * d * d + 4 * L * L * d


def lstm_flops(length: int, input_size: int, hidden_size: int) -> int:
    """FLOPs of one LSTM layer's forward: L · 8·H·(D + H) (4 gates × a multiply-add per weight)."""
    return int(length) * 8 * int(hidden_size) * (int(input_size) + int(hidden_size))


def graph_bytes(out: Tensor) -> int:
    """Bytes of the arrays the recorded graph behind ``out`` keeps for backward (each array counted once)."""
    seen_nodes: set[int] = set()
    seen_arrays: set[int] = set()
    total = 0
    stack = [out._node] if out._node is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        held = list(node.saved_tensors) + list(getattr(node, "__dict__", {}).values())
        for a in held:
            arr = a.array if isinstance(a, Tensor) else a
            if isinstance(arr, np.ndarray) and id(arr) not in seen_arrays:
                seen_arrays.add(id(arr))
                total += arr.nbytes
        stack.extend(t._node for t in node._inputs if t is not None and t._node is not None)
    return total


class CostRow(NamedTuple):
    """One sequence length: FLOPs (formula), bytes kept for backward (measured) and, optionally, seconds."""

    length: int
    attention_flops: int
    lstm_flops: int
    attention_bytes: int
    lstm_bytes: int
    attention_seconds: float
    lstm_seconds: float


def _run(layer: nn.Module, x: Tensor, attention: bool) -> Tensor:
    return layer(x, x, x, need_weights=False)[0] if attention else layer(x)[0]


def attention_vs_lstm_cost(lengths: Sequence[int] = (64, 128, 256, 512), d_model: int = 64, nhead: int = 4,
                           repeats: int = 0, seed: int = 0) -> list[CostRow]:
    """Cost of a self-attention layer and an LSTM (hidden = input = d) on one sequence at each length.

    Args:
        lengths: the sequence lengths L. d_model: d (default 64). nhead: heads (default 4).
        repeats: forward + backward passes timed per length (best of); 0 (default) skips timing.
        seed: seeds the layers and the input.

    Returns:
        One :class:`CostRow` per length (seconds are 0.0 when not timed).
    """
    manual_seed(seed)
    attn = nn.MultiheadAttention(d_model, nhead, batch_first=True)
    lstm = nn.LSTM(d_model, d_model, batch_first=True)
    rng = np.random.default_rng(seed)
    rows = []
    for L in lengths:
        x = from_numpy(rng.standard_normal((1, int(L), d_model)).astype(np.float32))
        kept, secs = [], []
        for layer, is_attn in ((attn, True), (lstm, False)):
            kept.append(graph_bytes(_run(layer, x, is_attn)))
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                _run(layer, x, is_attn).sum().backward()
                best = min(best, time.perf_counter() - t0)
            secs.append(best if repeats else 0.0)
        rows.append(CostRow(int(L), attention_flops(L, d_model), lstm_flops(L, d_model, d_model),
                            kept[0], kept[1], secs[0], secs[1]))
    return rows
