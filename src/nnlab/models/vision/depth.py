"""Depth of a network computed from the model itself, and the ILSVRC winners' table of the seeds.

"Depth" in the ILSVRC papers is the number of weight layers (convolutions and fully
connected layers) on the longest input → output path: AlexNet's 5 convs + 3 FC = 8,
GoogLeNet's 22, ResNet-152's 152 (projection shortcuts, pools, BN and activations do not
count). :func:`weight_layer_depth` measures exactly that: it runs one forward pass, tags the
autograd node each weight layer produced, and takes the longest path through the recorded
graph counting tagged nodes.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import enable_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy


def _unit_modules(model: nn.Module, units: tuple) -> list[nn.Module]:
    """Modules of the ``units`` types, not descending into one already taken (a separable conv is one layer)."""
    found: list[nn.Module] = []

    def visit(m: nn.Module) -> None:
        if isinstance(m, units):
            found.append(m)
            return
        for _, child in m.named_children():
            visit(child)

    visit(model)
    return found


def weight_layer_depth(model: nn.Module, x, units: tuple | None = None) -> int:
    """depth = max over input → output paths of the number of weight layers on the path.

    Args:
        model: any module; run once in eval mode (auxiliary classifiers off), then restored.
        x: an input Tensor or array (a small one suffices: depth does not depend on H, W).
        units: module types counted as one layer each (default ``nn.Conv2d``, ``nn.Linear``
            and any module whose class sets ``counts_as_one_layer = True``); modules inside a
            counted unit are not counted again.

    Returns:
        The length, in weight layers, of the longest path through the forward graph.
    """
    if units is None:
        extra = tuple({type(m) for m in model.modules() if getattr(type(m), "counts_as_one_layer", False)})
        units = (nn.Conv2d, nn.Linear) + extra
    tagged: set[int] = set()
    keep: list = []

    def hook(module, args, out):
        if isinstance(out, Tensor) and out._node is not None:
            tagged.add(id(out._node))
            keep.append(out._node)

    handles = [m.register_forward_hook(hook) for m in _unit_modules(model, units)]
    was_training = model.training
    model.eval()
    try:
        with enable_grad():
            t = x if isinstance(x, Tensor) else from_numpy(np.asarray(x, dtype=np.float32))
            out = model(t)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if out._node is None:
        raise ValueError(f"weight_layer_depth: {type(model).__name__} produced no graph (no parameter needs grad)")
    return _longest_tagged_path(out._node, tagged)


def _longest_tagged_path(root, tagged: set[int]) -> int:
    """Longest path from ``root`` down to the leaves, counting nodes whose id is in ``tagged`` (iterative DFS)."""
    depth: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in depth:
            continue
        parents = [t._node for t in node._inputs if t is not None and t._node is not None]
        if done:
            below = max((depth[id(p)] for p in parents), default=0)
            depth[key] = below + (1 if key in tagged else 0)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in parents if id(p) not in depth)
    return depth[id(root)]


class ILSVRCEntry(NamedTuple):
    """One row of the seeds' "winning CNN architectures" table (top-5 error on ImageNet)."""

    model: str
    year: int
    depth: int
    top5_error: float
    batch_norm: bool


#: The seeds' table (004, "Winning CNN Architectures"); its "Top 5 Acc" row holds the top-5 *error*.
ILSVRC_WINNERS: tuple[ILSVRCEntry, ...] = (
    ILSVRCEntry("AlexNet", 2012, 8, 15.4, False),
    ILSVRCEntry("ZF Net", 2013, 8, 11.2, False),
    ILSVRCEntry("GoogLeNet", 2014, 22, 6.7, False),
    ILSVRCEntry("ResNet", 2015, 152, 3.57, True),
)


def ilsvrc_depths(builders: Sequence[Callable[[], nn.Module]], size: int = 64) -> list[int]:
    """Depth of each freshly built model on one (1, 3, size, size) zero image."""
    x = np.zeros((1, 3, size, size), dtype=np.float32)
    return [weight_layer_depth(build(), x) for build in builders]
