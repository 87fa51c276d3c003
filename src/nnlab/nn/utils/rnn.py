"""``nnlab.nn.utils.rnn``: PyTorch's packing helpers (re-exported from :mod:`nnlab.nn.packed`)."""

from nnlab.nn.packed import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence"]
