"""Bengio's neural language model learns word vectors: words used alike end up alike.

Run: python examples/bengio_nlm.py

A tiny synthetic corpus built from templates ("the cat sat on the mat", "a dog slept
on the rug", ...) uses some words interchangeably: cat / dog / bird are the subjects,
mat / rug / sofa the places, sat / slept / stood the verbs. The model reads the two
previous words and predicts the next; nothing tells it which words belong together,
yet after training the rows of its embedding matrix C put words of one group closer
(higher cosine similarity) than words of different groups, as the seeds derive.
"""

from __future__ import annotations

import itertools

import numpy as np

import nnlab
import nnlab.functional as F
from nnlab import optim
from nnlab.models.sequence.rnn_models import BengioNLM
from nnlab.text import Vocab, cosine_similarity_matrix, most_similar, ngram_windows

GROUPS = {"animal": ["cat", "dog", "bird"], "place": ["mat", "rug", "sofa"], "verb": ["sat", "slept", "stood"]}


def template_corpus() -> list[list[str]]:
    """Every sentence "<det> <animal> <verb> on the <place>" (2 · 3 · 3 · 3 = 54 sentences)."""
    return [[det, animal, verb, "on", "the", place]
            for det, animal, verb, place in itertools.product(["the", "a"], *GROUPS.values())]


def group_similarity(vectors: np.ndarray, vocab: Vocab) -> tuple[float, float]:
    """(mean cosine similarity of word pairs within a group, mean across groups)."""
    S = cosine_similarity_matrix(vectors)
    idx = {g: [vocab[w] for w in words] for g, words in GROUPS.items()}
    within = [S[i, j] for ids in idx.values() for i, j in itertools.combinations(ids, 2)]
    across = [S[i, j] for a, b in itertools.combinations(idx.values(), 2) for i in a for j in b]
    return float(np.mean(within)), float(np.mean(across))


def main(epochs: int = 200, embedding_dim: int = 10, hidden_size: int = 32, context: int = 2, seed: int = 0,
         quiet: bool = False) -> dict:
    nnlab.manual_seed(seed)
    sentences = template_corpus()
    vocab = Vocab.build(sentences)
    ctx, tgt = ngram_windows([vocab.encode(s) for s in sentences], context, vocab.bos_index, vocab.eos_index)
    x, y = nnlab.tensor(ctx), nnlab.tensor(tgt)
    model = BengioNLM(len(vocab), context, embedding_dim, hidden_size)
    opt = optim.Adam(model.parameters(), lr=0.01)
    before = group_similarity(model.word_vectors(), vocab)
    for _ in range(epochs):  # full batch: the corpus is a few hundred windows
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = group_similarity(model.word_vectors(), vocab)
    if not quiet:
        print(f"final training loss {loss.item():.3f}")
        print(f"cosine similarity within groups / across groups: before {before[0]:.2f} / {before[1]:.2f}, "
              f"after {after[0]:.2f} / {after[1]:.2f}")
        for word in ("cat", "rug", "slept"):
            print(f"nearest to {word!r}: {most_similar(model.word_vectors(), vocab, word, k=3)}")
    return {"loss": float(loss.item()), "before": before, "after": after, "model": model, "vocab": vocab}


if __name__ == "__main__":
    main()
