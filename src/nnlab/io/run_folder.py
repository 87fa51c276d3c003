"""Reading a run folder's ``config.json`` for the model families that load their own runs."""

from __future__ import annotations

import json
import os
from typing import Sequence


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
