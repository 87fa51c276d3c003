"""Learning-rate schedules, ``torch.optim.lr_scheduler``'s names and semantics, plus the seeds' forms.

Each scheduler is constructed after its optimizer (which sets epoch 0's rate) and
stepped once per epoch *after* ``optimizer.step()``::

    opt = SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(opt)
        sched.step()

PyTorch's chainable (recursive) forms are used, so schedules match it value for value.
The seeds' inverse-time and inverse-square-root decays are :class:`InverseTimeDecay`
and :class:`InverseSqrtDecay`; their "discrete staircase" is :class:`StepLR` and their
exponential decay α = 0.95^epoch·α₀ is :class:`ExponentialLR`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Callable, Sequence

from nnlab.optim._scheduler_base import LRScheduler
from nnlab.optim.optimizer import Optimizer
from nnlab.optim.plateau import ReduceLROnPlateau
from nnlab.optim.cyclic import CyclicLR, OneCycleLR


def _lrs(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


class LambdaLR(LRScheduler):
    """lr = base_lr · f(last_epoch), with f given per param group (or one f for all).

    Args:
        optimizer: the optimizer to schedule.
        lr_lambda: a function of the epoch index (0, 1, ...) returning a factor, or a
            list of such functions, one per param group.
        last_epoch: see :class:`LRScheduler`, default -1.

    ``state_dict`` leaves the functions out (they are code, not data).
    """

    _not_saved = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1):
        n = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        else:
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n:
                raise ValueError(f"{type(self).__name__}: expected {n} lr_lambdas, got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋ (the seeds' discrete staircase).

    Args:
        optimizer: the optimizer to schedule.
        step_size: epochs between decays (> 0).
        gamma: multiplicative factor per decay, default 0.1.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if int(step_size) <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self.optimizer)
        return [lr * self.gamma for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = base_lr · γ^(number of milestones ≤ epoch).

    Args:
        optimizer: the optimizer to schedule.
        milestones: epoch indices at which to decay (a repeated milestone decays twice).
        gamma: multiplicative factor per milestone, default 0.1.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1):
        # A sorted list (not a Counter keyed by int) keeps state_dict JSON round-trippable.
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        if hits == 0:
            return _lrs(self.optimizer)
        return [lr * self.gamma**hits for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** bisect_right(self.milestones, self.last_epoch) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch (the seeds' exponential decay, e.g. 0.95^epoch·α₀).

    Args:
        optimizer: the optimizer to schedule.
        gamma: multiplicative factor per epoch.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return _lrs(self.optimizer)
        return [lr * self.gamma for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (s + (e − s)·min(epoch, T)/T): linear warm-up (or decay) over T epochs.

    Args:
        optimizer: the optimizer to schedule.
        start_factor: s ∈ (0, 1], the factor at epoch 0, default 1/3.
        end_factor: e ∈ [0, 1], the factor from epoch T on, default 1.0.
        total_iters: T, default 5.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        s, e, total = self.start_factor, self.end_factor, self.total_iters
        if self.last_epoch == 0:
            return [lr * s for lr in _lrs(self.optimizer)]
        if self._is_initial or self.last_epoch > total:
            return _lrs(self.optimizer)
        ratio = 1.0 + (e - s) / (total * s + (self.last_epoch - 1) * (e - s))
        return [lr * ratio for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        s, e, total = self.start_factor, self.end_factor, self.total_iters
        return [base * (s + (e - s) * min(total, self.last_epoch) / total) for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch/T_max))/2, computed recursively as PyTorch.

    Past ``T_max`` the recursion climbs back up (a period of 2·T_max), as in PyTorch.

    Args:
        optimizer: the optimizer to schedule.
        T_max: half-period in epochs (> 0).
        eta_min: the lowest rate, default 0.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if int(T_max) <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _lrs(self.optimizer)
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, _lrs(self.optimizer))]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / T)) / 2 for base in self.base_lrs]


class InverseTimeDecay(LambdaLR):
    """α = α₀ / (1 + decay_rate · epoch_num), the seeds' learning-rate decay.

    ``epoch_num`` counts from 1, as in the seeds: it is the number of the epoch about
    to run, ``last_epoch + 1``. Construction therefore already sets epoch 1's rate.
    With α₀ = 0.2 and decay_rate = 1 the epochs run at 0.1, 0.0667, 0.05, 0.04, ...

    Args:
        optimizer: the optimizer to schedule (its lr is α₀).
        decay_rate: ≥ 0.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, decay_rate: float, last_epoch: int = -1):
        if decay_rate < 0:
            raise ValueError(f"InverseTimeDecay: decay_rate must be >= 0, got {decay_rate!r}")
        self.decay_rate = float(decay_rate)
        super().__init__(optimizer, self._factor, last_epoch)

    def _factor(self, epoch: int) -> float:
        return 1.0 / (1.0 + self.decay_rate * (epoch + 1))


class InverseSqrtDecay(LambdaLR):
    """α = k / √epoch_num · α₀, the seeds' square-root decay.

    ``epoch_num`` counts from 1 (``last_epoch + 1``), which keeps the first epoch away
    from a division by zero: with k = 1 the first epoch runs at α₀, the second at
    α₀/√2, the fourth at α₀/2.

    Args:
        optimizer: the optimizer to schedule (its lr is α₀).
        k: the constant, > 0, default 1.0.
        last_epoch: see :class:`LRScheduler`, default -1.
    """

    def __init__(self, optimizer: Optimizer, k: float = 1.0, last_epoch: int = -1):
        if k <= 0:
            raise ValueError(f"InverseSqrtDecay: k must be > 0, got {k!r}")
        self.k = float(k)
        super().__init__(optimizer, self._factor, last_epoch)

    def _factor(self, epoch: int) -> float:
        return self.k / math.sqrt(epoch + 1)


__all__ = [
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "LinearLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
    "InverseTimeDecay",
    "InverseSqrtDecay",
    "OneCycleLR",
    "CyclicLR",
]
