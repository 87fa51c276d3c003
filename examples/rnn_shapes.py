"""The four RNN shapes of the seeds, each trained on a small synthetic task.

Run: python examples/rnn_shapes.py

- many-to-one (sequence classification): is the sum of a variable-length sequence of
  numbers positive? (padded batches with ``lengths``) — ``SequenceClassifier``
- one-to-many (generate from one vector): from a start digit d, count up d+1, d+2, …
  (mod 10) — ``SequenceGenerator`` fed back its own predictions
- many-to-many, aligned (tag every step): the running parity of a bit string — ``SequenceTagger``
- many-to-many, different lengths (encoder–decoder): reverse a digit string of length
  3–6 — ``RNNEncoderDecoder`` with teacher forcing, greedy decoding at test time

Each ``task_*`` function returns the held-out accuracy.
"""

from __future__ import annotations

import numpy as np

import nnlab
import nnlab.functional as F
from nnlab import optim
from nnlab.models.sequence.rnn_models import RNNEncoderDecoder, SequenceClassifier, SequenceGenerator, SequenceTagger
from nnlab.text import pad_sequences

PAD, BOS, EOS = 0, 1, 2  # the encoder–decoder's special tokens; digits are 3 … 12


def _train(model, batch_fn, loss_fn, steps: int, lr: float, seed: int) -> None:
    """Adam on fresh synthetic batches: ``loss_fn(model, *batch_fn(rng))`` per step, gradients clipped to 1."""
    rng = np.random.default_rng(seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        loss = loss_fn(model, *batch_fn(rng))
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()


# ---- many-to-one ----------------------------------------------------------------------------------
def _sum_sign_batch(rng, n=64, min_len=3, max_len=12):
    seqs = [rng.standard_normal((rng.integers(min_len, max_len + 1), 1)).astype(np.float32) for _ in range(n)]
    x, lengths = pad_sequences(seqs, 0.0)
    y = np.array([int(s.sum() > 0) for s in seqs])
    return x, lengths, nnlab.tensor(y)


def task_many_to_one(steps: int = 150, seed: int = 0) -> float:
    """Accuracy of classifying sign(Σ x_t) from a padded, variable-length sequence."""
    nnlab.manual_seed(seed)
    model = SequenceClassifier(1, 16, 2, rnn_type="gru")
    _train(model, _sum_sign_batch, lambda m, x, L, y: F.cross_entropy(m(x, lengths=L), y), steps, 0.02, seed)
    x, lengths, y = _sum_sign_batch(np.random.default_rng(seed + 100), n=500)
    with nnlab.no_grad():
        pred = model(x, lengths=lengths).array.argmax(-1)
    return float((pred == y.array).mean())


# ---- one-to-many ----------------------------------------------------------------------------------
def _count_batch(rng, n=64, T=6):
    start = rng.integers(0, 10, n)
    z = np.eye(10, dtype=np.float32)[start]
    y = (start[:, None] + np.arange(1, T + 1)) % 10
    return nnlab.tensor(z), nnlab.tensor(y)


def task_one_to_many(steps: int = 150, seed: int = 0) -> float:
    """Fraction of start digits whose generated 6-step count (fed back greedily) is exactly right."""
    nnlab.manual_seed(seed)
    model = SequenceGenerator(10, vocab_size=11, hidden_size=32, rnn_type="gru", start_index=10)

    def loss(m, z, y):
        logits = m(z, targets=y)
        return F.cross_entropy(logits.reshape(-1, 11), y.reshape(-1))

    _train(model, _count_batch, loss, steps, 0.02, seed)
    z, y = _count_batch(np.random.default_rng(seed + 100), n=200)
    out = model.generate(z, steps=y.shape[1])
    return float((out == y.array).all(axis=1).mean())


# ---- many-to-many, aligned ------------------------------------------------------------------------
def _parity_batch(rng, n=64, L=10):
    bits = rng.integers(0, 2, (n, L))
    return nnlab.tensor(bits.astype(np.float32)[..., None]), nnlab.tensor(np.cumsum(bits, axis=1) % 2)


def task_many_to_many(steps: int = 200, seed: int = 0) -> float:
    """Per-step accuracy of tagging the running parity x_1 ⊕ … ⊕ x_t of a 10-bit string."""
    nnlab.manual_seed(seed)
    model = SequenceTagger(1, 16, 2, rnn_type="gru")
    _train(model, _parity_batch, lambda m, x, y: F.cross_entropy(m(x).reshape(-1, 2), y.reshape(-1)),
           steps, 0.03, seed)
    x, y = _parity_batch(np.random.default_rng(seed + 100), n=500)
    with nnlab.no_grad():
        pred = model(x).array.argmax(-1)
    return float((pred == y.array).mean())


# ---- many-to-many, different lengths (encoder–decoder) ---------------------------------------------
def _reverse_batch(rng, n=64, min_len=3, max_len=6):
    lengths = rng.integers(min_len, max_len + 1, n)
    srcs = [rng.integers(3, 13, k) for k in lengths]
    src, src_len = pad_sequences(srcs, PAD)
    tgt, _ = pad_sequences([np.append(s[::-1], EOS) for s in srcs], PAD, max_len=max_len + 1)
    return src, src_len, tgt


def task_encoder_decoder(steps: int = 300, seed: int = 0) -> float:
    """Fraction of digit strings (length 3–6) reversed exactly (tokens up to and including <eos>)."""
    nnlab.manual_seed(seed)
    model = RNNEncoderDecoder(13, 13, embedding_dim=16, hidden_size=48, rnn_type="gru", bos_index=BOS)

    def loss(m, src, src_len, tgt):
        return F.cross_entropy(m(src, tgt, src_lengths=src_len).reshape(-1, 13), tgt.reshape(-1), ignore_index=PAD)

    _train(model, _reverse_batch, loss, steps, 0.01, seed)
    src, src_len, tgt = _reverse_batch(np.random.default_rng(seed + 100), n=300)
    out = model.greedy_decode(src, max_len=tgt.shape[1], src_lengths=src_len)
    mask = tgt.array != PAD
    return float(((out == tgt.array) | ~mask).all(axis=1).mean())


def main(small: bool = False) -> dict[str, float]:
    """Train all four shapes; ``small`` uses fewer steps (for the tests). Returns the accuracies."""
    scale = 1 if small else 3
    results = {
        "many-to-one (sign of sum)": task_many_to_one(150 * scale),
        "one-to-many (count up)": task_one_to_many(150 * scale),
        "many-to-many aligned (running parity)": task_many_to_many(200 * scale),
        "encoder-decoder (reverse)": task_encoder_decoder(300 * scale),
    }
    for name, acc in results.items():
        print(f"{name:>40}: {acc:.3f}")
    return results


if __name__ == "__main__":
    main()
