"""Padding variable-length sequences into one batch array (and their lengths).

Used by the text tools (``nnlab.text.pad_sequences`` is this function) and by the
synthetic sequence tasks in ``nnlab.data.datasets.seq_tasks``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy

__all__ = ["pad_sequences"]


def _as_array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def pad_sequences(seqs: Sequence[Any], pad_index: int | float = 0, max_len: int | None = None,
                  batch_first: bool = True, padding: str = "post") -> tuple[Tensor, Tensor]:
    """out[n, :len_n] = seqs[n] (truncated to ``max_len``), the rest filled with ``pad_index``.

    Args:
        seqs: N sequences, each a list / array / Tensor of shape (L_n, *) with the same
            trailing shape *; integer sequences give int64, floating ones keep their dtype.
        pad_index: the fill value. Default: 0.
        max_len: the padded length L; longer sequences are cut to their first ``max_len``
            items. Default: None (the longest sequence's length).
        batch_first: (N, L, *) when True, (L, N, *) when False. Default: True.
        padding: ``'post'`` pads after each sequence, ``'pre'`` before it. Default: ``'post'``.

    Returns:
        ``(padded, lengths)``: the padded batch and the int64 lengths (after truncation), (N,).
    """
    if padding not in ("post", "pre"):
        raise ValueError(f"pad_sequences: padding must be 'post' or 'pre', got {padding!r}")
    if len(seqs) == 0:
        raise ValueError("pad_sequences: got no sequences")
    arrays = [_as_array(s) for s in seqs]
    trailing = {a.shape[1:] for a in arrays}
    if any(a.ndim == 0 for a in arrays) or len(trailing) != 1:
        raise ValueError(f"pad_sequences: every sequence needs shape (L_n, *) with one trailing shape, "
                         f"got shapes {sorted({a.shape for a in arrays})}")
    kinds = {a.dtype.kind for a in arrays if a.size}
    if kinds and kinds <= {"i", "u", "b"}:
        dtype = np.dtype(np.int64)
    else:
        dtype = np.result_type(*[a.dtype for a in arrays if a.size]) if kinds else np.dtype(np.int64)
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    if max_len is not None:
        if max_len < 0:
            raise ValueError(f"pad_sequences: max_len must be >= 0, got {max_len}")
        lengths = np.minimum(lengths, max_len)
    L = int(lengths.max()) if max_len is None else int(max_len)
    out = np.full((len(arrays), L, *next(iter(trailing))), pad_index, dtype=dtype)
    for n, (a, k) in enumerate(zip(arrays, lengths)):
        if padding == "post":
            out[n, :k] = a[:k]
        elif k:
            out[n, L - k:] = a[:k]
    if not batch_first:
        out = np.ascontiguousarray(np.swapaxes(out, 0, 1))
    return from_numpy(out), from_numpy(lengths)
