"""``nnlab.utils``: the counterpart of ``torch.utils`` — ``utils.data`` and ``utils.checkpoint``.

Thin re-export modules: the data pipeline lives in :mod:`nnlab.data`.
"""

from nnlab.utils import checkpoint, data

__all__ = ["data", "checkpoint"]
