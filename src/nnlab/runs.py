"""Named training runs: build a model and optimizer from a config, train, and save a run folder.

A run folder ``<out>/<name>/`` holds everything needed to look at or reuse the run:

- ``config.json``   — the :class:`RunConfig` (model, dataset, optimizer, seed, ...);
- ``model.safetensors`` — the trained model's state_dict (safe format, no pickle);
- ``history.json``  — loss, accuracy, lr and time per epoch (train and dev);
- ``curves.png``    — loss and accuracy curves;
- ``metrics.json``  — final train/dev/test (and train-dev) loss and accuracy, and the training time;
- ``checkpoint.safetensors`` — model, optimizer, RNG, history and early-stopping state
  after the last finished epoch, from which ``nnlab train --resume`` continues the run
  bit for bit.

A run folder is locked (:class:`nnlab.io.DirLock`) while a process trains into it, and
``config.json`` is written before training starts, so an output folder that cannot be
written fails at once, not after the training.

This is what ``nnlab train`` / ``nnlab evaluate`` / ``nnlab summary`` call.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlab.io.run_folder import write_run_json
from nnlab import nn, optim
from nnlab.backend import manual_seed
from nnlab.data import (DATASETS, AugmentedDataset, DataLoader, DatasetSplits, RandomShift, TensorDataset, get_dataset,
                        train_dev_split)
from nnlab.io import DirLock, load, load_checkpoint, save, save_checkpoint
from nnlab.models import MLP, LeNet5, LogisticRegression
from nnlab.train import Callback, EarlyStopping, History, Trainer, evaluate, plot_history

MODELS = ("lenet5", "mlp", "logreg")
#: Models that take images (N, C, 32, 32) rather than flat feature vectors.
IMAGE_MODELS = ("lenet5",)

OPTIMIZERS = {
    "sgd": lambda params, c: optim.SGD(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay),
    "adam": lambda params, c: optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay),
    "adamw": lambda params, c: optim.AdamW(params, lr=c.lr, weight_decay=c.weight_decay),
    "rmsprop": lambda params, c: optim.RMSprop(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay),
    "adagrad": lambda params, c: optim.Adagrad(params, lr=c.lr, weight_decay=c.weight_decay),
    "adadelta": lambda params, c: optim.Adadelta(params, lr=c.lr, weight_decay=c.weight_decay),
}

#: The learning rate each optimizer gets when none is given ...
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2, "adadelta": 1.0}
#: ... except where a model trains better with another (measured on the digits, seeds 0–5).
MODEL_LR = {("lenet5", "sgd"): 0.01}
#: The augmentation image models get when ``augment`` is on: shifts of up to 2 pixels.
AUGMENT_SHIFT = 2
#: The widest hidden layer and the most MLP parameters a config may ask for (400 MB of float32).
MAX_WIDTH = 1 << 16
MAX_PARAMETERS = 100_000_000
CHECKPOINT = "checkpoint.safetensors"


@dataclass
class RunConfig:
    """Everything that defines a run; the defaults train the digits MLP of ``nnlab train``.

    Args:
        model: ``"lenet5"`` (default; digits resized to 32×32), ``"mlp"`` or ``"logreg"``.
        dataset: a name from :data:`nnlab.data.DATASETS` (default ``"digits"``).
        hidden: hidden-layer widths of the MLP (default ``(256,)``).
        activation: the MLP's hidden activation (default ``"relu"``).
        dropout: dropout after each hidden layer (default 0.2).
        optimizer: a name from :data:`OPTIMIZERS` (default ``"sgd"``, with momentum).
        lr: learning rate (default: :data:`MODEL_LR` or the optimizer's :data:`DEFAULT_LR`:
            0.01 for LeNet-5 with SGD, 0.05 for the MLP with SGD);
            momentum (SGD/RMSprop, default 0.9); weight_decay (default 0).
        epochs: at most this many epochs (default 100); batch_size (default 32).
        patience: early-stopping patience on the dev loss, restoring the best weights (default 20; 0 = off).
        augment: random shifts of up to 2 pixels of the training images, for image models (default True).
        seed: seeds initialization, dropout, augmentation and shuffling (default 0).
        train_dev: the share of the training split held out as a *train-dev* set (same
            distribution as training, never trained on), so that ``nnlab diagnose`` can tell
            variance (train → train-dev) from data mismatch (train-dev → dev). Default 0 (none).
        out: the parent folder of run folders (default ``"runs"``); name: the run folder's
            name (default ``"<model>-<dataset>"``).
    """

    model: str = "lenet5"
    dataset: str = "digits"
    hidden: tuple[int, ...] = (256,)
    activation: str = "relu"
    dropout: float = 0.2
    optimizer: str = "sgd"
    lr: float | None = None
    momentum: float = 0.9
    weight_decay: float = 0.0
    epochs: int = 100
    batch_size: int = 32
    patience: int = 20
    augment: bool = True
    seed: int = 0
    train_dev: float = 0.0
    out: str = "runs"
    name: str = ""

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose one of {', '.join(sorted(DATASETS))}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if self.lr is None:
            self.lr = MODEL_LR.get((self.model, self.optimizer), DEFAULT_LR[self.optimizer])
        for key in ("epochs", "batch_size"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{key} must be positive, got {getattr(self, key)}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not 0.0 <= self.train_dev < 1.0:
            raise ValueError(f"train_dev must be a fraction in [0, 1), got {self.train_dev}")
        if any(h <= 0 or h > MAX_WIDTH for h in self.hidden):
            raise ValueError(f"hidden sizes must be between 1 and {MAX_WIDTH}, got {self.hidden}")
        if not self.name:
            self.name = f"{self.model}-{self.dataset}"

    @property
    def run_dir(self) -> str:
        return os.path.join(self.out, self.name)

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_json(cls, d: Any) -> "RunConfig":
        """The config a ``config.json`` holds, every field type-checked (a file may be damaged or hostile)."""
        if not isinstance(d, dict):
            raise ValueError(f"config must be a JSON object, got a {type(d).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in fields}
        for key, value in values.items():
            why = _field_type_error(key, value, cls.__dataclass_fields__[key].type)
            if why:
                raise ValueError(f"config field {key!r} {why}, got {value!r}"[:300])
        return cls(**values)


def _field_type_error(key: str, value: Any, annotation: str) -> str:
    """Why ``value`` does not fit the ``RunConfig`` field annotated ``annotation`` (empty when it does)."""
    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if annotation == "str":
        return "" if isinstance(value, str) else "must be a string"
    if annotation == "bool":
        return "" if isinstance(value, bool) else "must be true or false"
    if annotation == "int":
        return "" if is_int(value) else "must be an integer"
    if annotation in ("float", "float | None"):
        ok = (value is None and "None" in annotation) or is_int(value) or isinstance(value, float)
        return "" if ok and (value is None or np.isfinite(value)) else "must be a finite number"
    if annotation == "tuple[int, ...]":
        ok = isinstance(value, list) and all(is_int(v) for v in value)
        return "" if ok else "must be a list of integers"
    return ""


def build_model(config: RunConfig, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The model a config describes, for samples of ``input_shape`` and ``num_classes`` classes."""
    num_features = int(np.prod(input_shape))
    if config.model == "mlp":
        sizes = (num_features, *config.hidden, num_classes)
        count = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        if count > MAX_PARAMETERS:
            raise ValueError(f"an MLP of widths {sizes} would have {count:,} parameters, more than the "
                             f"{MAX_PARAMETERS:,} a run may allocate")
    if config.model == "lenet5":
        return LeNet5(in_channels=input_shape[0], num_classes=num_classes)
    if config.model == "logreg":
        return LogisticRegression(num_features, 1 if num_classes == 2 else num_classes)
    return MLP((num_features, *config.hidden, num_classes), activation=config.activation, dropout=config.dropout)


