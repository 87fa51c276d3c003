"""``nnlab.accelerator``: PyTorch 2.6+'s device-agnostic accelerator queries, answered for the CPU.

``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``
picks ``"cpu"``: there is no accelerator.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: nnlab has no accelerator."""
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    """Nothing to wait for on the CPU."""
