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
import numbers
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
        """Restore attributes saved by :meth:`state_dict`, all or nothing.

        Every key must be one of this scheduler's saved attributes, and every value of
        the kind it replaces (a number for a number, a list of the same length for a
        list); otherwise nothing changes.

        Raises:
            ValueError: an unknown key, or a value of the wrong kind.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        current = self.state_dict()
        bad = sorted(str(k) for k in state_dict if k not in current)
        if bad:
            raise ValueError(f"{name}.load_state_dict: keys {bad} are not attributes of {name} "
                             f"(expected some of {sorted(current)})")
        for key, value in state_dict.items():
            why = _mismatch(current[key], value)
            if why:
                raise ValueError(f"{name}.load_state_dict: {key!r} is {value!r}, {why}")
        self.__dict__.update(copy.deepcopy(state_dict))


def _mismatch(old: Any, new: Any) -> str:
    """Why ``new`` cannot replace the saved attribute ``old`` (empty when it can)."""
    def number(x: Any) -> bool:
        return isinstance(x, numbers.Real) and not isinstance(x, bool)

    if number(old):
        return "" if number(new) else f"expected a number like {old!r}"
    if isinstance(old, (list, tuple)):
        if not isinstance(new, (list, tuple)) or len(new) != len(old):
            return f"expected a list of {len(old)} entries (one per parameter group)"
        return next((w for w in (_mismatch(o, n) for o, n in zip(old, new)) if w), "")
    if old is None or new is None:
        return ""
    if isinstance(old, bool) != isinstance(new, bool) or (isinstance(old, str) != isinstance(new, str)):
        return f"expected a {type(old).__name__}"
    return ""
