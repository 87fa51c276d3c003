"""``LRScheduler``: the base of the epoch-driven learning-rate schedules (PyTorch's protocol).

Construction records each group's ``initial_lr`` and performs step 0; each later
``step()`` (called after ``optimizer.step()``) advances ``last_epoch`` by one and
writes the new rates into ``optimizer.param_groups``. ``state_dict`` holds only
plain JSON-able values (ints, floats, lists, strings, bools).

Construction writes the rates, so to resume from a checkpoint build the optimizer,
then the scheduler, then call ``optimizer.load_state_dict`` and finally
``scheduler.load_state_dict`` (PyTorch's order).
"""

from __future__ import annotations

import copy
from typing import Any

from nnlab.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses implement ``get_lr`` (and ``_closed_form_lr`` where one exists).

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` this scheduler sets.
        last_epoch: index of the last epoch seen; -1 (default) starts a new schedule.
            Other values resume one and need ``initial_lr`` in every group.

    Attributes:
        base_lrs: each group's ``initial_lr``.
        last_epoch: the number of ``step()`` calls since construction (0 right after it).
    """

    # Attributes that are not plain data (callables) and stay out of state_dict.
    _not_saved: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"a schedule with last_epoch={last_epoch}; load the optimizer's state_dict first"
                    )
        self.base_lrs: list[float] = [float(group["initial_lr"]) for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch`` (may depend on the current rates: PyTorch's chainable form)."""
        raise NotImplementedError(f"get_lr is abstract: {type(self).__name__} must implement it")

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, using the closed form where there is one)."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = int(epoch)
            closed = getattr(self, "_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates set by the most recent ``step`` (one per param group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (and callables), as plain copies."""
        skip = {"optimizer", *self._not_saved}
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in skip}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        skip = {"optimizer", *self._not_saved}
        bad = sorted(k for k in state_dict if k in skip)
        if bad:
            raise ValueError(f"{type(self).__name__}.load_state_dict: keys {bad} cannot be loaded")
        self.__dict__.update(copy.deepcopy(state_dict))
