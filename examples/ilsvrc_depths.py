"""The ILSVRC winners' table of the seeds, with each nnlab model's depth measured from its own graph.

Run: python examples/ilsvrc_depths.py

Depth = weight layers (convs + fully connected) on the longest input → output path, found by
``nnlab.models.weight_layer_depth`` from one forward pass on a small image. The later
Inception v3 / v4 and Xception are added below the table with their parameter counts.
"""

from __future__ import annotations

import nnlab
from nnlab.models import (
    ILSVRC_WINNERS, alexnet, googlenet, ilsvrc_depths, inception_v3, inception_v4, resnet101, resnet152, xception,
    zfnet,
)


def n_params(m) -> int:
    return sum(p.numel() for p in m.parameters())


def main() -> None:
    nnlab.manual_seed(0)
    builders = [alexnet, zfnet, googlenet, resnet152]
    depths = ilsvrc_depths(builders, size=64)
    print("| Model | Year | Depth (seeds) | Depth (nnlab, measured) | Top-5 error | Parameters (nnlab) |")
    print("|---|---|---|---|---|---|")
    for row, build, depth in zip(ILSVRC_WINNERS, builders, depths):
        print(f"| {row.model} | {row.year} | {row.depth} | {depth} | {row.top5_error}% | {n_params(build()):,} |")
    print()
    later = [("ResNet-101", resnet101, 32), ("Inception v3", lambda: inception_v3(aux_logits=False), 75),
             ("Inception v4", inception_v4, 75), ("Xception", xception, 32)]
    for name, build, size in later:
        depth = ilsvrc_depths([build], size=size)[0]
        print(f"{name}: depth {depth}, {n_params(build()):,} parameters")


if __name__ == "__main__":
    main()
