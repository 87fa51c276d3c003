"""Search spaces: the distributions a hyperparameter is drawn from, as the seeds sample them.

- :class:`Uniform` — α ~ U(low, high).
- :class:`LogUniform` — the seeds' ``r = -4 * np.random.rand(); α = 10**r``: r ~ U(log10 low,
  log10 high), α = 10^r, so each decade gets the same number of draws.
- :class:`IntRange` — an integer in [low, high] (optionally on a log scale: hidden units, layers).
- :class:`Choice` — one of a list (optimizer name, activation).
- :class:`OneMinusLog` — β for exponentially weighted averages, sampled on 1 − β's log scale:
  r ~ U(log10(1 − high), log10(1 − low)), β = 1 − 10^r, so 0.9 → 0.99 gets as many draws as
  0.99 → 0.999 (where the average's window 1/(1 − β) changes fastest).

Every space can draw a value (``sample(rng)``), give an evenly spaced grid on its own scale
(``grid(k)``), zoom around the best values (``narrow(values, margin)``) and hand itself to
Optuna (``suggest(trial, name)``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np


def _check_range(name: str, low: float, high: float) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"search space {name!r}: range must be finite, got [{low}, {high}]")
    if low >= high:
        raise ValueError(f"search space {name!r}: empty or inverted range [{low}, {high}] (need low < high)")


class Space(ABC):
    """A hyperparameter's distribution: draw, grid, narrow, and hand to Optuna."""

    name: str = ""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn from the distribution."""

    @abstractmethod
    def grid(self, k: int) -> list:
        """``k`` values evenly spaced on the space's own scale (all options for a Choice)."""

    @abstractmethod
    def narrow(self, values: Sequence[Any], margin: float = 0.25) -> "Space":
        """A smaller space around ``values`` (coarse-to-fine)."""

    @abstractmethod
    def suggest(self, trial, name: str) -> Any:
        """The value an Optuna trial suggests for this space."""


@dataclass
class _Scaled(Space):
    """A continuous range searched uniformly on a transformed scale t = to(α)."""

    low: float
    high: float
    name: str = ""

    def __post_init__(self) -> None:
        self.low, self.high = float(self.low), float(self.high)
        _check_range(self.name or type(self).__name__, self.low, self.high)

    def _to(self, v: float) -> float:
        return v

    def _from(self, t: float) -> float:
        return t

    def _bounds(self) -> tuple[float, float]:
        a, b = self._to(self.low), self._to(self.high)
        return min(a, b), max(a, b)

    def sample(self, rng: np.random.Generator) -> float:
        a, b = self._bounds()
        return float(self._from(a + (b - a) * rng.random()))

    def grid(self, k: int) -> list[float]:
        if k < 1:
            raise ValueError(f"search space {self.name!r}: grid needs k >= 1 points, got {k}")
        a, b = self._bounds()
        ts = [(a + b) / 2] if k == 1 else list(np.linspace(a, b, k))
        return sorted(float(self._from(t)) for t in ts)

    def narrow(self, values: Sequence[float], margin: float = 0.25) -> "_Scaled":
        """The sub-range spanning ``values`` on this scale, widened by ``margin`` of the old width each side."""
        if len(values) == 0:
            raise ValueError(f"search space {self.name!r}: narrow needs at least one value")
        a, b = self._bounds()
        ts = [self._to(float(v)) for v in values]
        pad = margin * (b - a)
        lo_t, hi_t = max(a, min(ts) - pad), min(b, max(ts) + pad)
        lo, hi = sorted((self._from(lo_t), self._from(hi_t)))
        return type(self)(lo, hi, self.name)


class Uniform(_Scaled):
    """α ~ U(low, high)."""

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high)


class LogUniform(_Scaled):
    """α = 10^r with r ~ U(log10 low, log10 high) — the seeds' learning-rate sampling."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.low <= 0:
            raise ValueError(f"search space {self.name or 'LogUniform'!r}: a log range must be > 0, "
                             f"got [{self.low}, {self.high}]")

    def _to(self, v: float) -> float:
        return math.log10(v)

    def _from(self, t: float) -> float:
        return 10.0 ** t

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high, log=True)


class OneMinusLog(_Scaled):
    """β = 1 − 10^r with r ~ U(log10(1 − high), log10(1 − low)) — the seeds' sampling of β."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (0 <= self.low and self.high < 1):
            raise ValueError(f"search space {self.name or 'OneMinusLog'!r}: β must lie in [0, 1), "
                             f"got [{self.low}, {self.high}]")

    def _to(self, v: float) -> float:
        return math.log10(1.0 - v)

    def _from(self, t: float) -> float:
        return 1.0 - 10.0 ** t

    def suggest(self, trial, name: str) -> float:
        # Optuna has no 1 − β scale: search γ = 1 − β on a log scale and map back.
        return 1.0 - trial.suggest_float(name + "__one_minus", 1.0 - self.high, 1.0 - self.low, log=True)


