"""Attention's cost against sequence length next to an LSTM's: FLOPs, memory kept for backward, wall time.

Run: python examples/attention_cost.py [--lengths 64 128 256 512 1024]

One self-attention layer (d = 64, 4 heads) and one LSTM (input = hidden = 64) on a single
sequence; time is the best of three forward + backward passes. See
``nnlab.lessons.attention_cost`` for the formulas.
"""

from __future__ import annotations

import argparse
import time

from nnlab.lessons.attention_cost import attention_vs_lstm_cost


def main(lengths=(64, 128, 256, 512, 1024), repeats: int = 3) -> list:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows = attention_vs_lstm_cost(lengths, d_model=64, nhead=4, repeats=repeats)
    print("| L | attention MFLOPs | LSTM MFLOPs | attention KiB kept | LSTM KiB kept | attention ms | LSTM ms |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.length} | {r.attention_flops / 1e6:.1f} | {r.lstm_flops / 1e6:.1f} | {r.attention_bytes / 1024:.0f} "
              f"| {r.lstm_bytes / 1024:.0f} | {r.attention_seconds * 1e3:.1f} | {r.lstm_seconds * 1e3:.1f} |")
    print(f"({time.perf_counter() - wall0:.1f} s wall, {time.process_time() - cpu0:.1f} s CPU)")
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    main(tuple(p.parse_args().lengths))
