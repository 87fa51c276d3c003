"""``nnlab.backends.cudnn``: the switches PyTorch programs set, kept as attributes (no cuDNN on the CPU)."""

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True


def is_available() -> bool:
    """False: nnlab runs on the CPU, without cuDNN."""
    return False


def version() -> None:
    return None
