"""Global switch for graph recording: ``no_grad()``, ``enable_grad()``, ``set_grad_enabled(mode)``."""

from __future__ import annotations

import functools
import threading
from typing import Callable

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether new operations record the graph needed for ``backward``."""
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring the old one on exit.

    Works as ``with no_grad():``, ``@no_grad()`` and bare ``@no_grad``, as in PyTorch.
    """

    mode = True

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}: expected a function to decorate, got {type(orig_func).__name__}")
        return cls()(orig_func)

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn: Callable) -> Callable:
        cls = self.__class__

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with cls():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Record no graph inside: for evaluation, inference and in-place parameter updates."""

    mode = False


class enable_grad(_GradMode):
    """Record the graph inside, even within ``no_grad()``."""

    mode = True


class set_grad_enabled:
    """Turn graph recording on or off: at once when called, and back on exit when used with ``with``.

    Args:
        mode: True to record the graph, False not to.

    ``set_grad_enabled(False)`` switches recording off for this thread until switched
    back; ``with set_grad_enabled(is_train): ...`` restores the previous mode on exit,
    as in PyTorch.
    """

    def __init__(self, mode: bool):
        self._prev = is_grad_enabled()
        _set(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False
