"""Data mismatch: clean training digits, grainy dev/test digits; the train-dev set tells; synthesis closes the gap.

    python examples/data_mismatch.py [OUT_DIR]

Prints the training, train-dev, dev and test errors and the diagnosis of three models (trained
on clean images, on clean images with fresh synthetic grain, with grain from a bank of only 5
noise images) and writes ``structuring_mismatch.png`` (examples of each distribution and the
error bars) to OUT_DIR (default ``docs/figures``).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nnlab.data import get_dataset  # noqa: E402
from nnlab.lessons.mismatch import mismatch_experiment, noise_bank, shift_to_target, synthesize  # noqa: E402


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    r = mismatch_experiment(bank_sizes=(None, 5))
    for name, e in r.items():
        print(f"{name:<22} train {e['train'] * 100:5.1f} %  train-dev {e['train_dev'] * 100:5.1f} %  "
              f"dev {e['dev'] * 100:5.1f} %  test {e['test'] * 100:5.1f} %   "
              + ", ".join(f"{k} {v * 100:.1f} %" for k, v in e["gaps"].items()))
    d = get_dataset("digits")
    rows = {"training (clean)": d.X_train[:6], "dev / test (grain)": shift_to_target(d.X_dev[:6], 1),
            "synthesized": synthesize(d.X_train[:6], None, 3),
            "synthesized, bank of 5": synthesize(d.X_train[:6], noise_bank(5, 64, 5), 3)}
    fig = plt.figure(figsize=(10, 4.2))
    for i, (name, imgs) in enumerate(rows.items()):
        for j, img in enumerate(imgs):
            ax = fig.add_subplot(4, 12, i * 12 + j + 1)
            ax.imshow(img.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
            if j == 0:
                ax.set_title(name, fontsize=7, loc="left")
    ax = fig.add_axes([0.56, 0.12, 0.42, 0.78])
    names = list(r)
    for k, split in enumerate(("train", "train_dev", "dev", "test")):
        ax.bar(np.arange(len(names)) + (k - 1.5) * 0.2, [r[n][split] * 100 for n in names], width=0.2,
               label=split.replace("_", "-"))
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("error (%)")
    ax.legend(fontsize=8)
    fig.savefig(os.path.join(out, "structuring_mismatch.png"), dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main(*sys.argv[1:2])