@dataclass
class IntRange(Space):
    """An integer n in [low, high]; ``log=True`` spaces it on a log scale (layer widths)."""

    low: int
    high: int
    log: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        self.low, self.high = int(self.low), int(self.high)
        _check_range(self.name or "IntRange", self.low, self.high)
        if self.log and self.low <= 0:
            raise ValueError(f"search space {self.name or 'IntRange'!r}: a log range must be > 0, "
                             f"got [{self.low}, {self.high}]")

    def sample(self, rng: np.random.Generator) -> int:
        if not self.log:
            return int(rng.integers(self.low, self.high + 1))
        return int(min(self.high, max(self.low, round(LogUniform(self.low, self.high).sample(rng)))))

    def grid(self, k: int) -> list[int]:
        return sorted({int(round(v)) for v in (LogUniform if self.log else Uniform)(self.low, self.high).grid(k)})

    def narrow(self, values: Sequence[int], margin: float = 0.25) -> "IntRange":
        inner = (LogUniform if self.log else Uniform)(self.low, self.high, self.name).narrow(values, margin)
        lo, hi = int(math.floor(inner.low)), int(math.ceil(inner.high))
        return IntRange(lo, max(hi, lo + 1), self.log, self.name)

    def suggest(self, trial, name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, log=self.log)


@dataclass
class Choice(Space):
    """One of ``options`` with equal probability."""

    options: Sequence[Any]
    name: str = ""

    def __post_init__(self) -> None:
        self.options = list(self.options)
        if not self.options:
            raise ValueError(f"search space {self.name or 'Choice'!r}: no options to choose from")

    def sample(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]

    def grid(self, k: int) -> list:
        return list(self.options)

    def narrow(self, values: Sequence[Any], margin: float = 0.25) -> "Choice":
        keep = [o for o in self.options if o in list(values)]
        return Choice(keep or self.options, self.name)

    def suggest(self, trial, name: str) -> Any:
        return trial.suggest_categorical(name, self.options)


KINDS = {"uniform": Uniform, "log": LogUniform, "loguniform": LogUniform, "int": IntRange, "choice": Choice,
         "beta": OneMinusLog}


def space_from_spec(name: str, spec: Any) -> Space:
    """A :class:`Space` from a spec: a Space, ``("log", 1e-4, 1)``, ``("choice", ["sgd", "adam"])``, ...

    Raises:
        ValueError: for an unknown kind, naming the parameter and the known kinds.
    """
    if isinstance(spec, Space):
        if not spec.name:
            spec.name = name
        return spec
    if not isinstance(spec, (tuple, list)) or not spec:
        raise ValueError(f"search space {name!r}: expected a Space or (kind, ...), got {spec!r}")
    kind, *args = spec
    if kind not in KINDS:
        raise ValueError(f"search space {name!r}: unknown parameter type {kind!r}; "
                         f"choose one of {', '.join(sorted(KINDS))}")
    if kind == "choice":
        return Choice(args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args, name)
    if len(args) != 2:
        raise ValueError(f"search space {name!r}: {kind} needs (low, high), got {tuple(args)}")
    if kind == "int":
        return IntRange(args[0], args[1], name=name)
    return KINDS[kind](args[0], args[1], name)


def make_space(spec: Mapping[str, Any]) -> dict[str, Space]:
    """``{name: Space}`` from ``{name: Space | (kind, ...)}`` (see :func:`space_from_spec`)."""
    if not spec:
        raise ValueError("search space: no hyperparameters given")
    return {name: space_from_spec(name, s) for name, s in spec.items()}


def parse_space(text: str) -> tuple[str, Space]:
    """Parse a command-line spec ``name=kind:low:high`` or ``name=choice:a,b,c`` (``nnlab tune --param``)."""
    if "=" not in text or ":" not in text:
        raise ValueError(f"--param {text!r}: expected name=kind:low:high or name=choice:a,b")
    name, rest = text.split("=", 1)
    kind, _, args = rest.partition(":")
    if kind == "choice":
        return name, space_from_spec(name, ("choice", [_num(a) for a in args.split(",") if a]))
    parts = args.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"--param {text!r}: {name} bounds must be numbers, got {parts}") from None
    return name, space_from_spec(name, (kind, *values))


def _num(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text
