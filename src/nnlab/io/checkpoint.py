"""Training checkpoints: model, optimizer, scheduler, RNG state and counters in one safe file.

Resuming from a checkpoint continues a run bit for bit: the global generator that
drives dropout masks and ``DataLoader`` shuffling is saved and restored with the
weights, so ``5 steps + save + load + 5 steps`` equals ``10 steps`` exactly (when the
checkpoint falls on an epoch boundary, where the loader draws its next permutation).
"""

from __future__ import annotations

import os
from typing import Any

from nnlab.backend import get_rng_state, set_rng_state
from nnlab.io.serialization import load, save

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_KIND"]

CHECKPOINT_KIND = "nnlab.checkpoint"
_REQUIRED = ("kind", "model", "optimizer", "scheduler", "rng_state", "epoch", "step", "extra")


def save_checkpoint(
    path: str | os.PathLike,
    model,
    optimizer=None,
    scheduler=None,
    epoch: int = 0,
    step: int = 0,
    extra: Any = None,
) -> None:
    """Write everything needed to resume training to ``path`` (atomically, no pickle).

    Args:
        path: destination file (safetensors, or ``.npz`` by extension).
        model: a Module; its ``state_dict()`` is stored.
        optimizer: an Optimizer whose ``state_dict()`` is stored. Default: None.
        scheduler: an lr scheduler whose ``state_dict()`` is stored. Default: None.
        epoch: completed epochs (the epoch to resume from). Default: 0.
        step: completed optimizer steps. Default: 0.
        extra: any structure :func:`nnlab.save` accepts (metrics, config, a private
            generator's ``bit_generator.state``). Default: None.
    """
    checkpoint = {
        "kind": CHECKPOINT_KIND,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "rng_state": get_rng_state(),
        "epoch": int(epoch),
        "step": int(step),
        "extra": extra,
    }
    save(checkpoint, path)


def load_checkpoint(
    path: str | os.PathLike,
    model,
    optimizer=None,
    scheduler=None,
    strict: bool = True,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into ``model`` (and optimizer, scheduler, RNG).

    All or nothing: the file's entries are checked first (kind, counters, the model's
    keys and shapes, the optimizer's groups, hyperparameters and state, the scheduler's
    attributes, the generator state), then applied; if anything fails, the model,
    optimizer, scheduler and global generator are left exactly as they were.

    Args:
        path: a file written by :func:`save_checkpoint`.
        model: the Module to load the weights into (same architecture).
        optimizer: the Optimizer to restore, built over ``model``'s parameters. Default: None.
        scheduler: the lr scheduler to restore. Default: None.
        strict: passed to ``model.load_state_dict``. Default: True.
        restore_rng: reset the global generator to the saved state. Default: True.

    Returns:
        ``{"epoch": int, "step": int, "extra": ...}`` as saved.

    Raises:
        ValueError: if the file is not a checkpoint, its counters are not non-negative
            integers, it lacks optimizer or scheduler state that was asked for, or any
            state does not fit (nothing is changed then).
        RuntimeError: the model's keys or shapes do not match (nothing is changed).
    """
    where = f"load_checkpoint: {os.fspath(path)!r}"
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("kind") != CHECKPOINT_KIND:
        raise ValueError(f"{where} is an nnlab file but not a checkpoint "
                         f"(kind {ckpt.get('kind') if isinstance(ckpt, dict) else type(ckpt).__name__!r})")
    missing = [k for k in _REQUIRED if k not in ckpt]
    if missing:
        raise ValueError(f"{where} lacks the entries {missing}")
    for key in ("epoch", "step"):
        value = ckpt[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{where}: {key} must be a non-negative integer, got {value!r}")
    if not isinstance(ckpt["model"], dict):
        raise ValueError(f"{where}: the model state is a {type(ckpt['model']).__name__}, not a dict")
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None and ckpt[name] is None:
            raise ValueError(f"{where}: an {name} was given but the file holds no {name} state")
    before = _snapshot(model, optimizer, scheduler)
    try:
        model.load_state_dict(ckpt["model"], strict=strict)
        if optimizer is not None:
            optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        if restore_rng:
            set_rng_state(ckpt["rng_state"])
    except Exception as exc:
        _restore(before, model, optimizer, scheduler)
        if isinstance(exc, (ValueError, RuntimeError)):
            raise
        raise ValueError(f"{where}: its state does not fit ({type(exc).__name__}: {exc}); nothing was changed") from exc
    return {"epoch": ckpt["epoch"], "step": ckpt["step"], "extra": ckpt["extra"]}


def _snapshot(model, optimizer, scheduler) -> tuple:
    """Copies of everything :func:`load_checkpoint` may change, to put back if a later part fails."""
    weights = {k: v.array.copy() for k, v in model.state_dict().items()}
    return (weights, optimizer.state_dict() if optimizer is not None else None,
            scheduler.state_dict() if scheduler is not None else None, get_rng_state())


def _restore(before: tuple, model, optimizer, scheduler) -> None:
    weights, opt_state, sched_state, rng_state = before
    model.load_state_dict(weights, strict=False)
    if optimizer is not None:
        optimizer.load_state_dict(opt_state)
    if scheduler is not None:
        scheduler.load_state_dict(sched_state)
    set_rng_state(rng_state)
