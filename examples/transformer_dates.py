"""A seq2seq Transformer that normalizes dates ("the 9th of June 1979" → "1979-06-09").

Run: python examples/transformer_dates.py [--task dates|reversal|sorting] [--epochs 8]
     [--attention-png cross_attention.png]

Trains ``nnlab.models.Seq2SeqTransformer`` (post-norm, as in the paper) with teacher
forcing (decoder input = target shifted right behind <bos>, causal mask), Adam with
warm-up and cosine decay, then reports exact match on the held-out test set with greedy
decoding and with beam search (length-normalized). Defaults: 10,000 dates in 12 formats,
D = 64, 2 + 2 layers, 8 epochs: ≈ 99% exact match (greedy) in about 1.5 minutes on one core.
With ``--attention-png`` the last decoder layer's cross-attention for one test date is drawn.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import nnlab
from nnlab.data.datasets.seq_tasks import get_seq_task
from nnlab.models.transformers.attention_maps import attention_maps, plot_attention
from nnlab.models.transformers.transformer_models import Seq2SeqTransformer, exact_match, shift_right
from nnlab.optim import Adam
from nnlab.optim.lr_scheduler import LambdaLR


def main(task: str = "dates", n: int = 10000, epochs: int = 8, d_model: int = 64, nhead: int = 4, layers: int = 2,
         batch_size: int = 64, lr: float = 3e-3, dropout: float = 0.0, beam_size: int = 4, beam_rows: int = 200,
         seed: int = 0, attention_png: str | None = None, quiet: bool = False, **task_kwargs) -> dict:
    nnlab.manual_seed(seed)
    data = get_seq_task(task, n=n, seed=seed, **task_kwargs)
    if not quiet:
        print(data.summary())
        print("examples:", "; ".join(f"{s!r} → {t!r}" for s, t in data.pairs_train[:3]))
    model = Seq2SeqTransformer(len(data.src_vocab), len(data.tgt_vocab), d_model=d_model, nhead=nhead, layers=layers,
                               dim_feedforward=2 * d_model, dropout=dropout)
    opt = Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    steps = epochs * math.ceil(len(data.src_train) / batch_size)
    sched = LambdaLR(opt, lambda s: min(1.0, (s + 1) / 30) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for epoch in range(epochs):
        order, running = rng.permutation(len(data.src_train)), 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            loss = model.loss(data.src_train[idx], data.tgt_train[idx])  # teacher forcing
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            running += float(loss.item()) * len(idx)
        if not quiet:
            dev = exact_match(model.greedy_decode(data.src_dev, max_len=data.tgt_dev.shape[1]), data.tgt_dev)
            print(f"epoch {epoch + 1}  loss {running / len(order):.4f}  dev exact match {dev:.3f}  "
                  f"({time.perf_counter() - start:.0f} s)")
    greedy = model.greedy_decode(data.src_test, max_len=data.tgt_test.shape[1])
    rows = min(beam_rows, len(data.src_test))
    beam = model.beam_search(data.src_test[:rows], beam_size=beam_size, max_len=data.tgt_test.shape[1])
    result = {"greedy_exact_match": exact_match(greedy, data.tgt_test),
              "beam_exact_match": exact_match(beam, data.tgt_test[:rows]),
              "greedy_exact_match_same_rows": exact_match(greedy[:rows], data.tgt_test[:rows]),
              "train_seconds": time.perf_counter() - start}
    if not quiet:
        print(f"test exact match: greedy {result['greedy_exact_match']:.4f} ({len(greedy)} rows); "
              f"beam {beam_size} {result['beam_exact_match']:.4f} vs greedy "
              f"{result['greedy_exact_match_same_rows']:.4f} (first {rows} rows)")
        for (s, t), p in list(zip(data.pairs_test, greedy))[:5]:
            print(f"  {s!r:32} → {data.tgt_vocab.decode(p)!r}  (target {t!r})")
    if attention_png:
        src, tgt = data.src_test[:1], data.tgt_test[:1]
        maps = attention_maps(model, src, shift_right(tgt))
        cross = maps[f"transformer.decoder.layers.{layers - 1}.multihead_attn"][0]  # (h, T, S)
        src_text, tgt_text = data.pairs_test[0]
        S, T = len(src_text), len(tgt_text) + 1
        plot_attention(cross[:, :T, :S], x_labels=list(src_text), y_labels=["<bos>"] + list(tgt_text),
                       title="decoder → encoder attention (last layer)", path=attention_png)
        result["attention_png"] = attention_png
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="dates", choices=["dates", "reversal", "sorting"])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--attention-png", default=None)
    args = parser.parse_args()
    main(task=args.task, epochs=args.epochs, attention_png=args.attention_png)
