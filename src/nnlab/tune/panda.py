""""Panda": babysit one model — stop, change the learning rate (or other optimizer settings), resume.

:func:`resume_with` restores a checkpoint written by :func:`nnlab.io.save_checkpoint` (model,
optimizer state, RNG, epoch counter), overrides the chosen ``param_groups`` settings, continues
through the one :class:`~nnlab.train.Trainer` from the saved epoch
(``Trainer.fit(initial_epoch=...)``), and returns the history of the whole run — the epochs
before the change (stored in the checkpoint's ``extra["history"]``) followed by the new ones,
so the curves are continuous across the change. :func:`plot_resumed` marks the change.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from nnlab.io import load_checkpoint, save_checkpoint
from nnlab.train import History, Trainer


def checkpoint_run(path: str, trainer: Trainer, epoch: int) -> None:
    """Save ``trainer``'s model, optimizer and history after ``epoch`` epochs (for a later resume)."""
    save_checkpoint(path, trainer.model, trainer.optimizer, epoch=epoch, step=trainer.global_step,
                    extra={"history": trainer.history.to_dict()})


def resume_with(path: str, trainer: Trainer, train_loader: Iterable, dev_loader: Iterable | None,
                epochs: int, changes: Mapping[str, Any]) -> History:
    """Resume from ``path`` with ``changes`` to every param group (e.g. ``{"lr": 0.01}``) up to ``epochs``.

    Returns:
        The continuous :class:`History`: the saved epochs, then the resumed ones.
    """
    state = load_checkpoint(path, trainer.model, trainer.optimizer)
    for key, value in changes.items():
        for group in trainer.optimizer.param_groups:
            if key not in group:
                raise ValueError(f"resume_with: optimizer has no setting {key!r}; it has {sorted(group)}")
            group[key] = value
    trainer.global_step = int(state["step"])
    new = trainer.fit(train_loader, dev_loader, epochs=epochs, initial_epoch=int(state["epoch"]))
    extra = state["extra"] or {}
    before = History.from_dict(extra["history"]) if "history" in extra else History()
    whole = History()
    for part in (before, new):
        for i, e in enumerate(part.epoch):
            whole.append(e, {k: v[i] for k, v in part.history.items()})
    return whole


def plot_resumed(history: History, change_epoch: int, path: str, key: str = "val_loss") -> None:
    """``key`` (and ``lr``) against the epoch, with a line where the settings changed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax, k in zip(axes, (key, "lr")):
        ax.plot(history.epoch, history[k], marker=".")
        ax.axvline(change_epoch - 0.5, color="r", linestyle="--")
        ax.set_xlabel("epoch")
        ax.set_ylabel(k)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
