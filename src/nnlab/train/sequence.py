"""Training recurrent models: backpropagation through time, full or truncated, with clipping and perplexity.

Full BPTT unrolls the recurrence over the whole sequence and backpropagates the summed
loss through every step. Truncated BPTT (TBPTT with chunk length k) cuts the sequence
into chunks of k steps, takes an optimizer step after each chunk, and passes the hidden
state on to the next chunk *detached*: the forward pass still sees the whole history,
but gradients stop at the chunk boundary, so memory and time per update are O(k).

A model trained here is called as ``output, hidden = model(x, hidden)`` (``hidden=None``
starts from zeros), the protocol of ``nn.RNN`` / ``nn.LSTM`` and the language models.

:class:`SequenceTrainer` is the one :class:`~nnlab.train.Trainer` loop with a BPTT step
function: under truncation each chunk of k steps is one Trainer batch (one optimizer
step), and the step function carries the detached hidden state from chunk to chunk (and,
when ``stateful``, from batch to batch); under full BPTT a batch is one step whose loss
is summed over its chunks in one graph.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.cross_entropy import cross_entropy
from nnlab.ops.creation import from_numpy
from nnlab.train.callbacks import Callback
from nnlab.train.trainer import Trainer

__all__ = ["detach_hidden", "sequence_cross_entropy", "forward_chunks", "SequenceTrainer"]


def detach_hidden(hidden: Any) -> Any:
    """The same state (a Tensor, or nested tuples / lists of them, or None) cut from the graph."""
    if hidden is None:
        return None
    if isinstance(hidden, Tensor):
        return hidden.detach()
    if isinstance(hidden, (tuple, list)):
        return type(hidden)(detach_hidden(h) for h in hidden)
    raise TypeError(f"detach_hidden: expected a Tensor or a tuple/list of Tensors, got {type(hidden).__name__}")


def sequence_cross_entropy(logits: Tensor, target: Tensor, ignore_index: int = -100) -> Tensor:
    """l = mean over (n, t) of −ln softmax(z_{n,t})[y_{n,t}]: token-level cross-entropy.

    Args:
        logits: scores z, (N, T, V) (or (T, N, V) with the target transposed alike).
        target: next-token indices y, (N, T).
        ignore_index: targets with this value (padding) are left out. Default: −100.
    """
    if logits.ndim != 3 or tuple(target.shape) != tuple(logits.shape[:2]):
        raise ValueError(f"sequence_cross_entropy: logits must be (N, T, V) and target (N, T); "
                         f"got logits {tuple(logits.shape)} and target {tuple(target.shape)}")
    V = logits.shape[-1]
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    return cross_entropy(logits.reshape(-1, V), from_numpy(t.reshape(-1)), ignore_index=ignore_index)


def _slice_time(x: Any, s: int, e: int, time_dim: int) -> Any:
    return x[:, s:e] if time_dim == 1 else x[s:e]


def forward_chunks(model: Callable, x: Tensor, hidden: Any = None, bptt: int | None = None, truncate: bool = True,
                   time_dim: int = 1) -> Iterator[tuple[slice, Any, Any]]:
    """Run ``model`` over ``x`` chunk by chunk, carrying the hidden state: detached at boundaries when ``truncate``.

    Args:
        model: ``output, hidden = model(x_chunk, hidden)``.
        x: the input sequence, time along ``time_dim``.
        hidden: the initial state. Default: None (zeros).
        bptt: k, the chunk length; None runs the whole sequence as one chunk.
        truncate: detach the state passed to the next chunk (gradients stop at the
            boundary); when False, the chunks form one graph (full BPTT). Default: True.
        time_dim: 1 for (N, T, ...) inputs, 0 for (T, N, ...). Default: 1.

    Yields:
        ``(time_slice, output, hidden)`` per chunk; ``hidden`` is the state after the chunk,
        still attached to its graph.
    """
    if time_dim not in (0, 1):
        raise ValueError(f"forward_chunks: time_dim must be 0 or 1, got {time_dim}")
    L = x.shape[time_dim]
    k = L if bptt is None else int(bptt)
    if k < 1:
        raise ValueError(f"forward_chunks: bptt must be a positive chunk length, got {bptt}")
    for s in range(0, L, k):
        e = min(s + k, L)
        if s > 0 and truncate:
            hidden = detach_hidden(hidden)
        output, hidden = model(_slice_time(x, s, e, time_dim), hidden)
        yield slice(s, e), output, hidden


class SequenceTrainer(Trainer):
    """Fit a recurrent model on (input, target) sequence batches with full or truncated BPTT.

    A :class:`~nnlab.train.Trainer` whose step function runs the recurrence: ``fit``,
    ``evaluate``, callbacks, ``global_step`` and ``stop_training`` are the Trainer's.

    Args:
        model: ``output, hidden = model(x, hidden)``.
        optimizer: an Optimizer over the model's parameters.
        loss_fn: ``loss_fn(output_chunk, target_chunk)``, a mean over the chunk's items.
            Default: :func:`sequence_cross_entropy` (next-token prediction).
        bptt: k, the chunk length along time; None: whole batches (full BPTT). Default: None.
        truncate: with ``bptt``: True detaches the state between chunks and steps after
            each chunk (truncated BPTT); False sums the chunks' losses in one graph and
            steps once per batch (full BPTT, computed chunk by chunk). Default: True.
        stateful: carry the final state of a batch (detached) into the next batch, for
            streams whose consecutive batches continue each other (``LMBatcher``). Default: False.
        grad_clip: clip the global gradient 2-norm to this value before each step. Default: None.
        perplexity: log ``ppl`` = exp(loss) (and ``val_ppl``). Default: True when ``loss_fn``
            is the default cross-entropy, else False.
        time_dim: 1 for batch-first (N, T, ...) batches, 0 for (T, N, ...). Default: 1.
        callbacks: :class:`~nnlab.train.Callback` objects (epoch hooks, and batch hooks called
            once per optimizer step: per chunk under truncation). Default: ().
        quiet: no progress bar. Default: True.

    Attributes:
        history: the :class:`History` of the last ``fit`` (``loss``, ``ppl``, ``val_*``, ``lr``,
            ``time``, ``grad_norm`` = the pre-clip gradient norm of the updates, averaged over
            the epoch weighted by their tokens, like the loss).
        global_step: optimizer steps taken so far.
        stop_training: set by a callback to end ``fit`` after the epoch.
    """

    def __init__(self, model, optimizer, loss_fn: Callable | None = None, bptt: int | None = None,
                 truncate: bool = True, stateful: bool = False, grad_clip: float | None = None,
                 perplexity: bool | None = None, time_dim: int = 1, callbacks: Iterable[Callback] = (),
                 quiet: bool = True) -> None:
        if bptt is not None and bptt < 1:
            raise ValueError(f"SequenceTrainer: bptt must be a positive chunk length or None, got {bptt}")
        if time_dim not in (0, 1):
            raise ValueError(f"SequenceTrainer: time_dim must be 0 or 1, got {time_dim}")
        super().__init__(model, sequence_cross_entropy if loss_fn is None else loss_fn, optimizer,
                         callbacks=callbacks, grad_clip=grad_clip, quiet=quiet, step_fn=_bptt_step,
                         track_grad_norm=True)
        self.perplexity = loss_fn is None if perplexity is None else bool(perplexity)
        self.bptt, self.truncate, self.stateful, self.time_dim = bptt, bool(truncate), bool(stateful), time_dim
        self.hidden: Any = None

    def _chunks(self, batches: Iterable) -> Iterator[tuple[Any, Any, bool]]:
        """``(x, y, first)``: the Trainer's batches, one per optimizer step; ``first`` opens a source batch."""
        k = self.bptt if self.truncate else None
        for x, y in batches:
            L = x.shape[self.time_dim]
            if k is None:
                yield x, y, True
                continue
            for s in range(0, L, k):
                e = min(s + k, L)
                yield _slice_time(x, s, e, self.time_dim), _slice_time(y, s, e, self.time_dim), s == 0

    def _run_epoch(self, loader: Iterable, train: bool, batch_callbacks: list[Callback]) -> dict[str, float]:
        self.hidden = None  # every pass starts from zeros
        logs = super()._run_epoch(self._chunks(loader), train, batch_callbacks)
        self.hidden = None
        if self.perplexity:
            logs["ppl"] = math.exp(min(logs["loss"], 700.0))
        return logs

    def train_epoch(self, batches: Iterable) -> dict[str, float]:
        """One pass over ``(x, y)`` batches in train mode; returns the mean loss (and ``ppl``, ``grad_norm``)."""
        self.model.train()
        return self._run_epoch(batches, True, [cb for cb in self.callbacks if cb.wants_batch_logs])


