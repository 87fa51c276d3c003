"""Per-batch cyclical schedules: ``OneCycleLR`` (Smith's 1cycle) and ``CyclicLR`` (triangular cycles).

Both follow ``torch.optim.lr_scheduler`` step for step, including the momentum (or
Adam's β₁) they cycle opposite to the learning rate.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from nnlab.optim._scheduler_base import LRScheduler
from nnlab.optim.optimizer import Optimizer


def _per_group(value, optimizer: Optimizer, name: str) -> list[float]:
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"expected {len(optimizer.param_groups)} values for {name}, got {len(value)}")
        return [float(v) for v in value]
    return [float(value)] * len(optimizer.param_groups)


def _momentum_key(optimizer: Optimizer, scheduler: str) -> str:
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(f"{scheduler}: optimizer must support momentum or beta1 with `cycle_momentum` option enabled")


def _set_momentum(group: dict, key: str, value: float) -> None:
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class OneCycleLR(LRScheduler):
    """1cycle: lr rises from max_lr/div_factor to max_lr over ``pct_start`` of the steps, then anneals
    to max_lr/(div_factor·final_div_factor); momentum moves the opposite way (max → base → max).

    Annealing from a to b at fraction p: cos: b + (a − b)/2·(1 + cos πp); linear: a + (b − a)·p.

    Args:
        optimizer: the optimizer; ``step()`` once per batch.
        max_lr: peak rate (one per group or one for all).
        total_steps: steps in the cycle, or give ``epochs`` and ``steps_per_epoch``.
        pct_start: fraction of steps spent rising, default 0.3.
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        cycle_momentum: cycle momentum / β₁ between ``base_momentum`` (0.85) and ``max_momentum`` (0.95).
        div_factor: initial_lr = max_lr/div_factor, default 25.
        final_div_factor: min_lr = initial_lr/final_div_factor, default 1e4.
        three_phase: a symmetric rise and fall, then the final anneal (fast.ai's variant off).
    """

    def __init__(self, optimizer: Optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)")
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0:
            raise ValueError(f"OneCycleLR: expected positive total_steps, got {total_steps}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: expected float between 0 and 1 pct_start, got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.total_steps = int(total_steps)
        self.anneal_strategy = anneal_strategy
        if three_phase:
            ends = [float(pct_start * total_steps) - 1, float(2 * pct_start * total_steps) - 2, total_steps - 1]
            keys = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                    ("initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            ends = [float(pct_start * total_steps) - 1, total_steps - 1]
            keys = [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    ("max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._phases = [dict(end_step=e, start_lr=k[0], end_lr=k[1], start_momentum=k[2], end_momentum=k[3])
                        for e, k in zip(ends, keys)]
        max_lrs = _per_group(max_lr, optimizer, "max_lr")
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum = _momentum_key(optimizer, "OneCycleLR")
            if last_epoch == -1:
                for m, b, group in zip(_per_group(max_momentum, optimizer, "max_momentum"),
                                       _per_group(base_momentum, optimizer, "base_momentum"), optimizer.param_groups):
                    _set_momentum(group, self._momentum, m)
                    group["max_momentum"], group["base_momentum"] = m, b
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the total number of steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._phases):
                end = phase["end_step"]
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        m = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, self._momentum, m)
        return lrs


class CyclicLR(LRScheduler):
    """Cycles lr between ``base_lr`` and ``max_lr`` (triangular waves), momentum the opposite way.

    cycle = ⌊1 + i/(up + down)⌋, x = 1 + i/(up + down) − cycle; the wave rises over the first
    up/(up + down) of each cycle and falls over the rest; its height is scaled by
    ``scale_fn``: 1 (``"triangular"``), 1/2^(cycle−1) (``"triangular2"``), γ^i (``"exp_range"``).

    Args:
        optimizer: the optimizer; ``step()`` once per batch.
        base_lr, max_lr: the lower and upper rates (one per group or one for all).
        step_size_up: steps in the rising half, default 2000; step_size_down: falling half (default = up).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``; gamma: for exp_range.
        scale_fn: a custom height scale (then ``scale_mode`` says whether it takes the cycle or the step).
        cycle_momentum: cycle momentum / β₁ between base_momentum (0.8) and max_momentum (0.9).
    """

    _not_saved = ("_scale_fn_custom",)

    def __init__(self, optimizer: Optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum=0.8, max_momentum=0.9, last_epoch: int = -1):
        base_lrs = _per_group(base_lr, optimizer, "base_lr")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group(max_lr, optimizer, "max_lr")
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode is invalid ({mode!r}) and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum = _momentum_key(optimizer, "CyclicLR")
            self.base_momentums = _per_group(base_momentum, optimizer, "base_momentum")
            self.max_momentums = _per_group(max_momentum, optimizer, "max_momentum")
            if last_epoch == -1:
                for m, group in zip(self.max_momentums, optimizer.param_groups):
                    _set_momentum(group, self._momentum, m)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        arg = cycle if self.scale_mode == "cycle" else self.last_epoch
        base_lrs = getattr(self, "base_lrs", None) or [g["lr"] for g in self.optimizer.param_groups]
        lrs = [b + (m - b) * scale_factor * self.scale_fn(arg) for b, m in zip(base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, b, m in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, self._momentum, m - (m - b) * scale_factor * self.scale_fn(arg))
        return lrs
