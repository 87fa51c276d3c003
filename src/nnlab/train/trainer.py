"""``Trainer``: the fit loop (train, validate, log, call back) and ``evaluate`` / ``predict``.

One batch costs a forward, the loss, ``zero_grad``, ``backward``, an optional gradient
clip and ``optimizer.step()``; the bookkeeping on top is a float sum and an integer
count of correct predictions, turned into averages once per epoch.

The extension point: a *step function* replaces the forward-and-loss part of a batch
(``Trainer(..., step_fn=f)``, or a ``training_step(batch)`` method on the model, as
Lightning and Keras' ``train_step`` do). It is called as ``f(trainer, batch)`` and
returns either

- a loss ``Tensor``: in training the Trainer then runs ``zero_grad``, ``backward``, the
  clip and ``optimizer.step()`` itself (automatic optimization), or
- a ``dict`` of logs (floats or one-element Tensors, e.g. ``{"loss": ..., "d_loss": ...}``):
  a ``"loss"`` entry that is a Tensor requiring grad is optimized as above; a step that
  ran its own optimizers (a GAN's two, an RL update) returns plain numbers and the
  Trainer only averages them.

``trainer.training`` says whether the batch is a training or an evaluation batch
(evaluation runs under ``no_grad``; a step that optimizes must check it). Logs are
averaged over the epoch weighted by the batch size (the length of the batch's first
array; a step may set it with an ``"n"`` entry).

State that lives across batches (the hidden state of truncated BPTT) belongs to the step
function's owner: :class:`~nnlab.train.sequence.SequenceTrainer` feeds the Trainer one
chunk of a sequence batch per step and carries the detached state from chunk to chunk.

Evaluation alone needs no optimizer: :func:`evaluate` (``Trainer.evaluate`` without a
Trainer to build).

Data parallelism (:class:`nnlab.distributed.DistributedDataParallel`) plugs in through the
model: a model with ``sync_gradients()`` has it called between ``backward`` and the
optimizer step, one with ``reduce_logs(logs)`` has each epoch's training logs passed
through it, and a train loader whose ``sampler`` has ``set_epoch`` gets the epoch number.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.nn.utils.clip_grad import clip_grad_norm_, grad_norm
from nnlab.train.callbacks import Callback, LRSchedulerCallback, ProgressBar
from nnlab.train.history import History
from nnlab.train.metrics import to_labels

__all__ = ["Trainer", "fit", "evaluate"]

MetricFn = Callable[[np.ndarray, np.ndarray], float]
StepFn = Callable[["Trainer", Any], Any]
_NAN_POLICIES = ("stop", "warn", "raise", "ignore")


def _split(batch: Any) -> tuple[tuple, Any]:
    """A batch ``(x, y)`` or ``(x1, ..., xk, y)`` gives inputs and target; a lone tensor is all input."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 1:
            return tuple(batch), None
        return tuple(batch[:-1]), batch[-1]
    return (batch,), None


def _array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def batch_size_of(batch: Any) -> int:
    """The number of samples in a batch: the length of its first array (tuples, lists, dicts)."""
    first = batch
    while isinstance(first, (tuple, list, dict)):
        if not first:
            raise ValueError("Trainer: empty batch")
        first = next(iter(first.values())) if isinstance(first, dict) else first[0]
    arr = _array(first)
    return int(arr.shape[0]) if arr.ndim else 1


