"""U-Net on the synthetic shapes, with and without its skip connections, beside an FCN-8s.

Run: python examples/unet_shapes.py [OUT.png] [--run-dirs runs/unet-shapes-seg runs/unet-noskip-shapes-seg ...]
                                    [--epochs E]

Without ``--run-dirs`` it trains the three default runs in turn (``nnlab train --model unet |
unet-noskip | fcn --dataset shapes-seg``: 2000 images of 64×64, the same epochs for each). It
then segments 300 held-out images (generator seed 1), prints each model's mIoU, pixel
accuracy and per-class IoU, and draws held-out images beside the true class maps and each
model's prediction: the no-skip U-Net's blobby, rounded boundaries are the seeds' reason
for skip connections.
"""

import argparse
import dataclasses

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from nnlab.models.segmentation.run import (
    PALETTE, SegmentationRunConfig, evaluate_segmenter, load_segmenter, run_data, segment, train_segmentation_run,
)


def main(out: str = "unet_shapes.png", run_dirs: list[str] | None = None, epochs: int | None = None,
         shown: int = 5) -> dict:
    if not run_dirs:
        run_dirs = []
        for model in ("unet", "unet-noskip", "fcn"):
            config = SegmentationRunConfig(model=model)
            if epochs:
                config = dataclasses.replace(config, epochs=epochs)
            m = train_segmentation_run(config)
            print(f"{model}: trained in {m['train_seconds']:.0f} s (CPU {m['train_cpu_seconds']:.0f} s)")
            run_dirs.append(config.run_dir)
    models = [load_segmenter(d) for d in run_dirs]
    test = run_data(models[0][1])[1]
    truth = test.targets_array()
    results, preds = {}, []
    for model, config in models:
        scores = evaluate_segmenter(model, test.images, truth, test.num_classes)
        results[config.model] = scores.as_dict(test.classes)
        preds.append(segment(model, test.images[:shown]))
        ious = "  ".join(f"{k} {v:.3f}" for k, v in results[config.model]["iou"].items())
        print(f"{config.model:>12}: mIoU {scores.miou:.4f}  pixel accuracy {scores.pixel_accuracy:.4f}  IoU {ious}")
    titles = ["image", "truth"] + [f"{c.model}\nmIoU {results[c.model]['miou']:.3f}" for _, c in models]
    fig = Figure(figsize=(1.9 * len(titles), 1.9 * shown + 0.6))
    FigureCanvasAgg(fig)
    for r in range(shown):
        panels = [test.images[r].transpose(1, 2, 0), PALETTE[truth[r]]] + [PALETTE[p[r]] for p in preds]
        for c, panel in enumerate(panels):
            ax = fig.add_subplot(shown, len(titles), r * len(titles) + c + 1)
            ax.imshow(np.clip(panel, 0, 1), interpolation="nearest")
            ax.axis("off")
            if r == 0:
                ax.set_title(titles[c], fontsize=8)
    fig.legend(handles=[Patch(color=PALETTE[k], label=n) for k, n in enumerate(test.classes)], loc="lower center",
               ncol=len(test.classes), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out, dpi=90)
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="unet_shapes.png")
    p.add_argument("--run-dirs", nargs="*", default=None)
    p.add_argument("--epochs", type=int, default=None)
    a = p.parse_args()
    main(a.out, a.run_dirs, a.epochs)
