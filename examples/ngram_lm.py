"""Count-based character n-gram LMs (add-k, Kneser–Ney) on the standard library's docstrings, against neural LMs.

Run: python examples/ngram_lm.py

Two splits: the character LSTM's (first 300,000 characters, last 10% held out; the LSTM of
``examples/char_lstm_lm.py`` reaches validation perplexity 6.1 there) and the scaling-law
run's (first 120,000 characters, last 10%; ``examples/scaling_law.py`` trains GPTs there).
Add-k's k is picked on the held-out text (the best of 0.001 … 1), which flatters it.
"""

from __future__ import annotations

import time

from nnlab.text import python_docstrings_corpus, split_text
from nnlab.text.ngram import NGramLM


def table(chars: int, orders=(1, 2, 3, 5, 7)) -> dict:
    train, valid, _ = split_text(python_docstrings_corpus(max_chars=chars), valid=0.1, test=0.0)
    print(f"\n{chars:,} characters: {len(train):,} train, {len(valid):,} held out")
    print("| n | add-k (best k) | Kneser–Ney |")
    print("|---|---|---|")
    out = {}
    for n in orders:
        addk = min((NGramLM(n, "add_k", k=k).fit(train).perplexity(valid), k) for k in (0.001, 0.01, 0.1, 1.0))
        kn = NGramLM(n).fit(train).perplexity(valid)
        out[n] = (addk[0], kn)
        print(f"| {n} | {addk[0]:.2f} (k={addk[1]}) | {kn:.2f} |")
    return out


def main() -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    table(300_000)
    table(120_000)
    print(f"({time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")


if __name__ == "__main__":
    main()
