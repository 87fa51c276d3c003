"""Multi-task learning vs one network per task: four yes/no questions about a digit, many answers unknown.

    python examples/multitask.py [OUT_DIR]

Writes ``structuring_multitask.png`` (dev error per task) to OUT_DIR (default ``docs/figures``).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nnlab.lessons.multitask import compare  # noqa: E402


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    r = compare(n_train=100, missing=0.75, seeds=3)
    for name in ("multi-task", "single-task"):
        print(f"{name:<12} mean dev error {np.mean(r[name]) * 100:.1f} %   "
              + ", ".join(f"{t} {e * 100:.1f} %" for t, e in zip(r["tasks"], r[name])))
    fig, ax = plt.subplots(figsize=(6, 3))
    x = np.arange(len(r["tasks"]))
    ax.bar(x - 0.2, np.array(r["multi-task"]) * 100, width=0.4, label="one trunk, 4 sigmoid outputs")
    ax.bar(x + 0.2, np.array(r["single-task"]) * 100, width=0.4, label="4 separate networks")
    ax.set_xticks(x, r["tasks"])
    ax.set_ylabel("dev error (%)")
    ax.set_title("100 training digits, 56 % of the answers '?'", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "structuring_multitask.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main(*sys.argv[1:2])
