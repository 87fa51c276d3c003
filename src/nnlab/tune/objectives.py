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


#: RunConfig fields a digits search may set.
TUNABLE = ("lr", "momentum", "weight_decay", "dropout", "batch_size", "optimizer", "activation")


def digits_error(params: dict[str, Any], model: str = "mlp", epochs: int = 5, out: str = "runs/tune",
                 seed: int = 0, hidden: tuple[int, ...] = (64,)) -> tuple[float, dict[str, float]]:
    """Dev error (1 − accuracy) of a digits model trained with ``params``; extras: accuracies, size, latency.

    Each trial writes a run folder ``<out>/trial-<pid>-<n>`` (so ``nnlab diagnose`` works on it).
    """
    from nnlab.runs import RunConfig, train_run

    unknown = sorted(set(params) - set(TUNABLE))
    if unknown:
        raise ValueError(f"digits_error: cannot tune {unknown}; tunable: {', '.join(TUNABLE)}")
    kw = dict(params)
    if "batch_size" in kw:
        kw["batch_size"] = int(kw["batch_size"])
    name = f"trial-{os.getpid()}-{len(os.listdir(out)) if os.path.isdir(out) else 0}"
    config = RunConfig(model=model, epochs=epochs, patience=0, seed=seed, out=out, name=name, hidden=hidden, **kw)
    result = train_run(config, quiet=True)
    m = result.metrics
    size = float(sum(p.numel() for p in result.model.parameters()))
    extras = {"dev_accuracy": m["dev_accuracy"], "train_accuracy": m["train_accuracy"],
              "n_params": size, "seconds": m["train_seconds"]}
    return 1.0 - m["dev_accuracy"], extras
