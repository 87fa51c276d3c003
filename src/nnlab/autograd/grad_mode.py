"""Global switch for graph recording: ``no_grad()`` and ``enable_grad()``."""

from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether new operations record the graph needed for ``backward``."""
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    """Turn graph recording on or off globally (for this thread)."""
    _state.enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring the old one on exit."""

    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Record no graph inside: for evaluation, inference and in-place parameter updates."""

    mode = False


class enable_grad(_GradMode):
    """Record the graph inside, even within ``no_grad()``."""

    mode = True
