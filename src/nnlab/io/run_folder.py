"""A run folder's JSON files: written atomically, and ``config.json`` read back checked."""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import numpy as np

from nnlab.io.atomic import atomic_write


def read_run_config(run_dir: str, models: Sequence[str], kind: str) -> dict:
    """The ``config.json`` of ``run_dir`` as a dict, checked to name one of ``models``.

    Raises:
        FileNotFoundError: ``run_dir`` has no ``config.json``.
        ValueError: the run is of another model (``kind`` names the family, e.g. "detector").
    """
    path = os.path.join(run_dir, "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir} is not a run folder: it has no config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    if not isinstance(cfg, dict) or cfg.get("model") not in models:
        model = cfg.get("model") if isinstance(cfg, dict) else None
        raise ValueError(f"{run_dir} holds a {model!r} run, not a {kind} ({', '.join(models)})")
    return cfg


def write_run_json(path: str, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically (NumPy scalars as Python numbers, anything else by ``str``)."""
    text = json.dumps(obj, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    atomic_write(path, text)
