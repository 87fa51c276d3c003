"""One seeded :class:`numpy.random.Generator` behind every random choice in nnlab.

Initializers, dropout masks, noise and data shuffling all draw from
:func:`default_generator` unless given their own generator, so
``nnlab.manual_seed(s)`` makes a whole run repeatable, bit for bit.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the global generator to ``seed`` and return it."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
    # Reseed in place so that code holding the generator sees the reset too.
    _generator.bit_generator.state = np.random.PCG64(int(seed)).state
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator that :func:`manual_seed` resets."""
    return _generator


def new_generator(seed: int | None = None) -> np.random.Generator:
    """A fresh, independent generator (seeded from the global one when ``seed`` is None)."""
    if seed is None:
        seed = int(_generator.integers(0, 2**63 - 1))
    return np.random.default_rng(seed)


def get_rng_state() -> dict:
    """The global generator's state as a JSON-serializable dict."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore the global generator from :func:`get_rng_state`'s dict."""
    if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
        got = state.get("bit_generator") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"set_rng_state: expected a PCG64 state, got {got!r}")
    # Try it on a scratch generator first, so that a bad state leaves the global one as it was.
    try:
        np.random.PCG64().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ValueError(f"set_rng_state: not a valid PCG64 state ({type(exc).__name__}: {exc})") from None
    _generator.bit_generator.state = state
