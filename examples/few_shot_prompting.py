"""Few-shot prompting: a small GPT infers the task from examples in its prompt.

Run: python examples/few_shot_prompting.py [--lines 6000] [--epochs 10]

Pretrains ``nnlab.models.GPT`` on lines of five solved examples of one task each (copy,
reverse or shift two-letter words, see ``nnlab.rl.prompting``), then measures the exact-match
accuracy of its greedy answer to a query after k = 0, 1, 2, 3 solved examples in the prompt.
With no example the model can only guess which task is meant (at best 1/3); each example
in the prompt tells it more — the model is not trained again, only prompted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab.models import GPT
from nnlab.rl.prompting import encode_lines, few_shot_accuracy, few_shot_corpus, prompting_vocab
from nnlab.rl.rlhf import train_lm


def main(lines: int = 6000, epochs: int = 10, seed: int = 0, shots=(0, 1, 2, 3), quiet: bool = True) -> dict:
    nnlab.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vocab = prompting_vocab()
    ids = encode_lines(vocab, few_shot_corpus(rng, lines, shots=5))
    gpt = GPT(len(vocab), d_model=64, nhead=4, layers=2, max_len=ids.shape[1], dropout=0.0)
    start = time.perf_counter()
    history = train_lm(gpt, ids, epochs=epochs, lr=1e-3, quiet=quiet)
    seconds = time.perf_counter() - start
    acc = {k: few_shot_accuracy(gpt, vocab, k, n=300, seed=seed + 1) for k in shots}
    print(f"pretrained on {lines} lines × {epochs} epochs in {seconds:.0f} s (final loss {history['loss'][-1]:.3f})")
    for k, a in acc.items():
        print(f"{k}-shot accuracy: {a:.3f}")
    return {"accuracy": acc, "train_seconds": seconds, "final_loss": history["loss"][-1]}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=6000)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    main(a.lines, a.epochs, a.seed)
