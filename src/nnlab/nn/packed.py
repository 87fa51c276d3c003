"""``PackedSequence`` and PyTorch's packing functions, for recurrent layers over variable lengths.

nnlab's recurrent layers take a padded batch plus ``lengths`` and mask the padded steps
(``nn/recurrent.py``). A ``PackedSequence`` here is that pair — the padded batch and the
lengths — wrapped so that PyTorch's idiom runs unchanged::

    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, h = rnn(packed)
    out, out_lengths = pad_packed_sequence(out, batch_first=True)

``packed.data`` gives PyTorch's packed layout (the valid steps, time-major, longest
sequence first at each step), so code that reads it sees the same rows as in PyTorch.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.nn.padding import pad_sequences


class PackedSequence:
    """A padded batch with the true length of each sequence (see the module docstring).

    Attributes:
        padded: the batch, (N, L, *) when ``batch_first`` else (L, N, *).
        lengths: int64 array of N lengths.
        batch_first: the layout of ``padded``.
    """

    def __init__(self, padded: Tensor, lengths, batch_first: bool = False):
        self.padded = padded
        self.lengths = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths, dtype=np.int64)
        self.batch_first = bool(batch_first)

    @property
    def batch_sizes(self) -> Tensor:
        """How many sequences are still running at each step (PyTorch's ``batch_sizes``)."""
        steps = int(self.lengths.max()) if self.lengths.size else 0
        return from_numpy(np.array([(self.lengths > t).sum() for t in range(steps)], dtype=np.int64))

    @property
    def sorted_indices(self) -> Tensor:
        return from_numpy(np.argsort(-self.lengths, kind="stable").astype(np.int64))

    @property
    def data(self) -> Tensor:
        """The valid steps stacked time-major, longer sequences first: PyTorch's packed rows."""
        x = self.padded if not self.batch_first else self.padded.transpose(0, 1)
        order = self.sorted_indices.array
        rows = [(t, int(n)) for t in range(int(self.lengths.max())) for n in order if self.lengths[n] > t]
        t_idx = np.array([r[0] for r in rows], dtype=np.int64)
        n_idx = np.array([r[1] for r in rows], dtype=np.int64)
        return x[from_numpy(t_idx), from_numpy(n_idx)]

    def __iter__(self):
        return iter((self.data, self.batch_sizes))

    def __repr__(self) -> str:
        return f"PackedSequence(padded shape {self.padded.shape}, lengths={self.lengths.tolist()})"


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pair a padded batch with its lengths (``enforce_sorted=True`` checks they decrease, as PyTorch)."""
    lens = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths, dtype=np.int64)
    if enforce_sorted and np.any(np.diff(lens) > 0):
        raise RuntimeError(
            f"pack_padded_sequence: lengths must be sorted in decreasing order when enforce_sorted=True, "
            f"got {lens.tolist()}; pass enforce_sorted=False"
        )
    steps = input.shape[1] if batch_first else input.shape[0]
    if lens.size and (lens.min() < 1 or lens.max() > steps):
        raise RuntimeError(f"pack_padded_sequence: lengths must lie in [1, {steps}], got {lens.tolist()}")
    return PackedSequence(input, lens, batch_first)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Back to ``(padded, lengths)``; steps past each length hold ``padding_value``."""
    x = sequence.padded
    if sequence.batch_first != batch_first:
        x = x.transpose(0, 1)
    steps = x.shape[1] if batch_first else x.shape[0]
    longest = int(sequence.lengths.max())
    keep = longest if total_length is None else int(total_length)
    if keep < longest:
        raise ValueError(f"pad_packed_sequence: total_length={keep} is shorter than the longest sequence ({longest})")
    if keep != steps:
        from nnlab.ops.movement import pad as pad_fn

        if keep < steps:
            x = x[:, :keep] if batch_first else x[:keep]
        else:
            # F.pad's pairs start from the last dim: the trailing dims, then (batch-first) time
            widths = [0, 0] * (x.ndim - 2) + ([0, keep - steps] if batch_first else [0, 0, 0, keep - steps])
            x = pad_fn(x, widths)
    t = np.arange(keep)
    valid = t[None, :] < sequence.lengths[:, None]  # (N, L)
    if not batch_first:
        valid = valid.T
    mask = from_numpy(valid.reshape(valid.shape + (1,) * (x.ndim - 2)))
    x = x.masked_fill(~mask, padding_value)
    return x, from_numpy(sequence.lengths.copy())


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_n, *) into (L, N, *) (or (N, L, *)) padded with ``padding_value``."""
    if any(isinstance(s, Tensor) and s.requires_grad for s in sequences):
        from nnlab.ops.movement import pad as pad_fn, stack

        longest = max(s.shape[0] for s in sequences)
        rows = []
        for s in sequences:
            extra = longest - s.shape[0]
            widths = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
            rows.append(pad_fn(s, widths, value=padding_value))
        out = stack(rows, 0)
        return out if batch_first else out.transpose(0, 1)
    padded, _ = pad_sequences(list(sequences), pad_index=padding_value, batch_first=batch_first,
                              padding="post" if padding_side == "right" else "pre")
    return padded


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
