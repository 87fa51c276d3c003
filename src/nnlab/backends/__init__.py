"""``nnlab.backends``: PyTorch's backend switches, accepted where a CPU library can honour them.

``backends.cudnn.benchmark = True`` / ``deterministic = True`` are plain attributes that
nnlab reads nowhere (there is no cuDNN); ``backends.mps.is_available()`` is False.
nnlab is deterministic on the CPU for a given seed and thread count.
"""

from nnlab.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
