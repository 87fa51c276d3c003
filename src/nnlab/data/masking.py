"""BERT's masked-language-model corruption of token batches (Devlin et al., 2019, §3.1).

The data side of MLM pretraining: which positions a batch hides, what it shows there,
and the labels the loss reads (the original token at picked positions, ``IGNORE_INDEX``
elsewhere, which ``F.cross_entropy`` skips by default).
"""

from __future__ import annotations

import numpy as np

from nnlab.backend import default_generator

__all__ = ["IGNORE_INDEX", "mask_tokens"]

IGNORE_INDEX = -100  # label of positions the MLM loss skips (F.cross_entropy's default)


def mask_tokens(ids: np.ndarray, mask_id: int, vocab_size: int, special_ids, mlm_probability: float = 0.15,
                generator: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """BERT's MLM corruption: pick 15% of the tokens; of those 80% → [MASK], 10% → random, 10% kept.

    Each non-special token is picked independently with probability ``mlm_probability``;
    the model must predict the original token at every picked position (also where it was
    kept or randomized, so the model cannot trust the visible token blindly) and nowhere else.

    Args:
        ids: int token ids (N, L).
        mask_id: the [MASK] id.
        vocab_size: V; random replacements are drawn from the non-special ids in [0, V).
        special_ids: ids never picked ([PAD], [CLS], [SEP], [MASK], ...).
        mlm_probability: the picking rate (default 0.15).
        generator: NumPy generator (default nnlab's seeded global one).

    Returns:
        ``(inputs, labels)``: the corrupted ids, and labels equal to the original id at
        picked positions and ``IGNORE_INDEX`` (−100) elsewhere; both int64 (N, L).
    """
    rng = generator if generator is not None else default_generator()
    ids = np.asarray(ids, dtype=np.int64)
    special = np.isin(ids, np.asarray(list(special_ids), dtype=np.int64))
    picked = (rng.random(ids.shape) < mlm_probability) & ~special
    labels = np.where(picked, ids, IGNORE_INDEX)
    u = rng.random(ids.shape)
    to_mask = picked & (u < 0.8)
    to_random = picked & (u >= 0.8) & (u < 0.9)
    ordinary = np.setdiff1d(np.arange(vocab_size), np.asarray(list(special_ids)))
    inputs = ids.copy()
    inputs[to_mask] = mask_id
    inputs[to_random] = rng.choice(ordinary, size=int(to_random.sum()))
    return inputs, labels
