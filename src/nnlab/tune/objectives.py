"""Objectives for searches: a synthetic one with a known optimum, and training a digits model.

Both are module-level functions so that worker processes can import them by name
(``"nnlab.tune.objectives:quadratic"``).
"""

from __future__ import annotations

import math
import os
from typing import Any

#: The optimum of :func:`quadratic`: log10 α* = −2.5 (α* ≈ 3.2e−3); ``unused`` does not matter.
QUADRATIC_OPTIMUM = {"log10_alpha": -2.5}


def quadratic(params: dict[str, Any], **_: Any) -> float:
    """f = (log10 α + 2.5)² + 0·u — one hyperparameter that matters (α) and one that does not (u)."""
    return (math.log10(params["alpha"]) - QUADRATIC_OPTIMUM["log10_alpha"]) ** 2 + 0.0 * params.get("unused", 0.0)


#: RunConfig fields a digits search may set, and ``width``: the MLP's one hidden layer.
TUNABLE = ("lr", "momentum", "weight_decay", "dropout", "batch_size", "optimizer", "activation", "width")


#: What a digits trial can minimize: the dev error, or 1 − the dev set's macro F1.
METRICS = ("error", "f1")


def digits_error(params: dict[str, Any], model: str = "mlp", epochs: int = 5, out: str = "runs/tune",
                 seed: int = 0, hidden: tuple[int, ...] = (64,), metric: str = "error",
                 train_dev: float = 0.0) -> tuple[float, dict[str, float]]:
    """Dev error (1 − accuracy), or 1 − macro F1, of a digits model trained with ``params``.

    Extras: train / dev accuracy, the dev set's macro precision, recall and F1, the parameter
    count, the training seconds and the prediction latency per example (ms) — the satisficing
    metrics a selection can bound. Each trial writes a run folder ``<out>/trial-<pid>-<n>`` (so
    ``nnlab diagnose`` works on it; with ``train_dev`` > 0 it holds out a train-dev set for it).
    """
    import time

    from nnlab.diagnostics.quickfit import predict_scores
    from nnlab.runs import RunConfig, load_data, train_run
    from nnlab.train import precision_recall_f1

    if metric not in METRICS:
        raise ValueError(f"digits_error: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    unknown = sorted(set(params) - set(TUNABLE))
    if unknown:
        raise ValueError(f"digits_error: cannot tune {unknown}; tunable: {', '.join(TUNABLE)}")
    kw = dict(params)
    if "batch_size" in kw:
        kw["batch_size"] = int(kw["batch_size"])
    if "width" in kw:
        hidden = (int(kw.pop("width")),)
    name = f"trial-{os.getpid()}-{len(os.listdir(out)) if os.path.isdir(out) else 0}"
    config = RunConfig(model=model, epochs=epochs, patience=0, seed=seed, out=out, name=name, hidden=hidden,
                       train_dev=train_dev, **kw)
    result = train_run(config, quiet=True)
    m = result.metrics
    data = load_data(config)
    start = time.perf_counter()
    scores = predict_scores(result.model, data.X_dev)
    latency = (time.perf_counter() - start) / len(data.X_dev) * 1e3
    p, r, f = precision_recall_f1(data.y_dev, scores, data.num_classes, average="macro")
    size = float(sum(p_.numel() for p_ in result.model.parameters()))
    extras = {"dev_accuracy": m["dev_accuracy"], "train_accuracy": m["train_accuracy"], "precision": float(p),
              "recall": float(r), "f1": float(f), "n_params": size, "seconds": m["train_seconds"],
              "latency_ms": latency}
    return (1.0 - m["dev_accuracy"] if metric == "error" else 1.0 - float(f)), extras
