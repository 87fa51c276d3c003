"""Connectionist temporal classification loss (Graves et al., 2006), PyTorch's ``F.ctc_loss``.

A frame-wise classifier over C classes (class ``blank`` meaning "no label") emits T
distributions; an alignment is one class per frame, and it spells the label sequence l
once repeats are merged and blanks removed ("-hh-e-ll-llo" → "hello"). CTC maximizes
p(l | x) = Σ over all alignments spelling l of Π_t y_t(a_t), summed by dynamic programming
over the extended label l′ = (blank, l₁, blank, l₂, …, l_S, blank) of length 2S + 1:

    α_t(s) = y_t(l′_s) · [α_{t−1}(s) + α_{t−1}(s−1) + α_{t−1}(s−2)·1(l′_s ≠ blank, l′_s ≠ l′_{s−2})],

with α_0(0) = y_0(blank), α_0(1) = y_0(l₁), and p(l | x) = α_{T−1}(2S) + α_{T−1}(2S−1).
Everything runs in log space. The backward pass runs the same recursion from the end (β)
and gives, with γ_t(s) = α_t(s)·β_t(s)/y_t(l′_s) the posterior of being at s at time t,

    ∂(−ln p) / ∂ ln y_t(k) = −Σ_{s : l′_s = k} γ_t(s) / p(l | x)

(the occupation of class k at t). Through a log-softmax this becomes softmax − occupation,
the gradient PyTorch returns.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _lse(*xs: np.ndarray) -> np.ndarray:
    """Elementwise log(Σ exp) of equally shaped arrays, −inf where every term is −inf."""
    m = np.maximum.reduce(xs)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(sum(np.exp(x - safe) for x in xs))


def _extended(targets: np.ndarray, target_lengths: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """l′ (N, 2S+1) and the mask of positions allowed to skip from s−2 (a label different from l′_{s−2})."""
    N, S = targets.shape
    ext = np.full((N, 2 * S + 1), blank, dtype=np.int64)
    ext[:, 1::2] = targets
    skip = np.zeros_like(ext, dtype=bool)
    skip[:, 3::2] = targets[:, 1:] != targets[:, :-1]
    valid = np.arange(2 * S + 1)[None, :] < (2 * target_lengths[:, None] + 1)
    return ext, skip & valid


def _alpha(lp: np.ndarray, ext: np.ndarray, skip: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """Forward variables log α (T, N, 2S+1)."""
    T, N, _ = lp.shape
    S2 = ext.shape[1]
    emit = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, S2)), axis=2)
    alpha = np.full((T, N, S2), _NEG)
    alpha[0, :, 0] = emit[0, :, 0]
    has_label = target_lengths > 0
    alpha[0, has_label, 1] = emit[0, has_label, 1]
    for t in range(1, T):
        prev = alpha[t - 1]
        one = np.concatenate([np.full((N, 1), _NEG), prev[:, :-1]], axis=1)
        two = np.concatenate([np.full((N, 2), _NEG), prev[:, :-2]], axis=1)
        two = np.where(skip, two, _NEG)
        alpha[t] = _lse(prev, one, two) + emit[t]
    return alpha


class CTCLoss(Function):
    """Per-sample −ln p(l | x) from log-probabilities (T, N, C); backward: minus the class occupations."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp = log_probs.astype(np.float64)
        T, N, C = lp.shape
        ext, skip = _extended(targets, target_lengths, blank)
        alpha = _alpha(lp, ext, skip, target_lengths)
        n = np.arange(N)
        last = alpha[input_lengths - 1, n]  # (N, 2S+1)
        end = 2 * target_lengths
        tail = np.where(target_lengths > 0, last[n, np.maximum(end - 1, 0)], _NEG)
        log_p = _lse(last[n, end], tail)
        ctx.save_for_backward(lp, ext, skip, alpha, log_p)
        ctx.lengths = (input_lengths, target_lengths)
        loss = -log_p
        ctx.dropped = ~np.isfinite(loss) if zero_infinity else np.zeros(N, dtype=bool)
        return np.where(ctx.dropped, 0.0, loss).astype(log_probs.dtype)

    @staticmethod
    def backward(ctx, grad):
        lp, ext, skip, alpha, log_p = ctx.saved_tensors
        input_lengths, target_lengths = ctx.lengths
        T, N, C = lp.shape
        S2 = ext.shape[1]
        emit = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, S2)), axis=2)
        beta = np.full((T, N, S2), _NEG)
        n = np.arange(N)
        end = 2 * target_lengths
        t_last = input_lengths - 1
        beta[t_last, n, end] = emit[t_last, n, end]
        has_label = target_lengths > 0
        beta[t_last[has_label], n[has_label], end[has_label] - 1] = emit[t_last[has_label], n[has_label],
                                                                          end[has_label] - 1]
        # s may move to s+2 when l′_{s+2} may skip from s
        skip_from = np.concatenate([skip[:, 2:], np.zeros((N, 2), dtype=bool)], axis=1)
        for t in range(T - 2, -1, -1):
            active = t < t_last  # frames after a sample's end stay −inf
            nxt = beta[t + 1]
            one = np.concatenate([nxt[:, 1:], np.full((N, 1), _NEG)], axis=1)
            two = np.where(skip_from, np.concatenate([nxt[:, 2:], np.full((N, 2), _NEG)], axis=1), _NEG)
            step = _lse(nxt, one, two) + emit[t]
            beta[t] = np.where(active[:, None], step, beta[t])
        occupation = np.zeros((T, N, C))
        with np.errstate(over="ignore", invalid="ignore"):  # an impossible sample (p = 0) gives nan, masked below
            log_gamma = alpha + beta - emit - log_p[None, :, None]  # (T, N, 2S+1)
            np.add.at(occupation, (np.arange(T)[:, None, None], n[None, :, None], ext[None]), np.exp(log_gamma))
        frames = np.arange(T)[:, None] < input_lengths[None, :]
        keep = frames & ~ctx.dropped[None, :] & np.isfinite(log_p)[None, :]
        g = np.where(keep[:, :, None], -occupation * np.asarray(grad, dtype=np.float64)[None, :, None], 0.0)
        return g.astype(grad.dtype), None, None, None, None, None


