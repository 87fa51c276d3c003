"""``RemovableHandle``: what hook registration returns, to take the hook off again."""

from __future__ import annotations

import itertools
import weakref

_next_id = itertools.count()


class RemovableHandle:
    """Removes one registered hook from the dict it lives in; usable as a context manager.

    ``handle.remove()`` is idempotent. The dict is held weakly so that a forgotten handle
    does not keep a module's hooks alive.
    """

    def __init__(self, hooks: dict):
        self.id = next(_next_id)
        self._hooks_ref = weakref.ref(hooks)

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> bool:
        self.remove()
        return False

    def __repr__(self) -> str:
        return f"RemovableHandle(id={self.id})"
