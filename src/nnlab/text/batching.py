"""Padding and batching of sequences: ``pad_sequences`` for variable lengths, ``batchify`` / ``LMBatcher``
for language modelling on one long stream of token indices.

``batchify`` follows the PyTorch word-language-model example: the stream is cut into N
equal columns, so consecutive chunks of the same column continue each other and a
recurrent model can carry its hidden state from one chunk to the next (truncated BPTT).
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor

__all__ = ["pad_sequences", "batchify", "get_batch", "LMBatcher"]


def _as_array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


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
    return Tensor._wrap(out), Tensor._wrap(lengths)


def batchify(stream: Any, batch_size: int) -> np.ndarray:
    """Cut a 1-d stream into ``batch_size`` columns: out[t, n] = stream[n·T + t], T = len // N.

    The tail that does not fill a whole row is dropped, as in PyTorch's word-LM example.

    Args:
        stream: token indices, shape (S,).
        batch_size: N, the number of columns.

    Shape:
        output: (T, N) int64, T = S // N.
    """
    data = _as_array(stream)
    if data.ndim != 1:
        raise ValueError(f"batchify: the stream must be 1-d token indices, got shape {data.shape}")
    if batch_size < 1 or len(data) < batch_size:
        raise ValueError(f"batchify: cannot cut a stream of {len(data)} tokens into {batch_size} columns")
    T = len(data) // batch_size
    return np.ascontiguousarray(data[: T * batch_size].astype(np.int64, copy=False).reshape(batch_size, T).T)


def get_batch(source: np.ndarray, i: int, bptt: int, batch_first: bool = True) -> tuple[Tensor, Tensor]:
    """(source[i : i+T], source[i+1 : i+1+T]) with T = min(bptt, len(source) − 1 − i): inputs and next tokens.

    Args:
        source: a ``batchify``-ed array, (S, N).
        i: the first row of the chunk.
        bptt: the chunk length.
        batch_first: return (N, T) instead of (T, N). Default: True.
    """
    T = min(bptt, len(source) - 1 - i)
    if T < 1:
        raise ValueError(f"get_batch: row {i} leaves no next token in a source of {len(source)} rows")
    x, y = source[i:i + T], source[i + 1:i + 1 + T]
    if batch_first:
        x, y = x.T, y.T
    return Tensor._wrap(np.ascontiguousarray(x)), Tensor._wrap(np.ascontiguousarray(y))


class LMBatcher:
    """Iterates (input, target) chunks of length ``bptt`` over a stream: target = input shifted by one.

    Consecutive chunks continue each other column by column, so a model may carry its
    (detached) hidden state across them.

    Args:
        stream: token indices, shape (S,).
        batch_size: N, the number of parallel columns.
        bptt: T, the chunk length (the last chunk may be shorter).
        batch_first: yield (N, T) tensors instead of (T, N). Default: True.

    Attributes:
        source: the ``batchify``-ed stream, (S // N, N) int64.
    """

    def __init__(self, stream: Any, batch_size: int, bptt: int, batch_first: bool = True) -> None:
        if bptt < 1:
            raise ValueError(f"LMBatcher: bptt must be >= 1, got {bptt}")
        self.source = batchify(stream, batch_size)
        if len(self.source) < 2:
            raise ValueError(f"LMBatcher: {len(self.source)} row(s) per column leave no (input, target) pair; "
                             f"use a longer stream or a smaller batch_size than {batch_size}")
        self.batch_size, self.bptt, self.batch_first = batch_size, bptt, batch_first

    def __len__(self) -> int:
        return -(-(len(self.source) - 1) // self.bptt)

    @property
    def num_tokens(self) -> int:
        """Target tokens per pass: (S // N − 1) · N."""
        return (len(self.source) - 1) * self.batch_size

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for i in range(0, len(self.source) - 1, self.bptt):
            yield get_batch(self.source, i, self.bptt, self.batch_first)

    def __repr__(self) -> str:
        return (f"LMBatcher(rows={len(self.source)}, batch_size={self.batch_size}, bptt={self.bptt}, "
                f"batch_first={self.batch_first})")
