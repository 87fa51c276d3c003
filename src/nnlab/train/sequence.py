"""Training recurrent models: backpropagation through time, full or truncated, with clipping and perplexity.

Full BPTT unrolls the recurrence over the whole sequence and backpropagates the summed
loss through every step. Truncated BPTT (TBPTT with chunk length k) cuts the sequence
into chunks of k steps, takes an optimizer step after each chunk, and passes the hidden
state on to the next chunk *detached*: the forward pass still sees the whole history,
but gradients stop at the chunk boundary, so memory and time per update are O(k).

A model trained here is called as ``output, hidden = model(x, hidden)`` (``hidden=None``
starts from zeros), the protocol of ``nn.RNN`` / ``nn.LSTM`` and the language models.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.cross_entropy import cross_entropy
from nnlab.optim.clip_grad import clip_grad_norm_
from nnlab.train.callbacks import Callback
from nnlab.train.history import History

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
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    return cross_entropy(logits.reshape(-1, V), Tensor._wrap(t.reshape(-1)), ignore_index=ignore_index)


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


class SequenceTrainer:
    """Fit a recurrent model on (input, target) sequence batches with full or truncated BPTT.

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
        callbacks: :class:`~nnlab.train.Callback` objects (epoch and batch hooks). Default: ().

    Attributes:
        history: the :class:`History` of the last ``fit`` (``loss``, ``ppl``, ``val_*``, ``lr``,
            ``time``, ``grad_norm`` = mean pre-clip gradient norm).
        global_step: optimizer steps taken so far.
        stop_training: set by a callback to end ``fit`` after the epoch.
    """

    def __init__(self, model, optimizer, loss_fn: Callable | None = None, bptt: int | None = None,
                 truncate: bool = True, stateful: bool = False, grad_clip: float | None = None,
                 perplexity: bool | None = None, time_dim: int = 1, callbacks: Iterable[Callback] = ()) -> None:
        if bptt is not None and bptt < 1:
            raise ValueError(f"SequenceTrainer: bptt must be a positive chunk length or None, got {bptt}")
        if grad_clip is not None and grad_clip <= 0:
            raise ValueError(f"SequenceTrainer: grad_clip must be positive, got {grad_clip}")
        self.model, self.optimizer = model, optimizer
        self.loss_fn = sequence_cross_entropy if loss_fn is None else loss_fn
        self.perplexity = loss_fn is None if perplexity is None else bool(perplexity)
        self.bptt, self.truncate, self.stateful, self.time_dim = bptt, bool(truncate), bool(stateful), time_dim
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_trainer(self)
        self.history = History()
        self.global_step = 0
        self.stop_training = False
        self._params = [p for g in optimizer.param_groups for p in g["params"]]

    def _step(self, loss: Tensor) -> float:
        """Backward, clip, update; returns the gradient norm before clipping."""
        self.optimizer.zero_grad()
        loss.backward()
        if self.grad_clip is not None:
            norm = float(clip_grad_norm_(self._params, self.grad_clip).item())
        else:
            grads = [p.grad.data for p in self._params if p.grad is not None]
            norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
        self.optimizer.step()
        self.global_step += 1
        return norm

    def _run(self, batches: Iterable, train: bool) -> dict[str, float]:
        total, count, norms = 0.0, 0, []
        hidden = None
        batch_callbacks = [cb for cb in self.callbacks if cb.wants_batch_logs] if train else []
        for b, (x, y) in enumerate(batches):
            if not self.stateful:
                hidden = None
            pending: list[tuple[Tensor, int]] = []
            for sl, out, hidden in forward_chunks(self.model, x, detach_hidden(hidden), self.bptt,
                                                  self.truncate, self.time_dim):
                y_chunk = _slice_time(y, sl.start, sl.stop, self.time_dim) if self.bptt is not None else y
                loss = self.loss_fn(out, y_chunk)
                n = int(np.prod(y_chunk.shape))
                total += float(loss.item()) * n
                count += n
                if not train:
                    continue
                if self.bptt is not None and self.truncate:
                    norms.append(self._step(loss))
                else:
                    pending.append((loss, n))
            if train and pending:
                # Full BPTT: the token-weighted mean of the chunk losses, one backward through all chunks.
                n_all = sum(n for _, n in pending)
                full = pending[0][0] * (pending[0][1] / n_all)
                for loss, n in pending[1:]:
                    full = full + loss * (n / n_all)
                norms.append(self._step(full))
            hidden = detach_hidden(hidden)
            for cb in batch_callbacks:
                cb.on_batch_end(b, {"loss": total / count})
        if count == 0:
            raise ValueError("SequenceTrainer: the batches were empty")
        logs = {"loss": total / count}
        if self.perplexity:
            logs["ppl"] = math.exp(min(logs["loss"], 700.0))
        if norms:
            logs["grad_norm"] = float(np.mean(norms))
        return logs

    def train_epoch(self, batches: Iterable) -> dict[str, float]:
        """One pass over ``(x, y)`` batches in train mode; returns the mean loss (and ``ppl``, ``grad_norm``)."""
        self.model.train()
        return self._run(batches, True)

    def evaluate(self, batches: Iterable) -> dict[str, float]:
        """The mean loss (and ``ppl``) over ``(x, y)`` batches, in eval mode without gradients."""
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                return self._run(batches, False)
        finally:
            self.model.train(was_training)

    def fit(self, train_batches: Iterable, valid_batches: Iterable | None = None, epochs: int = 1) -> History:
        """Train for ``epochs`` passes over ``train_batches`` (re-iterated each epoch); returns the History."""
        self.history = History()
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_train_begin({"epochs": epochs})
        try:
            for epoch in range(epochs):
                n_batches = len(train_batches) if hasattr(train_batches, "__len__") else None
                for cb in self.callbacks:
                    cb.on_epoch_begin(epoch, {"batches": n_batches})
                lr = float(self.optimizer.param_groups[0]["lr"])
                start = time.perf_counter()
                logs = self.train_epoch(train_batches)
                if valid_batches is not None:
                    logs.update({"val_" + k: v for k, v in self.evaluate(valid_batches).items()})
                logs["lr"], logs["time"] = lr, time.perf_counter() - start
                self.history.append(epoch, logs)
                for cb in self.callbacks:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            for cb in self.callbacks:
                cb.on_train_end({"history": self.history})
        return self.history