def build_loss(config: RunConfig, num_classes: int) -> nn.Module:
    return nn.BinaryLogitLoss() if config.model == "logreg" and num_classes == 2 else nn.CrossEntropyLoss()


def load_data(config: RunConfig) -> DatasetSplits:
    """The dataset of a run, shaped for its model; the training split less the train-dev set, if any."""
    return load_splits(config)[0]


def load_splits(config: RunConfig) -> tuple[DatasetSplits, tuple[np.ndarray, np.ndarray] | None]:
    """The run's splits and its train-dev set ``(X, y)`` (None when ``config.train_dev`` is 0).

    The train-dev set is a stratified share of the training split, drawn with the run's seed,
    so the same config always holds out the same examples.
    """
    data = _load_full(config)
    if config.train_dev <= 0:
        return data, None
    X_tr, y_tr, X_td, y_td = train_dev_split(data.X_train, data.y_train, config.train_dev, seed=config.seed)
    return dataclasses.replace(data, X_train=X_tr, y_train=y_tr), (X_td, y_td)


def _load_full(config: RunConfig) -> DatasetSplits:
    """The dataset of a run, shaped for its model: 32×32 images for LeNet-5, vectors otherwise."""
    image_model = config.model in IMAGE_MODELS
    if config.dataset == "digits":
        return get_dataset("digits", images=True, size=32) if image_model else get_dataset("digits")
    if config.dataset == "mnist":
        data = get_dataset("mnist", flatten=not image_model)
        if image_model:  # LeNet-5 was designed for 32×32: pad the 28×28 digits by 2 pixels, as LeCun did
            pad = ((0, 0), (0, 0), (2, 2), (2, 2))
            data = dataclasses.replace(
                data, X_train=np.pad(data.X_train, pad), X_dev=np.pad(data.X_dev, pad), X_test=np.pad(data.X_test, pad)
            )
        return data
    if image_model:
        raise ValueError(f"model {config.model} needs an image dataset (digits or mnist), got {config.dataset!r}")
    return get_dataset(config.dataset)