def _binary_threshold(loss_fn: Any) -> float:
    """0.5 for a loss that takes probabilities (its ``takes_probabilities`` is True, as ``BCELoss``'s), else 0.

    Models emit logits by convention, so a binary score is class 1 above 0; a model
    trained with a loss on probabilities (a sigmoid output) is class 1 above 0.5.
    """
    return 0.5 if getattr(loss_fn, "takes_probabilities", False) else 0.0


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
        optimizer: an Optimizer over ``model``'s parameters; None for a Trainer that only
            evaluates or whose step function runs its own optimizers. Default: None.
        scheduler: an lr scheduler stepped after every epoch; ``ReduceLROnPlateau`` gets
            ``val_loss`` (or ``loss`` without a dev loader). Default: None.
        metrics: names (``"accuracy"``) or functions ``f(outputs, targets) -> float``
            (NumPy arrays, batch means; averaged over samples). Default: ``("accuracy",)``.
        callbacks: extra :class:`Callback` objects. Default: ().
        grad_clip: clip the global gradient 2-norm to this value. Default: None.
        quiet: no progress bar. Default: False.
        step_fn: ``f(trainer, batch) -> loss Tensor | dict`` replacing forward + loss (see
            the module docstring). Default: the model's ``training_step(batch)`` if it has
            one, else ``loss_fn(model(*inputs), target)``.
        track_grad_norm: log ``grad_norm``, the global gradient 2-norm before clipping of
            every automatic optimizer step, averaged over the epoch like the loss. Default: False.
        on_nan: what a NaN or infinite training loss does: ``"stop"`` ends training after
            that batch, with a warning (the weights are already poisoned; more epochs of
            NaN help no one); ``"warn"`` warns once per epoch and goes on; ``"raise"``
            raises ``FloatingPointError``; ``"ignore"``. Default: ``"stop"``.

    Attributes:
        history: the :class:`History` of the last ``fit``.
        global_step: optimizer steps taken so far.
        stop_training: set by a callback (e.g. EarlyStopping) to end ``fit`` after the epoch.
        training: True while a training batch runs, False during evaluation.
    """

    def __init__(self, model, loss_fn=None, optimizer=None, scheduler=None,
                 metrics: Sequence[str | MetricFn] = ("accuracy",), callbacks: Iterable[Callback] = (),
                 grad_clip: float | None = None, quiet: bool = False, step_fn: StepFn | None = None,
                 track_grad_norm: bool = False, on_nan: str = "stop") -> None:
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        if step_fn is None and callable(getattr(model, "training_step", None)):
            step_fn = _model_step
        if step_fn is not None and not callable(step_fn):
            raise TypeError(f"Trainer: step_fn must be callable f(trainer, batch), got {type(step_fn).__name__}")
        if step_fn is None and loss_fn is None:
            raise ValueError("Trainer: give a loss_fn, a step_fn, or a model with a training_step(batch) method")
        self.step_fn = step_fn
        if on_nan not in _NAN_POLICIES:
            raise ValueError(f"Trainer: on_nan must be one of {_NAN_POLICIES}, got {on_nan!r}")
        self.on_nan = on_nan
        self._nan_warned = False
        self.training = False
        # Step functions log their own numbers; the (outputs, targets) metrics belong to the default step.
        self.metrics = self._resolve_metrics(metrics) if step_fn is None else {}
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.track_grad_norm = bool(track_grad_norm)
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
        # The data-parallel protocol (nnlab.distributed.DistributedDataParallel): gradients averaged after
        # backward, epoch logs averaged over the ranks.
        self._sync_gradients = getattr(model, "sync_gradients", None)
        self._reduce_logs = getattr(model, "reduce_logs", None)

    def _resolve_metrics(self, metrics: Sequence[str | MetricFn]) -> dict[str, MetricFn]:
        resolved: dict[str, MetricFn] = {}
        for m in metrics:
            if m == "accuracy":
                resolved["accuracy"] = _Accuracy(_binary_threshold(self.loss_fn))
            elif callable(m):
                resolved[getattr(m, "__name__", type(m).__name__)] = m
            else:
                raise ValueError(f"Trainer: unknown metric {m!r}; use 'accuracy' or a function f(outputs, targets)")
        return resolved

    # ---- one pass ------------------------------------------------------------------------------
    def _optimize(self, loss: Tensor, params: list | None) -> float | None:
        """zero_grad, backward, optional clip, step: the automatic optimization of one batch.

        Returns the pre-clip global gradient norm when ``track_grad_norm``, else None.
        """
        opt = self.optimizer
        if opt is None:
            raise ValueError("Trainer: training needs an optimizer (or a step_fn that runs its own and returns numbers)")
        opt.zero_grad()
        loss.backward()
        if self._sync_gradients is not None:  # data parallel: average the gradients over the ranks
            self._sync_gradients()
        norm = None
        if params is not None:
            if self.grad_clip:
                norm = float(clip_grad_norm_(params, self.grad_clip).item())
            else:
                norm = grad_norm(params)
        opt.step()
        return norm

    def _clip_params(self, train: bool) -> list | None:
        """The parameters whose gradients are clipped or measured in a training pass, else None."""
        if not (train and (self.grad_clip or self.track_grad_norm) and self.optimizer is not None):
            return None
        return [p for g in self.optimizer.param_groups for p in g["params"]]

    def _run_epoch(self, loader: Iterable, train: bool, batch_callbacks: list[Callback]) -> dict[str, float]:
        """Average loss and metrics over the samples of ``loader``; trains when ``train``."""
        self.training = train
        if self.step_fn is not None:
            return self._run_custom_epoch(loader, train, batch_callbacks)
        total_loss, seen = 0.0, 0
        sums = dict.fromkeys(self.metrics, 0.0)
        model, loss_fn = self.model, self.loss_fn
        params = self._clip_params(train)
        if params is not None and self.track_grad_norm:
            sums["grad_norm"] = 0.0
        for i, batch in enumerate(loader):
            inputs, target = _split(batch)
            if target is None:
                raise ValueError("Trainer: batches must be (inputs..., target) tuples, got a batch without a target")
            out = model(*inputs)
            loss = loss_fn(out, target)
            norm = None
            if train:
                norm = self._optimize(loss, params)
                self.global_step += 1
            n = len(_array(target))
            if norm is not None and self.track_grad_norm:
                sums["grad_norm"] += norm * n
            value = float(loss.array)
            total_loss += value * n
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
            if train and self._stop_after_batch(value, i):
                break
        if seen == 0:
            raise ValueError("Trainer: the loader yielded no batches")
        return {"loss": total_loss / seen, **{k: v / seen for k, v in sums.items()}}

    def _run_custom_epoch(self, loader: Iterable, train: bool, batch_callbacks: list[Callback]) -> dict[str, float]:
        """The same pass with a step function: its logs averaged over the samples of ``loader``."""
        sums: dict[str, float] = {}
        seen = 0
        params = self._clip_params(train)
        for i, batch in enumerate(loader):
            result = self.step_fn(self, batch)
            logs = {"loss": result} if isinstance(result, Tensor) else result
            if not isinstance(logs, dict):
                raise TypeError(f"Trainer: step_fn must return a loss Tensor or a dict of logs, "
                                f"got {type(result).__name__}")
            loss = logs.get("loss")
            if train and isinstance(loss, Tensor) and loss.requires_grad:
                norm = self._optimize(loss, params)
                if norm is not None and self.track_grad_norm:
                    logs = {**logs, "grad_norm": norm}
            if train:
                self.global_step += 1
            n = int(logs["n"]) if "n" in logs else batch_size_of(batch)
            seen += n
            for k, v in logs.items():
                if k != "n":
                    sums[k] = sums.get(k, 0.0) + _scalar(v, k) * n
            if batch_callbacks:
                running = {k: v / seen for k, v in sums.items()}
                for cb in batch_callbacks:
                    cb.on_batch_end(i, running)
            if train and self._stop_after_batch(_scalar(loss, "loss") if loss is not None else 0.0, i):
                break
        if seen == 0:
            raise ValueError("Trainer: the loader yielded no batches")
        return {k: v / seen for k, v in sums.items()}

    def _stop_after_batch(self, loss: float, batch: int) -> bool:
        """Apply ``on_nan`` to this batch's loss; True when the epoch must end now (also for a callback's stop)."""
        if not math.isfinite(loss) and self.on_nan != "ignore":
            where = f"epoch {len(self.history)} batch {batch} (step {self.global_step})"
            if self.on_nan == "raise":
                raise FloatingPointError(f"Trainer: the training loss is {loss} at {where}")
            if self.on_nan == "stop":
                warnings.warn(f"Trainer: the training loss is {loss} at {where}; training stopped "
                              "(pass on_nan='warn' to go on)", RuntimeWarning, stacklevel=4)
                self.stop_training = True
            elif not self._nan_warned:
                warnings.warn(f"Trainer: the training loss is {loss} at {where}", RuntimeWarning, stacklevel=4)
                self._nan_warned = True
        # A callback (TerminateOnNaN) may ask to stop in the middle of an epoch, as in Keras.
        return self.stop_training

    # ---- public API ------------------------------------------------------------------------------
    def fit(self, train_loader: Iterable, dev_loader: Iterable | None = None, epochs: int = 10,
            initial_epoch: int = 0, history: History | None = None) -> History:
        """Train for ``epochs`` epochs (from ``initial_epoch`` when resuming); returns the History.

        Each epoch runs the model in train mode over ``train_loader``, then (if given) in
        eval mode without gradients over ``dev_loader``, logging ``loss``, the metrics,
        their ``val_`` versions, ``lr`` and ``time``. When resuming, ``history`` (the
        run's history so far) is continued instead of starting a new one.
        """
        if epochs < initial_epoch:
            raise ValueError(f"Trainer.fit: epochs ({epochs}) must be >= initial_epoch ({initial_epoch})")
        self.history = history if history is not None else History()
        self.stop_training = False
        callbacks = self.callbacks
        for cb in callbacks:
            cb.on_train_begin({"epochs": epochs})
        batch_callbacks = [cb for cb in callbacks if cb.wants_batch_logs]
        try:
            for epoch in range(initial_epoch, epochs):
                begin_logs = {"batches": len(train_loader) if hasattr(train_loader, "__len__") else None}
                self._nan_warned = False
                sampler = getattr(train_loader, "sampler", None)
                if hasattr(sampler, "set_epoch"):  # a DistributedSampler reshuffles per epoch
                    sampler.set_epoch(epoch)
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, begin_logs)
                lr = float(self.optimizer.param_groups[0]["lr"]) if self.optimizer is not None else None
                start = time.perf_counter()
                self.model.train()
                logs = self._run_epoch(train_loader, True, batch_callbacks)
                if self._reduce_logs is not None:
                    logs = self._reduce_logs(logs)
                if dev_loader is not None:
                    logs.update({"val_" + k: v for k, v in self.evaluate(dev_loader).items()})
                if lr is not None:
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
            batches: Iterable = ((from_numpy(arr[i : i + batch_size]),) for i in range(0, len(arr), batch_size))
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


def _scalar(v: Any, key: str) -> float:
    arr = _array(v)
    if arr.size != 1:
        raise ValueError(f"Trainer: step log {key!r} must be a number or a one-element tensor, got shape {arr.shape}")
    return float(arr.reshape(()))


def _model_step(trainer: Trainer, batch: Any) -> Any:
    """The step of a model that defines ``training_step(batch)`` (and optionally ``validation_step``)."""
    model = trainer.model
    if not trainer.training and callable(getattr(model, "validation_step", None)):
        return model.validation_step(batch)
    return model.training_step(batch)


def fit(model, train_loader: Iterable, loss_fn, optimizer, dev_loader: Iterable | None = None, epochs: int = 10,
        **trainer_kwargs: Any) -> History:
    """``Trainer(model, loss_fn, optimizer, **trainer_kwargs).fit(train_loader, dev_loader, epochs)``."""
    return Trainer(model, loss_fn, optimizer, **trainer_kwargs).fit(train_loader, dev_loader, epochs)


def evaluate(model, loader: Iterable, loss_fn=None, metrics: Sequence[str | MetricFn] = ("accuracy",),
             step_fn: StepFn | None = None) -> dict[str, float]:
    """Loss and metrics of ``model`` averaged over ``loader``, in eval mode without gradients.

    The evaluation pass of :meth:`Trainer.evaluate`, with no optimizer to build:
    ``evaluate(model, test_loader, nn.CrossEntropyLoss())`` gives ``{"loss": ..., "accuracy": ...}``.

    Args:
        model: a Module called as ``model(*inputs)``.
        loader: batches ``(inputs..., target)`` (or what ``step_fn`` takes).
        loss_fn: ``loss_fn(output, target)``, a batch mean. Default: None (then ``step_fn``
            or the model's ``training_step`` / ``validation_step`` gives the logs).
        metrics: as :class:`Trainer`'s. Default: ``("accuracy",)``.
        step_fn: as :class:`Trainer`'s. Default: None.

    Returns:
        The sample-weighted means over the loader: ``loss`` and each metric (or the step's logs).
    """
    return Trainer(model, loss_fn, metrics=metrics, quiet=True, step_fn=step_fn).evaluate(loader)
