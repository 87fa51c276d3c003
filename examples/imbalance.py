"""Imbalanced digits: plain training vs class weights vs resampling, recall per class.

    python examples/imbalance.py [OUT_DIR]

Digits 3, 5 and 8 keep 6 training examples each (the others ~125). Writes
``structuring_imbalance.png`` (dev recall per class, three bars per digit) to OUT_DIR
(default ``docs/figures``).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nnlab.lessons.imbalance import MINORITY, compare_remedies  # noqa: E402


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    r = compare_remedies(seeds=3)
    print("               minority recall  majority recall  accuracy   recall per digit 0-9")
    for name, m in r.items():
        print(f"{name:<14} {m['minority recall']:>15.3f}  {m['majority recall']:>15.3f}  {m['accuracy']:>8.3f}   "
              + " ".join(f"{v:.2f}" for v in m["recall"]))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for k, (name, m) in enumerate(r.items()):
        ax.bar(np.arange(10) + (k - 1) * 0.27, m["recall"], width=0.27, label=name)
    ax.set_xticks(range(10), [f"{d}*" if d in MINORITY else str(d) for d in range(10)])
    ax.set_xlabel("digit (* = 6 training examples)")
    ax.set_ylabel("dev recall")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "structuring_imbalance.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main(*sys.argv[1:2])
