"""Padding and batching of sequences: ``pad_sequences`` for variable lengths, ``batchify`` / ``LMBatcher``
for language modelling on one long stream of token indices.

``batchify`` follows the PyTorch word-language-model example: the stream is cut into N
equal columns, so consecutive chunks of the same column continue each other and a
recurrent model can carry its hidden state from one chunk to the next (truncated BPTT).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.nn.padding import pad_sequences
from nnlab.ops.creation import from_numpy

__all__ = ["pad_sequences", "batchify", "get_batch", "LMBatcher"]


def _as_array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


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
    return from_numpy(np.ascontiguousarray(x)), from_numpy(np.ascontiguousarray(y))


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
