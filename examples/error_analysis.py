"""Error analysis of a digits classifier: the misclassified dev images, tags with ceilings, the confusion matrix.

    python examples/error_analysis.py [OUT_DIR]

Writes ``structuring_misclassified.png`` and ``structuring_confusion.png`` to OUT_DIR (default
``docs/figures``) and prints the error table and the ceiling per tag.
"""

import os
import sys

from nnlab.diagnostics.error_figures import misclassified_table, plot_confusion, plot_misclassified
from nnlab.lessons.error_analysis import digits_error_report


def main(out: str = "docs/figures") -> None:
    os.makedirs(out, exist_ok=True)
    r = digits_error_report()
    print(f"dev error {r.dev_error * 100:.1f} % ({len(r.rows)} errors)")
    print(misclassified_table(r.rows, tags=r.tags))
    print("tag          share of errors   ceiling (dev error if all fixed)")
    for name, c in r.ceilings.items():
        print(f"{name:<12} {c['share'] * 100:10.0f} %   {c['ceiling'] * 100:10.2f} %")
    plot_misclassified(r.images, r.rows, os.path.join(out, "structuring_misclassified.png"))
    plot_confusion(r.confusion, os.path.join(out, "structuring_confusion.png"))


if __name__ == "__main__":
    main(*sys.argv[1:2])