@dataclass
class RunResult:
    """What :func:`train_run` produced: the folder, the metrics, the history and the model."""

    run_dir: str
    metrics: dict[str, float]
    history: History
    model: nn.Module = field(repr=False)


def evaluate_splits(model: nn.Module, loss_fn, data: DatasetSplits, batch_size: int,
                    train_dev: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, float]:
    """``{split}_loss`` and ``{split}_accuracy`` for train, dev, test (and train_dev when given)."""
    out: dict[str, float] = {}
    train_loader, dev_loader, test_loader = data.loaders(batch_size=batch_size, shuffle=False, eval_batch_size=512)
    splits = [("train", train_loader), ("dev", dev_loader), ("test", test_loader)]
    if train_dev is not None:
        splits.insert(1, ("train_dev", DataLoader(TensorDataset(*train_dev), 512)))
    for split, loader in splits:
        for k, v in evaluate(model, loader, loss_fn).items():
            out[f"{split}_{k}"] = float(v)
    return out


class RunCheckpoint(Callback):
    """Save ``checkpoint.safetensors`` after every epoch: weights, optimizer, RNG, history, early stopping.

    Registered after :class:`EarlyStopping`, so the saved record includes this epoch's
    verdict; ``nnlab train --resume`` continues from it bit for bit.
    """

    def __init__(self, run_dir: str, epochs: int, early: EarlyStopping | None, seconds: float = 0.0) -> None:
        self.path = os.path.join(run_dir, CHECKPOINT)
        self.epochs, self.early, self.seconds = epochs, early, seconds
        self._start = 0.0

    def on_train_begin(self, logs=None) -> None:
        self._start = time.perf_counter() - self.seconds

    def on_epoch_end(self, epoch: int, logs) -> None:
        t = self.trainer
        finished = t.stop_training or epoch + 1 >= self.epochs
        extra = {"history": t.history.to_dict(), "finished": finished,
                 "train_seconds": time.perf_counter() - self._start,
                 "early_stopping": self.early.state_dict() if self.early is not None else None}
        save_checkpoint(self.path, t.model, t.optimizer, epoch=epoch + 1, step=t.global_step, extra=extra)


def _resume_state(config: RunConfig, model, optimizer, early: EarlyStopping | None) -> tuple[int, History, float, int]:
    """Load a run's checkpoint into ``model``, ``optimizer``, the RNG and ``early``."""
    path = os.path.join(config.run_dir, CHECKPOINT)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cannot resume {config.run_dir}: it has no {CHECKPOINT} (no epoch finished yet?)")
    info = load_checkpoint(path, model, optimizer)
    extra = info["extra"]
    if not isinstance(extra, dict) or not isinstance(extra.get("history"), dict):
        raise ValueError(f"cannot resume {config.run_dir}: {CHECKPOINT} was not written by 'nnlab train'")
    if extra.get("finished"):
        raise ValueError(f"cannot resume {config.run_dir}: the run already finished "
                         f"({info['epoch']} epochs); its results are in metrics.json")
    if early is not None and extra.get("early_stopping") is not None:
        early.load_state_dict(extra["early_stopping"])
    return info["epoch"], History.from_dict(extra["history"]), float(extra.get("train_seconds", 0.0)), info["step"]


def train_run(config: RunConfig, quiet: bool = False, resume: bool = False,
              callbacks: list[Callback] | tuple = ()) -> RunResult:
    """Train the model ``config`` describes and write its run folder (see the module docstring).

    Args:
        config: the run.
        quiet: no progress bar. Default: False.
        resume: continue the run in ``config.run_dir`` from its checkpoint (its history,
            weights, optimizer, generator and early-stopping state). Default: False.
        callbacks: extra callbacks, run after the run's own. Default: ().

    Raises:
        nnlab.io.DirLockedError: another process is training into the folder.
        OSError: the folder cannot be created or written (before training starts).
    """
    lock = DirLock(config.run_dir).acquire()
    try:
        return _train_locked(config, quiet, resume, list(callbacks))
    finally:
        lock.release()


