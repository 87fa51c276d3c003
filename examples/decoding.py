"""Decoding a character bigram language model: greedy, sampling, beam search and its refinements,
then the beam-search error analysis (search error or model error?) on a toy copy task.

    python examples/decoding.py
"""

from __future__ import annotations

import numpy as np

from nnlab.text.beam_analysis import beam_error_analysis
from nnlab.text.decoding import TableModel, beam_search, greedy_search, prefix_step, sample

TEXT = ("the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat. "
        "the man and the woman ran to the tree. then the rain came and the sun went down.")


def bigram_step(text: str, smoothing: float = 0.05):
    """A step function for p(c_t | c_{t-1}) estimated from ``text``; '^' starts and '$' ends a sentence."""
    sentences = [s.strip() for s in text.split(".") if s.strip()]
    chars = ["^", "$"] + sorted(set("".join(sentences)))
    index = {c: i for i, c in enumerate(chars)}
    counts = np.full((len(chars), len(chars)), smoothing)
    counts[:, index["^"]] = 0.0  # the start symbol is never generated
    for s in sentences:
        seq = [index["^"]] + [index[c] for c in s] + [index["$"]]
        for a, b in zip(seq, seq[1:]):
            counts[a, b] += 1
    with np.errstate(divide="ignore"):
        logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    return prefix_step(lambda prefixes: logp[prefixes[:, -1]]), chars


def copy_task(n: int, seed: int):
    """Sources x are 2-token strings over {A, B, C}; the model copies x with some confusion."""
    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(n):
        x = tuple(int(t) for t in rng.integers(2, 5, size=2))
        examples.append((x, x))

    def make_step(x):
        def table(prefix):
            if len(prefix) >= len(x):
                return np.eye(5)[1]
            if any(t != s for t, s in zip(prefix, x)):
                return np.array([0.0, 0.0, 1 / 3, 1 / 3, 1 / 3])  # lost after a wrong token: flat
            p = np.full(5, 0.1)
            p[0] = 0.0
            p[x[len(prefix)]] += 0.25
            # Two flaws: a source starting with C lures the first step to A, a trap a wider
            # beam escapes (search error); a B in second place is outscored by A (model error).
            if (len(prefix) == 0 and x[0] == 4) or (len(prefix) == 1 and x[1] == 3):
                p[2] += 0.3
            return p / p.sum()
        return TableModel(table, 5, 1)
    return examples, make_step


def main(beam_width: int = 4, max_len: int = 40, seed: int = 0) -> dict:
    step, chars = bigram_step(TEXT)
    bos, eos = 0, 1

    def show(tokens):
        return "".join(chars[t] for t in tokens if t != eos)

    greedy = greedy_search(step, bos, eos, max_len)
    print(f"greedy            {show(greedy.tokens)!r}  log P = {greedy.log_prob:.2f}")
    for h in sample(step, bos, eos, max_len, num_samples=3, temperature=0.8, top_k=5,
                    generator=np.random.default_rng(seed)):
        print(f"sample τ=0.8 k=5  {show(h.tokens)!r}")
    beam = beam_search(step, bos, eos, beam_width, max_len)
    print(f"beam k={beam_width}          {show(beam.best.tokens)!r}  log P = {beam.best.log_prob:.2f}")
    normed = beam_search(step, bos, eos, beam_width, max_len, length_penalty=1.0, no_repeat_ngram_size=3)
    print(f"α=1, no 3-gram    {show(normed.best.tokens)!r}")
    diverse = beam_search(step, bos, eos, beam_width, max_len, num_groups=beam_width, diversity_penalty=1.0)
    for h in diverse:
        print(f"diverse group {h.group}   {show(h.tokens)!r}")
    pruned = beam_search(step, bos, eos, beam_width, max_len, prune_margin=2.0)
    print(f"pruned widths     {pruned.widths[:10]}")

    examples, make_step = copy_task(12, seed)
    report = beam_error_analysis(make_step, examples, bos=0, eos=1, beam_width=1, max_len=4)
    print("error analysis    " + report.summary())
    return {"greedy_log_prob": greedy.log_prob, "beam_log_prob": beam.best.log_prob,
            "search_fraction": report.search_fraction, "model_fraction": report.model_fraction}


if __name__ == "__main__":
    main()
