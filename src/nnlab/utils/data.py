"""``nnlab.utils.data``: the counterpart of ``torch.utils.data`` (re-exported from :mod:`nnlab.data`)."""

from nnlab.data import *  # noqa: F401,F403
from nnlab.data import __all__  # noqa: F401
