"""End-to-end vs a hand-designed pipeline on a toy X-ray age task: the data size where they cross.

    python examples/end_to_end.py [OUT_DIR]

Writes ``structuring_end_to_end.png`` (dev error against training-set size) to OUT_DIR
(default ``docs/figures``).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnlab.lessons.end_to_end import crossover  # noqa: E402


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    r = crossover(seeds=2)
    print("examples   pipeline   end-to-end")
    for m, p, e in zip(r["sizes"], r["pipeline"], r["end-to-end"]):
        print(f"{m:>8}   {p * 100:6.1f} %   {e * 100:6.1f} %")
    fig, ax = plt.subplots(figsize=(5, 3.3))
    ax.plot(r["sizes"], [v * 100 for v in r["pipeline"]], "o-", label="measure bone → logistic (pipeline)")
    ax.plot(r["sizes"], [v * 100 for v in r["end-to-end"]], "s-", label="pixels → MLP (end-to-end)")
    ax.set_xscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel("dev error (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "structuring_end_to_end.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main(*sys.argv[1:2])
