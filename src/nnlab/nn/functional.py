"""``nnlab.nn.functional``: the counterpart of ``import torch.nn.functional as F``.

A thin re-export of :mod:`nnlab.functional` (the one implementation), so that
``import nnlab.nn.functional as F`` and ``import nnlab.functional as F`` are the same API.
"""

from nnlab.functional import *  # noqa: F401,F403
from nnlab.functional import __all__  # noqa: F401
