"""``nnlab.cuda``: PyTorch's ``torch.cuda`` answers for a CPU-only library.

``is_available()`` is False and ``device_count()`` 0, so the usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU; seeding
calls are accepted (there is nothing to seed); anything that needs a GPU says in one
sentence that nnlab runs on the CPU.
"""

from __future__ import annotations

from nnlab.backend import check_device


def is_available() -> bool:
    """False: nnlab runs on the CPU only."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as PyTorch does without a GPU (seed the CPU with ``nnlab.manual_seed``)."""


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Nothing runs asynchronously on the CPU: returns at once."""


def empty_cache() -> None:
    """No GPU cache to free: does nothing."""


def current_device() -> int:
    check_device("cuda", "cuda.current_device")
    return 0  # pragma: no cover - check_device raises


def set_device(device) -> None:
    check_device(device if not isinstance(device, int) else f"cuda:{device}", "cuda.set_device")


def get_device_name(device=None) -> str:
    check_device("cuda", "cuda.get_device_name")
    return ""  # pragma: no cover - check_device raises
