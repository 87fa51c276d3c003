"""GPT-1's task-specific input transformations: one pretrained GPT fine-tuned on three task formats.

Run: python examples/gpt1_formats.py [--epochs 4]

A small character GPT is pretrained on a stream of one-sentence reviews (``nnlab.rl.rlhf_data``),
then fine-tuned — with a linear head on the hidden state at the extract token and the
auxiliary LM loss (λ = 0.5) — on three tasks written as GPT-1 writes them:

- classification ``s review e`` → sentiment (positive / neutral / negative);
- entailment ``s review $ word e`` → does the review's sentiment match the word's?
- similarity ``s A $ B e`` + ``s B $ A e`` → do two reviews share a sentiment?

Each task is also trained from scratch (the same architecture, random weights) to show what
pretraining brings with 300 labelled examples. Prints test accuracies.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.data.datasets.seq_tasks import CharVocab
from nnlab.models import GPT
from nnlab.rl.gpt1_formats import GPT1Classifier, GPT1Format, gpt1_step
from nnlab.rl.rlhf import clone_gpt, train_lm
from nnlab.rl.rlhf_data import NEGATIVE, NEUTRAL, POSITIVE, SENTIMENT, review_vocab, sample_review
from nnlab.train import Trainer

MAX_LEN = 72


def sentiment(review: str) -> int:
    """0 positive, 1 neutral, 2 negative (from the review's last word)."""
    s = SENTIMENT[review.rstrip(".").split()[-1]]
    return {1.0: 0, 0.0: 1, -1.0: 2}[s]


def make_task(task: str, fmt: GPT1Format, rng: np.random.Generator, n: int):
    """Arrays for the Trainer: (ids, where[, ids2, where2], y)."""
    if task == "classification":
        texts = [sample_review(rng) for _ in range(n)]
        ids, where = fmt.batch([fmt.classification(t) for t in texts], MAX_LEN)
        return ids, where, np.array([sentiment(t) for t in texts])
    if task == "entailment":
        texts = [sample_review(rng) for _ in range(n)]
        words = [(POSITIVE, NEUTRAL, NEGATIVE)[g][0] for g in rng.integers(0, 3, n)]
        ids, where = fmt.batch([fmt.entailment(t, w) for t, w in zip(texts, words)], MAX_LEN)
        return ids, where, np.array([int(sentiment(t) == sentiment(w)) for t, w in zip(texts, words)])
    a = [sample_review(rng) for _ in range(n)]
    b = [sample_review(rng) for _ in range(n)]
    pairs = [fmt.similarity(x, y) for x, y in zip(a, b)]
    ids, where = fmt.batch([p[0] for p in pairs], MAX_LEN)
    ids2, where2 = fmt.batch([p[1] for p in pairs], MAX_LEN)
    return ids, where, ids2, where2, np.array([int(sentiment(x) == sentiment(y)) for x, y in zip(a, b)])


def fine_tune(gpt: GPT, task: str, fmt: GPT1Format, seed: int, epochs: int, quiet: bool) -> float:
    rng = np.random.default_rng(seed)
    train, test = make_task(task, fmt, rng, 300), make_task(task, fmt, rng, 500)
    classes = 3 if task == "classification" else 2
    model = GPT1Classifier(gpt, classes, "similarity" if task == "similarity" else "classification")
    trainer = Trainer(model, optimizer=optim.AdamW(model.parameters(), lr=1e-3), step_fn=gpt1_step(0.5), quiet=quiet)
    trainer.fit(DataLoader(TensorDataset(*train), batch_size=16, shuffle=True), epochs=epochs)
    return trainer.evaluate(DataLoader(TensorDataset(*test), batch_size=100))["accuracy"]


def main(epochs: int = 4, seed: int = 0, quiet: bool = True) -> dict:
    nnlab.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vocab = CharVocab(review_vocab().itos[4:] + ["$", "#"])
    fmt = GPT1Format(vocab.encode, start=vocab.bos, delim=vocab.stoi["$"], extract=vocab.stoi["#"], pad=vocab.pad)
    start = time.perf_counter()
    gpt = GPT(len(vocab), d_model=64, nhead=4, layers=2, max_len=MAX_LEN, dropout=0.0)
    scratch = clone_gpt(gpt)
    text = " ".join(sample_review(rng) for _ in range(6000))
    ids = np.array(vocab.encode(text), dtype=np.int64)
    starts = rng.integers(0, len(ids) - 33, 3000)
    train_lm(gpt, ids[starts[:, None] + np.arange(33)], epochs=4, quiet=quiet)
    print(f"pretrained ({time.perf_counter() - start:.0f} s)")
    results = {}
    for task in ("classification", "entailment", "similarity"):
        pre = fine_tune(clone_gpt(gpt), task, fmt, seed, epochs, quiet)
        scr = fine_tune(clone_gpt(scratch), task, fmt, seed, epochs, quiet)
        results[task] = {"pretrained": pre, "scratch": scr}
        print(f"{task}: test accuracy pretrained {pre:.3f}, from scratch {scr:.3f} ({time.perf_counter() - start:.0f} s)")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    main(a.epochs, a.seed)
