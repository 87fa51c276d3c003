"""``Trainer``: the fit loop (train, validate, log, call back) and ``evaluate`` / ``predict``.

One batch costs a forward, the loss, ``zero_grad``, ``backward``, an optional gradient
clip and ``optimizer.step()``; the bookkeeping on top is a float sum and an integer
count of correct predictions, turned into averages once per epoch.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.optim.clip_grad import clip_grad_norm_
from nnlab.train.callbacks import Callback, LRSchedulerCallback, ProgressBar
from nnlab.train.history import History
from nnlab.train.metrics import to_labels

__all__ = ["Trainer", "fit"]

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def _split(batch: Any) -> tuple[tuple, Any]:
    """A batch ``(x, y)`` or ``(x1, ..., xk, y)`` gives inputs and target; a lone tensor is all input."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 1:
            return tuple(batch), None
        return tuple(batch[:-1]), batch[-1]
    return (batch,), None


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


class _Accuracy:
    """Counts correct predictions; the binary threshold matches the loss (probabilities or logits)."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, out: np.ndarray, target: np.ndarray) -> float:
        pred, true = to_labels(out, self.threshold), to_labels(target)
        if pred.shape != true.shape:
            raise ValueError(f"accuracy: outputs of shape {out.shape} give predictions of shape {pred.shape}, "
                             f"but targets of shape {target.shape} give labels of shape {true.shape}")
        return float(np.count_nonzero(pred == true))


class Trainer:
    """Fit a model with a loss and an optimizer, tracking the loss and metrics per epoch.

    Args:
        model: a Module called as ``model(*inputs)``.
        loss_fn: ``loss_fn(output, target)`` returning the batch-mean loss (e.g.
            ``nn.CrossEntropyLoss()``).
        optimizer: an Optimizer over ``model``'s parameters.
        scheduler: an lr scheduler stepped after every epoch; ``ReduceLROnPlateau`` gets
            ``val_loss`` (or ``loss`` without a dev loader). Default: None.
        metrics: names (``"accuracy"``) or functions ``f(outputs, targets) -> float``
            (NumPy arrays, batch means; averaged over samples). Default: ``("accuracy",)``.
        callbacks: extra :class:`Callback` objects. Default: ().
        grad_clip: clip the global gradient 2-norm to this value. Default: None.
        quiet: no progress bar. Default: False.

    Attributes:
        history: the :class:`History` of the last ``fit``.
        global_step: optimizer steps taken so far.
        stop_training: set by a callback (e.g. EarlyStopping) to end ``fit`` after the epoch.
    """

    def __init__(self, model, loss_fn, optimizer, scheduler=None, metrics: Sequence[str | MetricFn] = ("accuracy",),
                 callbacks: Iterable[Callback] = (), grad_clip: float | None = None, quiet: bool = False) -> None:
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.metrics = self._resolve_metrics(metrics)
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        if self.grad_clip is not None and self.grad_clip <= 0:
            raise ValueError(f"Trainer: grad_clip must be positive, got {grad_clip}")
        self.callbacks: list[Callback] = list(callbacks)
        if scheduler is not None:
            # First, so that checkpoints and loggers running after it see the stepped schedule.
            self.callbacks.insert(0, LRSchedulerCallback(scheduler))
        if not quiet and not any(isinstance(c, ProgressBar) for c in self.callbacks):
            self.callbacks.append(ProgressBar())
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer: callbacks must be Callback instances, got {type(cb).__name__}")
            cb.set_trainer(self)
        self.history = History()
        self.global_step = 0
        self.stop_training = False

    def _resolve_metrics(self, metrics: Sequence[str | MetricFn]) -> dict[str, MetricFn]:
        resolved: dict[str, MetricFn] = {}
        for m in metrics:
            if m == "accuracy":
                # Models emit logits by convention; only BCELoss takes probabilities.
                threshold = 0.5 if type(self.loss_fn).__name__ == "BCELoss" else 0.0
                resolved["accuracy"] = _Accuracy(threshold)
            elif callable(m):
                resolved[getattr(m, "__name__", type(m).__name__)] = m
            else:
                raise ValueError(f"Trainer: unknown metric {m!r}; use 'accuracy' or a function f(outputs, targets)")
        return resolved

    # ---- one pass ------------------------------------------------------------------------------
    def _run_epoch(self, loader: Iterable, train: bool, batch_callbacks: list[Callback]) -> dict[str, float]:
        """Average loss and metrics over the samples of ``loader``; trains when ``train``."""
        total_loss, seen = 0.0, 0
        sums = dict.fromkeys(self.metrics, 0.0)
        model, loss_fn, opt = self.model, self.loss_fn, self.optimizer
        params = [p for g in opt.param_groups for p in g["params"]] if train and self.grad_clip else None
        for i, batch in enumerate(loader):
            inputs, target = _split(batch)
            if target is None:
                raise ValueError("Trainer: batches must be (inputs..., target) tuples, got a batch without a target")
            out = model(*inputs)
            loss = loss_fn(out, target)
            if train:
                opt.zero_grad()
                loss.backward()
                if params is not None:
                    clip_grad_norm_(params, self.grad_clip)
                opt.step()
                self.global_step += 1
            n = len(_array(target))
            total_loss += float(loss.data) * n
            seen += n
            if sums:
                out_np, target_np = _array(out), _array(target)
                for name, fn in self.metrics.items():
                    # Accuracy returns a count; other metrics return batch means to weight by n.
                    sums[name] += fn(out_np, target_np) if isinstance(fn, _Accuracy) else float(fn(out_np, target_np)) * n
            if batch_callbacks:
                running = {"loss": total_loss / seen, **{k: v / seen for k, v in sums.items()}}
                for cb in batch_callbacks:
                    cb.on_batch_end(i, running)
        if seen == 0:
            raise ValueError("Trainer: the loader yielded no batches")
        return {"loss": total_loss / seen, **{k: v / seen for k, v in sums.items()}}

    # ---- public API ------------------------------------------------------------------------------
    def fit(self, train_loader: Iterable, dev_loader: Iterable | None = None, epochs: int = 10,
            initial_epoch: int = 0) -> History:
        """Train for ``epochs`` epochs (from ``initial_epoch`` when resuming); returns the History.

        Each epoch runs the model in train mode over ``train_loader``, then (if given) in
        eval mode without gradients over ``dev_loader``, logging ``loss``, the metrics,
        their ``val_`` versions, ``lr`` and ``time``.
        """
        if epochs < initial_epoch:
            raise ValueError(f"Trainer.fit: epochs ({epochs}) must be >= initial_epoch ({initial_epoch})")
        self.history = History()
        self.stop_training = False
        callbacks = self.callbacks
        for cb in callbacks:
            cb.on_train_begin({"epochs": epochs})
        batch_callbacks = [cb for cb in callbacks if cb.wants_batch_logs]
        try:
            for epoch in range(initial_epoch, epochs):
                begin_logs = {"batches": len(train_loader) if hasattr(train_loader, "__len__") else None}
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, begin_logs)
                lr = float(self.optimizer.param_groups[0]["lr"])
                start = time.perf_counter()
                self.model.train()
                logs = self._run_epoch(train_loader, True, batch_callbacks)
                if dev_loader is not None:
                    logs.update({"val_" + k: v for k, v in self.evaluate(dev_loader).items()})
                logs["lr"] = lr
                logs["time"] = time.perf_counter() - start
                self.history.append(epoch, logs)
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            for cb in callbacks:
                cb.on_train_end({"history": self.history})
        return self.history

    def evaluate(self, loader: Iterable) -> dict[str, float]:
        """Loss and metrics averaged over ``loader``, in eval mode without gradients."""
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                return self._run_epoch(loader, False, [])
        finally:
            self.model.train(was_training)

    def predict(self, data: Any, batch_size: int = 256) -> np.ndarray:
        """The model's outputs, concatenated, for a loader's batches or an array's rows.

        Args:
            data: a DataLoader (its batches' inputs are used; a trailing target is
                ignored) or an array / Tensor of inputs :math:`(M, *)`.
            batch_size: rows per forward pass when ``data`` is an array. Default: 256.

        Shape:
            - Output: :math:`(M, *)`, what the model returns for each input row.
        """
        if isinstance(data, (Tensor, np.ndarray)):
            arr = _array(data)
            batches: Iterable = ((Tensor._wrap(arr[i : i + batch_size]),) for i in range(0, len(arr), batch_size))
        else:
            batches = (_split(b)[0] for b in data)
        was_training = self.model.training
        self.model.eval()
        outputs = []
        try:
            with no_grad():
                for inputs in batches:
                    outputs.append(_array(self.model(*inputs)))
        finally:
            self.model.train(was_training)
        if not outputs:
            raise ValueError("Trainer.predict: no inputs")
        return np.concatenate(outputs, axis=0)


def fit(model, train_loader: Iterable, loss_fn, optimizer, dev_loader: Iterable | None = None, epochs: int = 10,
        **trainer_kwargs: Any) -> History:
    """``Trainer(model, loss_fn, optimizer, **trainer_kwargs).fit(train_loader, dev_loader, epochs)``."""
    return Trainer(model, loss_fn, optimizer, **trainer_kwargs).fit(train_loader, dev_loader, epochs)
