"""Named training runs: build a model and optimizer from a config, train, and save a run folder.

A run folder ``<out>/<name>/`` holds everything needed to look at or reuse the run:

- ``config.json``   — the :class:`RunConfig` (model, dataset, optimizer, seed, ...);
- ``model.safetensors`` — the trained model's state_dict (safe format, no pickle);
- ``history.json``  — loss, accuracy, lr and time per epoch (train and dev);
- ``curves.png``    — loss and accuracy curves;
- ``metrics.json``  — final train/dev/test loss and accuracy, and the training time.

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

from nnlab import functional as F
from nnlab import nn, optim
from nnlab.autograd.tensor import Tensor
from nnlab.backend import manual_seed
from nnlab.data import DATASETS, AugmentedDataset, DataLoader, DatasetSplits, RandomShift, TensorDataset, get_dataset
from nnlab.io import load, save
from nnlab.models import MLP, LeNet5, LogisticRegression
from nnlab.train import EarlyStopping, History, Trainer, plot_history

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
        if any(h <= 0 for h in self.hidden):
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")
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
    def from_json(cls, d: dict) -> "RunConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


class BinaryLogitLoss(nn.Module):
    """BCE-with-logits for a one-logit model (N, 1) and integer 0/1 targets (N,)."""

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(logits.reshape(-1), target.astype(logits.dtype))


def build_model(config: RunConfig, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The model a config describes, for samples of ``input_shape`` and ``num_classes`` classes."""
    num_features = int(np.prod(input_shape))
    if config.model == "lenet5":
        return LeNet5(in_channels=input_shape[0], num_classes=num_classes)
    if config.model == "logreg":
        return LogisticRegression(num_features, 1 if num_classes == 2 else num_classes)
    return MLP((num_features, *config.hidden, num_classes), activation=config.activation, dropout=config.dropout)


def build_loss(config: RunConfig, num_classes: int) -> nn.Module:
    return BinaryLogitLoss() if config.model == "logreg" and num_classes == 2 else nn.CrossEntropyLoss()


def load_data(config: RunConfig) -> DatasetSplits:
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


def _evaluate_splits(trainer: Trainer, data: DatasetSplits, batch_size: int) -> dict[str, float]:
    out: dict[str, float] = {}
    train_loader, dev_loader, test_loader = data.loaders(batch_size=batch_size, shuffle=False, eval_batch_size=512)
    for split, loader in (("train", train_loader), ("dev", dev_loader), ("test", test_loader)):
        for k, v in trainer.evaluate(loader).items():
            out[f"{split}_{k}"] = float(v)
    return out


def train_run(config: RunConfig, quiet: bool = False) -> RunResult:
    """Train the model ``config`` describes and write its run folder (see the module docstring)."""
    manual_seed(config.seed)
    data = load_data(config)
    model = build_model(config, data.input_shape, data.num_classes)
    loss_fn = build_loss(config, data.num_classes)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)
    callbacks = []
    if config.patience > 0:
        callbacks.append(EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True))
    trainer = Trainer(model, loss_fn, optimizer, callbacks=callbacks, quiet=quiet)
    train_loader, dev_loader, _ = data.loaders(batch_size=config.batch_size, shuffle=True, eval_batch_size=512)
    if config.augment and config.model in IMAGE_MODELS:
        augmented = AugmentedDataset(TensorDataset(data.X_train, data.y_train), RandomShift(AUGMENT_SHIFT))
        train_loader = DataLoader(augmented, batch_size=config.batch_size, shuffle=True)
    start = time.perf_counter()
    history = trainer.fit(train_loader, dev_loader, epochs=config.epochs)
    seconds = time.perf_counter() - start
    metrics = _evaluate_splits(trainer, data, config.batch_size)
    metrics["train_seconds"] = seconds
    metrics["epochs_run"] = len(history)
    return write_run(config, model, history, metrics)


def write_run(config: RunConfig, model: nn.Module, history: History, metrics: dict[str, float]) -> RunResult:
    """Write the run folder (config, weights, history, metrics, curves); returns the :class:`RunResult`."""
    os.makedirs(config.run_dir, exist_ok=True)
    _write_json(os.path.join(config.run_dir, "config.json"), config.to_json())
    save(model.state_dict(), os.path.join(config.run_dir, "model.safetensors"))
    history.to_json(os.path.join(config.run_dir, "history.json"))
    _write_json(os.path.join(config.run_dir, "metrics.json"), metrics)
    plot_history(history, os.path.join(config.run_dir, "curves.png"))
    return RunResult(config.run_dir, metrics, history, model)


def load_run(run_dir: str) -> tuple[RunConfig, nn.Module, DatasetSplits]:
    """Rebuild a saved run's config, model (with its trained weights) and data."""
    config_path = os.path.join(run_dir, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{run_dir} is not a run folder: it has no config.json")
    with open(config_path, encoding="utf-8") as f:
        config = RunConfig.from_json(json.load(f))
    data = load_data(config)
    model = build_model(config, data.input_shape, data.num_classes)
    model.load_state_dict(load(os.path.join(run_dir, "model.safetensors")))
    model.eval()
    return config, model, data


def evaluate_run(run_dir: str) -> dict[str, float]:
    """Loss and accuracy of a saved run's model on its dataset's train, dev and test splits."""
    config, model, data = load_run(run_dir)
    trainer = Trainer(model, build_loss(config, data.num_classes), optimizer=_NoOptimizer(), quiet=True)
    return _evaluate_splits(trainer, data, config.batch_size)


class _NoOptimizer:
    """Stands in for an optimizer when a Trainer only evaluates."""

    param_groups: list[dict[str, Any]] = [{"lr": 0.0, "params": []}]


def _write_json(path: str, obj: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    os.replace(tmp, path)