def _as_int(x, name: str) -> np.ndarray:
    arr = x.array if isinstance(x, Tensor) else np.asarray(x)
    return np.asarray(arr, dtype=np.int64)


def ctc_loss(log_probs: Tensor, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """CTC loss, ``torch.nn.functional.ctc_loss``'s arguments and reductions.

    Args:
        log_probs: (T, N, C) log-probabilities (a ``log_softmax`` over C, blank included).
        targets: (N, S) padded label ids (never ``blank``).
        input_lengths: (N,) frames used per sample (≤ T). target_lengths: (N,) labels per sample (≤ S).
        blank: the blank class. Default: 0.
        reduction: ``"mean"`` (each loss divided by its target length, then averaged over the batch;
            PyTorch's), ``"sum"`` or ``"none"`` (N,).
        zero_infinity: replace infinite losses (no alignment fits in the frames) and their
            gradients by zero. Default: False.

    Returns:
        The loss (a scalar, or (N,) for ``"none"``).
    """
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C), got shape {tuple(log_probs.shape)}")
    T, N, C = log_probs.shape
    tg, il, tl = _as_int(targets, "targets"), _as_int(input_lengths, "input_lengths"), _as_int(target_lengths, "t")
    if tg.ndim != 2 or tg.shape[0] != N or il.shape != (N,) or tl.shape != (N,):
        raise ValueError(f"ctc_loss: targets must be (N, S) and lengths (N,) with N = {N}; got targets "
                         f"{tg.shape}, input_lengths {il.shape}, target_lengths {tl.shape}")
    if (il < 1).any() or (il > T).any() or (tl < 0).any() or (tl > tg.shape[1]).any():
        raise ValueError(f"ctc_loss: input_lengths must lie in [1, {T}] and target_lengths in [0, {tg.shape[1]}], "
                         f"got {il.tolist()} and {tl.tolist()}")
    if not 0 <= blank < C or (np.where(np.arange(tg.shape[1])[None] < tl[:, None], tg, -1) == blank).any():
        raise ValueError(f"ctc_loss: blank={blank} must be a class in [0, {C}) that no target uses")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ctc_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    losses = CTCLoss.apply(log_probs, tg, il, tl, int(blank), bool(zero_infinity))
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return (losses / from_numpy(np.maximum(tl, 1).astype(losses.array.dtype))).mean()
