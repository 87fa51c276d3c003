"""Date normalization with an attention seq2seq ("the 9th of june 1979" → "1979-06-09"), and the same
model without attention, compared by input length.

Run: python examples/date_attention.py [--n 10000] [--epochs 3] [--attention additive|dot|general]
     [--attention-png date_attention.png]

Trains ``nnlab.models.AttentionSeq2Seq`` (BiLSTM encoder, LSTM decoder, teacher forcing, Adam)
twice on the same data and budget: with attention and with ``attention=None`` (the decoder
sees only the encoder's final states). Reports test exact match overall and per input-length
bucket for both, and draws the attention weights of one long test date as a heatmap.
Defaults (10,000 dates in 12 formats, 3 epochs each) take about 30 s per model on one core:
100% test exact match with additive attention, 4% without at the same budget (every length
bucket). Given 12 epochs (``--baseline-epochs 12``) the attention-free model reaches ≈ 97%:
dates (≤ 28 characters) are short enough for the BiLSTM's final states to carry them, so its
handicap here is mostly speed of learning; the bottleneck bites harder as inputs grow.

``--long-n 4000 --long-epochs 2`` adds the same comparison on dates inside sentences of
7–130 characters ("the invoice was issued on 21 march 2008 after a long delay",
``make_long_date_task``), both models with the same data, epochs and sizes, and prints
exact match per input-length bucket. Measured (4 formats, seed 0, 4,000 sentences): with
additive attention 100% in every bucket after 2–4 epochs; without attention ≈ 0% in every
bucket (≤ 1%), even after 16 epochs of 8,000 sentences (2 seeds). The attention-free model has not
learnt to find the date at all at these budgets, so no length gradient shows: it fails
everywhere, not more on long inputs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab.data.datasets.seq_tasks import make_date_task, make_long_date_task, seq2seq_splits
from nnlab.models.attention_maps import plot_attention
from nnlab.models.seq2seq_attention import AttentionSeq2Seq
from nnlab.models.transformer_models import exact_match
from nnlab.optim import Adam


def train_model(data, attention, epochs: int, emb: int, enc_hidden: int, dec_hidden: int, batch_size: int, lr: float,
                seed: int, quiet: bool) -> AttentionSeq2Seq:
    """Teacher-forced training; each batch is cut to its longest source (less padding to run over)."""
    nnlab.manual_seed(seed)
    model = AttentionSeq2Seq(len(data.src_vocab), len(data.tgt_vocab), emb, enc_hidden, dec_hidden, attention)
    opt = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for epoch in range(epochs):
        order, running = rng.permutation(len(data.src_train)), 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            src = data.src_train[idx]
            src = src[:, : int((src != data.src_vocab.pad).sum(axis=1).max())]
            loss = model.loss(src, data.tgt_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += float(loss.item()) * len(idx)
        if not quiet:
            print(f"  [{attention}] epoch {epoch + 1}  loss {running / len(order):.4f}  "
                  f"({time.perf_counter() - start:.0f} s)")
    return model


def exact_match_by_length(model, src: np.ndarray, tgt: np.ndarray, edges) -> dict[str, tuple[float, int]]:
    """Exact match per source-length bucket [lo, hi): ``{"lo-hi": (exact match, count)}``."""
    pred, _ = model.greedy_decode(src, tgt.shape[1])
    lengths = (src != 0).sum(axis=1)
    out = {}
    for lo, hi in zip(edges[:-1], edges[1:]):
        rows = (lengths >= lo) & (lengths < hi)
        if rows.any():
            out[f"{lo}-{hi - 1}"] = (exact_match(pred[rows], tgt[rows]), int(rows.sum()))
    out["all"] = (exact_match(pred, tgt), len(src))
    return out


def main(n: int = 10000, epochs: int = 3, attention: str = "additive", emb: int = 32, enc_hidden: int = 64,
         dec_hidden: int = 128, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, formats=None,
         compare: bool = True, baseline_epochs: int | None = None, edges=(0, 12, 18, 24, 40),
         attention_png: str | None = "date_attention.png", long_n: int = 0, long_epochs: int | None = None,
         long_max_clauses: int = 2, long_edges=(0, 25, 45, 70, 200), quiet: bool = False) -> dict:
    data = seq2seq_splits(make_date_task(n, seed=seed, formats=formats), seed=seed, name="dates")
    if not quiet:
        print(data.summary())
    variants = [attention] + ([None] if compare and attention is not None else [])
    result: dict = {}
    for variant in variants:
        budget = epochs if variant == attention or baseline_epochs is None else baseline_epochs
        model = train_model(data, variant, budget, emb, enc_hidden, dec_hidden, batch_size, lr, seed, quiet)
        buckets = exact_match_by_length(model, data.src_test, data.tgt_test, list(edges))
        result[str(variant)] = buckets
        if not quiet:
            print(f"attention={variant!s:9} test exact match {buckets['all'][0]:.4f}   by input length: "
                  + "  ".join(f"{k}: {v[0]:.3f} (n={v[1]})" for k, v in buckets.items() if k != "all"))
        if variant == attention and attention is not None:
            result["exact_match"] = buckets["all"][0]
            if attention_png:
                lengths = (data.src_test != 0).sum(axis=1)
                row = int(np.argmax(lengths))  # a long input shows the alignment best
                pred, weights = model.greedy_decode(data.src_test[row : row + 1], data.tgt_test.shape[1])
                src_text = data.pairs_test[row][0]
                out_text = data.tgt_vocab.decode(pred[0])
                T = len(out_text) + 1  # the characters and <eos>
                plot_attention(weights[0, :T, : len(src_text)], x_labels=list(src_text),
                               y_labels=list(out_text) + ["<eos>"], xlabel="input", ylabel="output",
                               title=f"{attention} attention: {src_text!r} → {out_text!r}", path=attention_png)
                result["attention_png"] = attention_png
                if not quiet:
                    print(f"attention heatmap of {src_text!r} → {out_text!r} saved to {attention_png}")
    if long_n > 0 and attention is not None:
        result["long"] = compare_on_long_dates(long_n, long_epochs or epochs, attention, long_max_clauses, formats,
                                               list(long_edges), emb, enc_hidden, dec_hidden, batch_size, lr, seed,
                                               quiet)
    return result


def compare_on_long_dates(n: int, epochs: int, attention: str, max_clauses: int, formats, edges, emb: int,
                          enc_hidden: int, dec_hidden: int, batch_size: int, lr: float, seed: int,
                          quiet: bool) -> dict:
    """Dates inside sentences of varied length, both models on the same data, epochs and sizes.

    Returns ``{"<attention>": buckets, "None": buckets}`` as :func:`exact_match_by_length`.
    """
    data = seq2seq_splits(make_long_date_task(n, seed=seed, formats=formats, max_clauses=max_clauses), seed=seed,
                          name="dates in sentences")
    if not quiet:
        print(data.summary())
    out = {}
    for variant in (attention, None):
        model = train_model(data, variant, epochs, emb, enc_hidden, dec_hidden, batch_size, lr, seed, quiet)
        out[str(variant)] = exact_match_by_length(model, data.src_test, data.tgt_test, edges)
    if not quiet:
        keys = list(out[str(attention)])
        print(f"exact match by input length ({epochs} epochs each):")
        print("  " + f"{'input chars':>12}" + "".join(f"{k:>10}" for k in keys))
        print("  " + f"{'(n test)':>12}" + "".join(f"{out[str(attention)][k][1]:>10}" for k in keys))
        for variant, buckets in out.items():
            print("  " + f"{variant:>12}" + "".join(f"{buckets[k][0]:>10.3f}" for k in keys))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--attention", default="additive", choices=["additive", "dot", "general"])
    parser.add_argument("--baseline-epochs", type=int, default=None, help="epochs without attention (default: same)")
    parser.add_argument("--attention-png", default="date_attention.png")
    parser.add_argument("--long-n", type=int, default=0, help="dates in sentences to compare by length (0: skip)")
    parser.add_argument("--long-epochs", type=int, default=None, help="epochs for both models there (default --epochs)")
    args = parser.parse_args()
    main(n=args.n, epochs=args.epochs, attention=args.attention, baseline_epochs=args.baseline_epochs,
         attention_png=args.attention_png, long_n=args.long_n, long_epochs=args.long_epochs)
