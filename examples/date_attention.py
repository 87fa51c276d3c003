"""Date normalization with an attention seq2seq ("the 9th of june 1979" → "1979-06-09"), and the same
model without attention, compared by input length.

Run: python examples/date_attention.py [--n 10000] [--epochs 3] [--attention additive|dot|general]
     [--attention-png date_attention.png] [--lists-n 6000 --lists-epochs 16]

Trains ``nnlab.models.AttentionSeq2Seq`` (BiLSTM encoder, LSTM decoder, teacher forcing, Adam)
twice on the same data and budget: with attention and with ``attention=None``, the RNN
encoder–decoder of Cho et al. (2014) that Bahdanau et al. compare against (one fixed
context, the encoder's final states, fed at every decoder step). Reports test exact match
overall and per input-length bucket for both, and draws the attention weights of one long
test date as a heatmap. Defaults (10,000 dates in 12 formats, 3 epochs each, about 30 s per
model on one core): 100 % test exact match with additive attention, 79 % without, and no
trend with length there: single dates (≤ 28 characters) fit one vector, it only learns slower.

``--lists-n 6000 --lists-epochs 16`` adds the comparison where length matters: lists of 1–3
dates ("9 june 1979; 12/24/2001" → "1979-06-09 2001-12-24", ``make_date_list_task``), whose
source and target grow together as sentences do in translation. Both models get the same
data, epochs and sizes; exact match by number of dates (4 formats, seed 0, 16 epochs,
about 5 minutes on one core):

    ======================  ======  ======  ======
    dates in the source       1       2       3
    source characters       10–17   22–35   34–46
    additive attention      1.000   1.000   0.995
    no attention (fixed)    0.907   0.443   0.025
    ======================  ======  ======  ======

The fixed-vector model learns single dates and fails more the longer the list — the
bottleneck of Bahdanau et al.'s figure 2 — while attention reads each date where it is.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab.data.datasets.seq_tasks import make_date_list_task, make_date_task, seq2seq_splits
from nnlab.models.transformers.attention_maps import plot_attention
from nnlab.models.sequence.seq2seq_attention import AttentionSeq2Seq
from nnlab.models.transformers.transformer_models import exact_match, exact_match_rows
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
         attention_png: str | None = "date_attention.png", lists_n: int = 0, lists_epochs: int | None = None,
         max_dates: int = 3, lists_formats=("mm/dd/yyyy", "dd.mm.yyyy", "yyyy/mm/dd", "d month yyyy"),
         quiet: bool = False) -> dict:
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
    if lists_n > 0 and attention is not None:
        result["lists"] = compare_on_date_lists(lists_n, lists_epochs or epochs, attention, max_dates, lists_formats,
                                                emb, enc_hidden, dec_hidden, batch_size, lr, seed, quiet)
    return result


def compare_on_date_lists(n: int, epochs: int, attention: str, max_dates: int, formats, emb: int, enc_hidden: int,
                          dec_hidden: int, batch_size: int, lr: float, seed: int, quiet: bool,
                          baseline_epochs: int | None = None) -> dict:
    """Lists of 1..``max_dates`` dates, both models on the same data and sizes; the attention-free one
    trains ``baseline_epochs`` (default: ``epochs`` too).

    Returns ``{"<attention>": buckets, "None": buckets}`` with buckets
    ``{"1": (exact match, count), …, "all": (…)}`` keyed by the number of dates in the source,
    and ``"lengths"``: the source length range (characters) of each bucket.
    """
    data = seq2seq_splits(make_date_list_task(n, seed=seed, formats=formats, max_dates=max_dates), seed=seed,
                          name="date lists")
    if not quiet:
        print(data.summary())
    count = np.array([src.count(";") + 1 for src, _ in data.pairs_test])
    chars = np.array([len(src) for src, _ in data.pairs_test])
    out: dict = {"lengths": {str(k): (int(chars[count == k].min()), int(chars[count == k].max()))
                             for k in range(1, max_dates + 1) if (count == k).any()}}
    budgets = {attention: epochs, None: baseline_epochs or epochs}
    for variant, budget in budgets.items():
        model = train_model(data, variant, budget, emb, enc_hidden, dec_hidden, batch_size, lr, seed, quiet)
        pred, _ = model.greedy_decode(data.src_test, data.tgt_test.shape[1])
        right = exact_match_rows(pred, data.tgt_test)
        buckets = {k: (float(right[count == int(k)].mean()), int((count == int(k)).sum())) for k in out["lengths"]}
        buckets["all"] = (float(right.mean()), len(right))
        out[str(variant)] = buckets
    if not quiet:
        print(f"exact match by number of dates ({budgets[attention]} epochs with attention, "
              f"{budgets[None]} without):")
        print(f"  {'dates':>10}" + "".join(f"{k:>12}" for k in out["lengths"]) + f"{'all':>8}")
        print(f"  {'(chars)':>10}" + "".join(f"{f'{lo}-{hi}':>12}" for lo, hi in out["lengths"].values()))
        for variant in (str(attention), "None"):
            print(f"  {variant:>10}" + "".join(f"{out[variant][k][0]:>12.3f}" for k in out["lengths"])
                  + f"{out[variant]['all'][0]:>8.3f}")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--attention", default="additive", choices=["additive", "dot", "general"])
    parser.add_argument("--baseline-epochs", type=int, default=None, help="epochs without attention (default: same)")
    parser.add_argument("--attention-png", default="date_attention.png")
    parser.add_argument("--lists-n", type=int, default=0, help="lists of dates to compare by length (0: skip)")
    parser.add_argument("--lists-epochs", type=int, default=None, help="epochs for both models there (default --epochs)")
    parser.add_argument("--max-dates", type=int, default=3, help="most dates per list")
    args = parser.parse_args()
    main(n=args.n, epochs=args.epochs, attention=args.attention, baseline_epochs=args.baseline_epochs,
         attention_png=args.attention_png, lists_n=args.lists_n, lists_epochs=args.lists_epochs,
         max_dates=args.max_dates)
