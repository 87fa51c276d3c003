"""``nnlab.backends.mps``: no Apple GPU backend (nnlab runs on the CPU)."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
