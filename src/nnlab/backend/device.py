"""Devices: nnlab runs on the CPU, and says so in one sentence when asked for anything else.

PyTorch programs name devices everywhere (``torch.device("cuda" if ... else "cpu")``,
``zeros(..., device=device)``, ``model.to(device)``). ``check_device`` is the one place
that accepts ``"cpu"``, ``"cpu:0"``, ``nnlab.device("cpu")`` or ``None`` and refuses
CUDA/MPS/any other device with the same sentence, naming the op that was asked.
"""

from __future__ import annotations

from typing import Any

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "hpu", "mtia", "privateuseone")


def _cpu_only(op: str, what: Any) -> RuntimeError:
    return RuntimeError(
        f"{op}: nnlab runs on the CPU only, got device {str(what)!r}; "
        "use 'cpu' (nnlab.cuda.is_available() is False)"
    )


class device:  # noqa: N801 - PyTorch's name
    """A device description, ``device("cpu")`` or ``device("cpu", 0)``; equal to the string ``"cpu"``.

    Args:
        type: ``"cpu"`` (or ``"cpu:0"``); other device types can be described (so that
            ``device("cuda")`` in a program does not fail at import) but no tensor can
            be placed on them.
        index: the device index, or None.

    Attributes:
        type: the device type string.
        index: the index, or None.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device", index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError(f"device: expected one of {list(_KNOWN)} device type at start of device string: {type!r}")
        if idx:
            if index is not None:
                raise RuntimeError(f"device: index given twice in {type!r} and index={index}")
            index = int(idx)
        self.type = name
        self.index = None if index is None else int(index)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash(self.type)

    def __enter__(self) -> "device":
        check_device(self, "with device")
        return self

    def __exit__(self, *exc) -> bool:
        return False


CPU = device("cpu")


def is_device_spec(value: Any) -> bool:
    """Whether ``value`` names a device (a ``device`` or a string such as ``"cpu"``/``"cuda:0"``)."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in _KNOWN


def check_device(value: Any, op: str) -> device:
    """Accept ``None``, ``"cpu"``, ``"cpu:N"`` or ``device("cpu")``; refuse any other device in one sentence.

    Args:
        value: the ``device=`` argument received.
        op: the name of the op, for the error.

    Returns:
        ``device("cpu")``.

    Raises:
        RuntimeError: for ``"cuda"``, ``"mps"`` or any non-CPU device.
        TypeError: for something that is not a device at all.
    """
    if value is None:
        return CPU
    if isinstance(value, int) and not isinstance(value, bool):  # torch: an int is a CUDA ordinal
        raise _cpu_only(op, f"cuda:{value}")
    if not is_device_spec(value):
        raise TypeError(f"{op}: device must be 'cpu' or nnlab.device('cpu'), got {value!r}")
    d = device(value)
    if d.type != "cpu":
        raise _cpu_only(op, d)
    return CPU


def set_default_device(value: Any) -> None:
    """PyTorch's ``set_default_device``: only the CPU (or None) is accepted, since it is the only device."""
    check_device(value, "set_default_device")


def get_default_device() -> device:
    """The device new tensors are made on: always ``device("cpu")``."""
    return CPU
