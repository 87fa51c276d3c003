"""A character-level GPT trained on the docstrings of Python's standard library.

Run: python examples/gpt_char.py [--steps 1200] [--chars 200000]

Trains ``nnlab.models.GPT`` (decoder-only, causal self-attention, learned positions,
tied embeddings) on random windows of the corpus from ``nnlab.text.python_docstrings_corpus``
with AdamW and a warm-up + cosine schedule; reports validation and test perplexity per
character (a uniform guess over the ~100 characters would score ~100), samples text with
temperature / top-k / top-p, and times generation with the key/value cache against full
recomputation (the same tokens either way).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import nnlab
from nnlab.models.transformers.gpt import GPT
from nnlab.optim import AdamW
from nnlab.optim.lr_scheduler import LambdaLR
from nnlab.text import Vocab, perplexity, python_docstrings_corpus, split_text


def windows(ids: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Rows ids[s : s + length] for each start s: (len(starts), length)."""
    return ids[starts[:, None] + np.arange(length)[None, :]]


def evaluate(model: GPT, ids: np.ndarray, context: int, batch_size: int = 64) -> float:
    """Mean NLL per character over consecutive non-overlapping windows of ``ids``."""
    starts = np.arange(0, len(ids) - context - 1, context)
    model.eval()
    total, count = 0.0, 0
    with nnlab.no_grad():
        for i in range(0, len(starts), batch_size):
            batch = windows(ids, starts[i : i + batch_size], context + 1)
            total += float(model.loss(batch).item()) * batch.size
            count += batch.size
    model.train()
    return total / count


def main(chars: int = 200_000, steps: int = 1200, context: int = 128, batch_size: int = 16, d_model: int = 96,
         nhead: int = 4, layers: int = 3, lr: float = 3e-3, warmup: int = 100, dropout: float = 0.0, seed: int = 0,
         sample_chars: int = 200, quiet: bool = False) -> dict:
    nnlab.manual_seed(seed)
    text = python_docstrings_corpus(max_chars=chars)
    train_text, valid_text, test_text = split_text(text, valid=0.05, test=0.05)
    vocab = Vocab.build(text)
    train, valid, test = (np.asarray(vocab.encode(t), dtype=np.int64) for t in (train_text, valid_text, test_text))
    # max_len = the training context: learned positions beyond it would never be trained.
    model = GPT(len(vocab), d_model=d_model, nhead=nhead, layers=layers, max_len=context, dropout=dropout)
    opt = AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    sched = LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.45 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    rng = np.random.default_rng(seed)
    if not quiet:
        print(f"corpus: {len(text):,} characters, vocabulary {len(vocab)}; "
              f"GPT with {sum(p.numel() for p in model.parameters()):,} parameters")
    start, running = time.perf_counter(), 0.0
    for step in range(steps):
        batch = windows(train, rng.integers(0, len(train) - context - 1, size=batch_size), context + 1)
        loss = model.loss(batch)
        opt.zero_grad()
        loss.backward()
        nnlab.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running += float(loss.item())
        if not quiet and (step + 1) % 250 == 0:
            print(f"step {step + 1}: train loss {running / 250:.3f}  valid ppl "
                  f"{perplexity(evaluate(model, valid, context)):.2f}  ({time.perf_counter() - start:.0f} s)")
            running = 0.0
    result = {"valid_ppl": perplexity(evaluate(model, valid, context)),
              "test_ppl": perplexity(evaluate(model, test, context)),
              "train_seconds": time.perf_counter() - start}
    prompt = np.asarray([vocab.encode("Return the ")], dtype=np.int64)
    n_new = min(sample_chars, model.max_len - prompt.shape[1])
    samples = {}
    for name, kw in {"greedy": dict(strategy="greedy"), "T=0.8, top-k=20": dict(temperature=0.8, top_k=20),
                     "top-p=0.9": dict(top_p=0.9)}.items():
        out = model.generate(prompt, n_new, generator=np.random.default_rng(seed), **kw)
        samples[name] = "".join(vocab.decode(out[0].tolist()))
    timing = {}
    for use_cache in (True, False):
        t = time.perf_counter()
        out = model.generate(prompt, n_new, strategy="greedy", use_cache=use_cache)
        timing[use_cache] = (time.perf_counter() - t, out)
    result.update(samples=samples, cached_seconds=timing[True][0], uncached_seconds=timing[False][0],
                  cache_same_tokens=bool((timing[True][1] == timing[False][1]).all()))
    if not quiet:
        print(f"perplexity per character: valid {result['valid_ppl']:.2f}, test {result['test_ppl']:.2f}")
        for name, s in samples.items():
            print(f"--- {name} ---\n{s}")
        print(f"generating {n_new} characters: KV cache {result['cached_seconds']:.2f} s, full recomputation "
              f"{result['uncached_seconds']:.2f} s (×{result['uncached_seconds'] / result['cached_seconds']:.1f}); "
              f"same tokens: {result['cache_same_tokens']}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--chars", type=int, default=200_000)
    args = parser.parse_args()
    main(chars=args.chars, steps=args.steps)
