"""``History``: what a training run measured, one value per epoch, as JSON-friendly lists."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Iterator, Mapping

from nnlab.io.atomic import atomic_write

__all__ = ["History"]


class History:
    """Per-epoch records of a run: ``history["loss"][e]`` is the training loss of epoch ``e``.

    Keys follow Keras: ``loss``, ``val_loss``, each metric (``accuracy``) and its
    ``val_`` twin, ``lr`` (the learning rate used in the epoch) and ``time`` (seconds).
    A key missing in some epochs is padded with NaN so that every list has one entry
    per epoch.

    Attributes:
        epoch: the epoch indices recorded (0-based).
        history: ``{key: [value per epoch]}``.
    """

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def append(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Record the logs of one finished epoch."""
        n = len(self.epoch)
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            column = self.history.setdefault(key, [math.nan] * n)
            column.append(float(value))
        for column in self.history.values():
            if len(column) == n:
                column.append(math.nan)

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"History: no {key!r} recorded; available: {sorted(self.history)}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def __iter__(self) -> Iterator[str]:
        return iter(self.history)

    def keys(self):
        return self.history.keys()

    def last(self) -> dict[str, float]:
        """The logs of the latest epoch."""
        return {k: v[-1] for k, v in self.history.items()} if self.epoch else {}

    def best(self, monitor: str = "val_loss", mode: str = "min") -> tuple[int, float]:
        """``(epoch, value)`` where ``monitor`` was lowest (``mode="min"``) or highest (``"max"``)."""
        if mode not in ("min", "max"):
            raise ValueError(f"History.best: mode must be 'min' or 'max', got {mode!r}")
        values = self[monitor]
        candidates = [(v if mode == "min" else -v, i) for i, v in enumerate(values) if not math.isnan(v)]
        if not candidates:
            raise ValueError(f"History.best: {monitor!r} has no recorded values")
        _, i = min(candidates)
        return self.epoch[i], values[i]

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The history as JSON text (NaN written as ``NaN``); also written to ``path`` (atomically) if given."""
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            atomic_write(path, text)
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "History":
        h = cls()
        epochs, columns = data.get("epoch"), data.get("history")
        if not isinstance(epochs, list) or not isinstance(columns, dict):
            raise ValueError("History.from_dict: expected {'epoch': [...], 'history': {key: [...]}}")
        for key, values in columns.items():
            if not isinstance(values, list) or len(values) != len(epochs):
                raise ValueError(f"History.from_dict: {key!r} has {len(values) if isinstance(values, list) else 'no'} "
                                 f"values for {len(epochs)} epochs")
        h.epoch = [int(e) for e in epochs]
        h.history = {str(k): [float(v) for v in values] for k, values in columns.items()}
        return h

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> "History":
        """Read a history from JSON text or from a file holding it."""
        text = os.fspath(source)
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as f:
                text = f.read()
        return cls.from_dict(json.loads(text))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({len(self)} epochs{': ' + last if last else ''})"