def _bptt_step(trainer: SequenceTrainer, batch: tuple[Any, Any, bool]) -> dict[str, Any]:
    """The loss of one chunk (truncated BPTT) or one batch (full BPTT), carrying the hidden state.

    The state enters detached (gradients stop at the boundary) and leaves detached for the
    next step; it restarts from zeros at a new source batch unless ``stateful``.
    """
    x, y, first = batch
    if first and not trainer.stateful:
        trainer.hidden = None
    hidden = detach_hidden(trainer.hidden)
    if trainer.truncate or trainer.bptt is None:
        out, hidden = trainer.model(x, hidden)
        loss, n = trainer.loss_fn(out, y), int(np.prod(y.shape))
    else:
        # Full BPTT in chunks: the token-weighted mean of the chunk losses, one graph through all chunks.
        parts = []
        for sl, out, hidden in forward_chunks(trainer.model, x, hidden, trainer.bptt, False, trainer.time_dim):
            y_chunk = _slice_time(y, sl.start, sl.stop, trainer.time_dim)
            parts.append((trainer.loss_fn(out, y_chunk), int(np.prod(y_chunk.shape))))
        n = sum(m for _, m in parts)
        loss = parts[0][0] * (parts[0][1] / n)
        for part, m in parts[1:]:
            loss = loss + part * (m / n)
    trainer.hidden = detach_hidden(hidden)
    return {"loss": loss, "n": n}
