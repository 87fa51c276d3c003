"""``nnlab.profile()``: where the time goes, per op (forward and backward) and per module.

Usage, as with ``torch.profiler``::

    with nnlab.profile() as prof:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    print(prof.table(sort_by="total", top=20))

Every ``Function`` call is one *forward* event named after the Function (``ConvNd``),
every backward of a recorded node one *backward* event (``ConvNdBackward``), and every
``Module`` call one *module* event named by its place in the model (``layer1.0.conv1
(Conv2d)``; the outermost module called is named by its class). Each event gets its
call count, its *total* time (inclusive) and its *self* time (without the events nested
inside it — for a module, the Python glue between its ops and sub-modules).

Zero cost when off: while a profile is active, ``Function.apply`` and ``Module.__call__``
are replaced by timed versions and the engine is given a backward hook; on exit the
originals are put back, so code outside a profile runs exactly the unprofiled path
(the engine reads its hook once per ``backward()`` call, not per node).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from nnlab.autograd import engine
from nnlab.autograd.function import Function
from nnlab.nn.module import Module

_SORT_KEYS = {
    "total": lambda e: -e.total_s,
    "self": lambda e: -e.self_s,
    "calls": lambda e: -e.calls,
    "avg": lambda e: -e.avg_s,
    "name": lambda e: (e.name, e.kind),
}


@dataclass
class ProfileEvent:
    """Aggregated timings of one op direction or one module.

    Attributes:
        name: the Function's name (``"Linear"``, ``"LinearBackward"``) or the module's
            path and class (``"fc1 (Linear)"``).
        kind: ``"forward"``, ``"backward"`` or ``"module"``.
        calls: how many times it ran.
        total_s: seconds inside it, nested events included.
        self_s: seconds inside it, nested events excluded.
    """

    name: str
    kind: str
    calls: int = 0
    total_s: float = 0.0
    self_s: float = 0.0

    @property
    def avg_s(self) -> float:
        return self.total_s / self.calls if self.calls else 0.0


class profile:
    """Context manager that times every op (forward and backward) and every module call inside it.

    Attributes:
        wall_s: seconds between entering and leaving the context.

    Only one profile can be active at a time (entering a second raises ``RuntimeError``).
    Calls from other threads during the profile are counted too.
    """

    _active: "profile | None" = None

    def __init__(self) -> None:
        self._events: dict[tuple[str, str], ProfileEvent] = {}
        self._stack: list[float] = []  # time spent in nested events, one slot per open event
        self._module_names: dict[int, tuple[Module, str]] = {}
        self._module_stack: list[tuple[Module, str]] = []
        self._backward_names: dict[type, str] = {}
        self._saved: tuple | None = None
        self._t0 = 0.0
        self.wall_s = 0.0

    # ---- installing and removing the timed entry points ---------------------------------------
    def __enter__(self) -> "profile":
        if profile._active is not None:
            raise RuntimeError("profile: another nnlab.profile() is already active; nest the code, not the profiles")
        profile._active = self
        original_apply = Function.__dict__["apply"].__func__
        original_call = Module.__dict__["__call__"]
        self._saved = (Function.__dict__["apply"], original_call, engine.backward_hook)

        def apply(cls, *args: Any, **kwargs: Any):
            return self._timed("forward", cls.__name__, original_apply, cls, *args, **kwargs)

        def call(module: Module, *args: Any, **kwargs: Any):
            name = self._module_name(module)
            self._module_stack.append((module, name))
            try:
                return self._timed("module", name, original_call, module, *args, **kwargs)
            finally:
                self._module_stack.pop()

        def run_backward(node, grad):
            fn = node._fn
            name = self._backward_names.get(fn)
            if name is None:
                name = self._backward_names[fn] = fn.__name__ + "Backward"
            return self._timed("backward", name, fn.backward, node, grad)

        Function.apply = classmethod(apply)
        Module.__call__ = call
        engine.backward_hook = run_backward
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.wall_s += time.perf_counter() - self._t0
        saved_apply, saved_call, saved_hook = self._saved
        Function.apply = saved_apply
        Module.__call__ = saved_call
        engine.backward_hook = saved_hook
        profile._active = None
        return False

    def _timed(self, kind: str, name: str, fn, *args: Any, **kwargs: Any):
        stack = self._stack
        stack.append(0.0)
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            dt = time.perf_counter() - t0
            nested = stack.pop()
            if stack:
                stack[-1] += dt
            event = self._events.get((kind, name))
            if event is None:
                event = self._events[(kind, name)] = ProfileEvent(name, kind)
            event.calls += 1
            event.total_s += dt
            event.self_s += dt - nested

    def _module_name(self, module: Module) -> str:
        """``path (Class)`` from the attribute names linking it to the module that called it."""
        known = self._module_names.get(id(module))
        if known is not None:
            return known[1]
        cls = type(module).__name__
        name = cls
        if self._module_stack:
            parent, parent_name = self._module_stack[-1]
            attr = next((k for k, v in parent._modules.items() if v is module), None)
            if attr is not None:
                prefix = parent_name.rsplit(" (", 1)[0] if " (" in parent_name else ""
                name = f"{prefix}.{attr}" if prefix else attr
                name = f"{name} ({cls})"
        # keep the module alive so that its id cannot be reused by another module during the profile
        self._module_names[id(module)] = (module, name)
        return name

    # ---- results -------------------------------------------------------------------------
    def key_averages(self, sort_by: str = "total", kind: str | None = None) -> list[ProfileEvent]:
        """The events, sorted (``"total"``, ``"self"``, ``"calls"``, ``"avg"`` or ``"name"``), optionally of one kind."""
        if sort_by not in _SORT_KEYS:
            raise ValueError(f"profile: sort_by must be one of {sorted(_SORT_KEYS)}, got {sort_by!r}")
        if kind not in (None, "forward", "backward", "module"):
            raise ValueError(f"profile: kind must be 'forward', 'backward', 'module' or None, got {kind!r}")
        events = [e for e in self._events.values() if kind is None or e.kind == kind]
        return sorted(events, key=_SORT_KEYS[sort_by])

    def table(self, sort_by: str = "total", top: int | None = 20, kind: str | None = None) -> str:
        """The ``top`` events as an aligned text table, like ``torch.profiler``'s ``key_averages().table()``.

        Args:
            sort_by: ``"total"`` (default), ``"self"``, ``"calls"``, ``"avg"`` or ``"name"``.
            top: how many rows (default 20; ``None`` for all).
            kind: only ``"forward"``, ``"backward"`` or ``"module"`` events (default: all).
        """
        events = self.key_averages(sort_by, kind)
        shown = events if top is None else events[:top]
        wall = self.wall_s or sum(e.self_s for e in events) or 1.0
        width = max([len("Name")] + [len(e.name) for e in shown])
        head = f"{'Name':<{width}}  {'Kind':<8}  {'Calls':>7}  {'Total ms':>10}  {'Self ms':>10}  {'Avg us':>10}  {'% wall':>7}"
        lines = [head, "-" * len(head)]
        for e in shown:
            lines.append(
                f"{e.name:<{width}}  {e.kind:<8}  {e.calls:>7d}  {e.total_s * 1e3:>10.3f}  {e.self_s * 1e3:>10.3f}  "
                f"{e.avg_s * 1e6:>10.1f}  {100 * e.total_s / wall:>6.1f}%"
            )
        if len(shown) < len(events):
            lines.append(f"... {len(events) - len(shown)} more rows (table(top=None) shows all)")
        lines.append(f"Wall time in the profile: {self.wall_s * 1e3:.3f} ms")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<nnlab.profile: {len(self._events)} events, {self.wall_s * 1e3:.3f} ms>"
