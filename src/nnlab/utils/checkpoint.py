"""``nnlab.utils.checkpoint``: the counterpart of ``torch.utils.checkpoint`` (re-exported from autograd)."""

from nnlab.autograd.checkpoint import checkpoint, checkpoint_sequential

__all__ = ["checkpoint", "checkpoint_sequential"]