def _train_locked(config: RunConfig, quiet: bool, resume: bool, extra_callbacks: list[Callback]) -> RunResult:
    # The first write: an output folder that is read-only or full fails here, before any training.
    write_run_json(os.path.join(config.run_dir, "config.json"), config.to_json())
    manual_seed(config.seed)
    data, train_dev = load_splits(config)
    model = build_model(config, data.input_shape, data.num_classes)
    loss_fn = build_loss(config, data.num_classes)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)
    early = None
    if config.patience > 0:
        early = EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)
    initial_epoch, history, seconds, step = 0, None, 0.0, 0
    if resume:
        initial_epoch, history, seconds, step = _resume_state(config, model, optimizer, early)
    callbacks = [c for c in (early, RunCheckpoint(config.run_dir, config.epochs, early, seconds)) if c is not None]
    trainer = Trainer(model, loss_fn, optimizer, callbacks=callbacks + extra_callbacks, quiet=quiet)
    trainer.global_step = step
    train_loader, dev_loader, _ = data.loaders(batch_size=config.batch_size, shuffle=True, eval_batch_size=512)
    if config.augment and config.model in IMAGE_MODELS:
        augmented = AugmentedDataset(TensorDataset(data.X_train, data.y_train), RandomShift(AUGMENT_SHIFT))
        train_loader = DataLoader(augmented, batch_size=config.batch_size, shuffle=True)
    start = time.perf_counter()
    history = trainer.fit(train_loader, dev_loader, epochs=config.epochs, initial_epoch=initial_epoch, history=history)
    metrics = evaluate_splits(model, loss_fn, data, config.batch_size, train_dev)
    metrics["train_seconds"] = seconds + time.perf_counter() - start
    metrics["epochs_run"] = len(history)
    return write_run(config, model, history, metrics)


def write_run(config: RunConfig, model: nn.Module, history: History, metrics: dict[str, float]) -> RunResult:
    """Write the run folder (config, weights, history, metrics, curves); returns the :class:`RunResult`."""
    os.makedirs(config.run_dir, exist_ok=True)
    write_run_json(os.path.join(config.run_dir, "config.json"), config.to_json())
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    write_run_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    plot_history(history, os.path.join(config.run_dir, "curves.png"))
    return RunResult(config.run_dir, metrics, history, model)


def resume_run(run_dir: str, quiet: bool = False, callbacks: list[Callback] | tuple = ()) -> RunResult:
    """Continue the run saved in ``run_dir`` from its last checkpoint (``nnlab train --resume``)."""
    config = read_config(run_dir)
    config.out, config.name = os.path.dirname(os.path.normpath(run_dir)) or ".", os.path.basename(os.path.normpath(run_dir))
    return train_run(config, quiet=quiet, resume=True, callbacks=callbacks)


def read_config(run_dir: str) -> RunConfig:
    """The :class:`RunConfig` in ``run_dir/config.json``, checked; errors name the file and the fault."""
    config_path = os.path.join(run_dir, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{run_dir} is not a run folder: it has no config.json")
    try:
        with open(config_path, encoding="utf-8") as f:
            raw = json.load(f)
        return RunConfig.from_json(raw)
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValueError(f"{config_path} is malformed: {exc}") from None


def load_run(run_dir: str) -> tuple[RunConfig, nn.Module, DatasetSplits]:
    """Rebuild a saved run's config, model (with its trained weights) and data."""
    config = read_config(run_dir)
    data = load_data(config)
    try:
        model = build_model(config, data.input_shape, data.num_classes)
    except ValueError as exc:
        raise ValueError(f"{os.path.join(run_dir, 'config.json')} describes a model that cannot be built: {exc}") from None
    model.load_state_dict(load(os.path.join(run_dir, "model.safetensors")))
    model.eval()
    return config, model, data


def evaluate_run(run_dir: str) -> dict[str, float]:
    """Loss and accuracy of a saved run's model on its train, dev and test splits (and train-dev, if held out)."""
    config, model, data = load_run(run_dir)
    train_dev = load_splits(config)[1]
    return evaluate_splits(model, build_loss(config, data.num_classes), data, config.batch_size, train_dev)


