"""GPT parameter counts (GPT-2 124M … 1.5B, GPT-3 175B) and a toy scaling-law run on the docstrings.

Run: python examples/scaling_law.py [--steps 300]

Counts come from ``GPT.count_parameters`` (checked against built models in the tests); the
run trains character GPTs of four sizes for the same number of steps and fits
L(N) = (N_c / N)^α to their held-out loss. Timings are wall and CPU seconds.
"""

from __future__ import annotations

import argparse

from nnlab.lessons.scaling_laws import power_law_fit, scaling_run
from nnlab.models import GPT, GPT_CONFIGS


def main(steps: int = 300) -> list:
    for name, cfg in GPT_CONFIGS.items():
        print(f"{name}: d={cfg['d_model']}, layers={cfg['layers']}: {GPT.count_parameters(**cfg):,} parameters")
    points = scaling_run(steps=steps)
    print("| d_model | layers | parameters | held-out loss (nats/char) | wall s | CPU s |")
    print("|---|---|---|---|---|---|")
    for p in points:
        print(f"| {p.d_model} | {p.layers} | {p.params:,} | {p.valid_loss:.3f} | {p.wall_seconds:.1f} | {p.cpu_seconds:.1f} |")
    alpha, n_c = power_law_fit(points)
    print(f"fit: L(N) = (N_c / N)^α with α = {alpha:.3f}, N_c = {n_c:.3g}")
    return points


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    main(p.parse_args().steps)
