"""Recording one forward pass: every ``Function.apply`` call, in order, with its arguments and output.

nnlab's primitives all run through :meth:`Function.apply`, so one forward pass of any
model is the list of the primitives it applied. :class:`Tracer` swaps ``Function.apply``
for a recording wrapper for the duration of a ``with`` block (nothing in the autograd
engine changes, and nothing is recorded outside the block), and keeps a stack of the
modules running so that an op without an ONNX counterpart can be reported with the
layer it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnlab.autograd.function import Function
from nnlab.nn.module import Module

__all__ = ["Record", "Tracer"]


@dataclass
class Record:
    """One primitive call: ``fn.apply(*args, **kwargs) -> out``, inside the module ``where``."""

    fn: type
    args: tuple
    kwargs: dict
    out: Any
    where: str = ""
    out2_shape: tuple = ()  # the output's shape in the second trace (set by the exporter)


@dataclass
class Tracer:
    """``with Tracer(model) as t: model(*inputs)`` fills ``t.records``; one tracer at a time."""

    model: Module | None = None
    records: list[Record] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stack: list[str] = []
        self._handles: list = []
        self._saved_apply = None

    def _where(self) -> str:
        return self._stack[-1] if self._stack else ""

    def __enter__(self) -> "Tracer":
        if "apply" in Function.__dict__ and getattr(Function.__dict__["apply"], "__func__", None) is _traced_apply:
            raise RuntimeError("onnx.export: a trace is already running (exports do not nest)")
        if self.model is not None:
            for name, module in self.model.named_modules():
                label = f"{name or '<model>'} ({type(module).__name__})"
                self._handles.append(module.register_forward_pre_hook(self._push(label)))
                self._handles.append(module.register_forward_hook(self._pop))
        self._saved_apply = Function.__dict__["apply"]
        global _active
        _active = self
        Function.apply = classmethod(_traced_apply)
        return self

    def __exit__(self, *exc) -> bool:
        global _active
        Function.apply = self._saved_apply
        _active = None
        for h in self._handles:
            h.remove()
        self._handles.clear()
        return False

    def _push(self, label: str):
        def hook(module, args):
            self._stack.append(label)

        return hook

    def _pop(self, module, args, output):
        if self._stack:
            self._stack.pop()


_active: Tracer | None = None


def _traced_apply(cls, *args: Any, **kwargs: Any):
    """``Function.apply`` while a :class:`Tracer` runs: the real call, then a :class:`Record` of it."""
    out = _active._saved_apply.__func__(cls, *args, **kwargs)
    _active.records.append(Record(cls, args, kwargs, out, _active._where()))
    return out
