"""Receptive fields of a stack of convolution and pooling layers.

Layer l with kernel k_l, stride s_l, dilation d_l and padding p_l (before) maps each of its
output units to a window of the previous feature map; composed back to the input:

    r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1}            receptive field size (r_0 = 1)
    j_l = j_{l−1}·s_l                                 jump: input pixels between neighbouring units (j_0 = 1)
    start_l = start_{l−1} + ((k_l − 1)·d_l/2 − p_l)·j_{l−1}   centre of the first unit's field (start_0 = 0)

So depth grows r linearly (two 3×3 convs see 5×5, three see 7×7), every stride or pooling
multiplies the growth of all later layers, and dilation d widens one layer's step to d·j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence, Union

from nnlab.nn.module import Module
from nnlab.ops.conv import as_tuple, same_padding

Dims = Union[int, tuple]


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """One layer: its geometry and, after it, the receptive field ``size`` (r), ``jump`` (j) and ``start``.

    Values are ints (floats for ``start``) for 1-D descriptions, tuples with one entry per
    spatial dim when any layer or the input size is given per dim. ``output_size`` is the
    feature-map size after the layer when ``input_size`` was given, else ``None``.
    """

    name: str
    kernel: Dims
    stride: Dims
    dilation: Dims
    padding: Dims
    size: Dims
    jump: Dims
    start: Any
    output_size: Dims | None = None


class ReceptiveField(list):
    """The rows of :func:`receptive_field`, one per layer; ``str()`` is a table and ``size`` the last r."""

    @property
    def size(self) -> Dims:
        return self[-1].size if self else 1

    def __str__(self) -> str:
        head = ("layer", "kernel", "stride", "dilation", "padding", "output", "r", "jump", "start")
        body = [
            (r.name, r.kernel, r.stride, r.dilation, r.padding, "" if r.output_size is None else r.output_size,
             r.size, r.jump, r.start)
            for r in self
        ]
        cells = [tuple(str(v) for v in row) for row in [head, *body]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                 for row in cells]
        return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _module_layers(model: Module, prefix: str = "") -> list[tuple[str, Module]]:
    """Leaf modules with a ``kernel_size`` (convolutions, pooling), in registration order, named as
    ``"<dotted name> (<class>)"``."""
    found = []
    for name, m in model.named_modules():
        if hasattr(m, "kernel_size") and not any(True for _ in m.children()):
            dotted = ".".join(part for part in (prefix, name) if part)
            if getattr(m, "transposed", False):
                raise ValueError(f"receptive_field: transposed convolution {dotted!r} ({type(m).__name__}) is not supported")
            found.append((f"{dotted} ({type(m).__name__})" if dotted else type(m).__name__, m))
    return found


def _spec_of(layer: Any) -> tuple[Any, Any, Any, Any, bool]:
    """(kernel, stride, dilation, padding, ceil_mode) of a module (duck-typed like PyTorch's) or a tuple spec."""
    if isinstance(layer, Module):
        k = layer.kernel_size
        s = getattr(layer, "stride", None)
        return (k, k if s is None else s, getattr(layer, "dilation", 1), getattr(layer, "padding", 0),
                bool(getattr(layer, "ceil_mode", False)))
    spec = tuple(layer)
    if len(spec) not in (3, 4):
        raise ValueError(f"receptive_field: a layer is (kernel, stride, dilation[, padding]), got {spec!r}")
    return spec[0], spec[1], spec[2], spec[3] if len(spec) == 4 else 0, False


def _flatten(layers: Module | Iterable[Any]) -> list[tuple[str, Any]]:
    if isinstance(layers, Module):
        return _module_layers(layers)
    out = []
    for i, layer in enumerate(layers):
        if isinstance(layer, Module):
            out.extend(_module_layers(layer, prefix=str(i)))
        else:
            out.append((f"layer {i + 1}", layer))
    return out


def receptive_field(layers: Module | Sequence[Any], input_size: int | Sequence[int] | None = None) -> ReceptiveField:
    """r, jump and start after every layer of a stack (see the module docstring for the formulas).

    Args:
        layers: a list of ``(kernel, stride, dilation[, padding])`` tuples (ints, or tuples per
            spatial dim), and/or modules; a module such as ``nn.Sequential`` is read layer by
            layer: every leaf with a ``kernel_size`` (Conv*, MaxPool*, AvgPool*, ...) counts,
            with its ``stride`` (``None`` = kernel), ``dilation`` (default 1), ``padding``
            (int, tuple, ``'valid'``, ``'same'``) and ``ceil_mode``; pointwise layers (activations,
            normalization, dropout) leave the field unchanged and are skipped.
        input_size: spatial size of the input (int or per dim); gives each row's
            ``output_size`` and the exact ``'same'`` padding of strided layers (without it,
            ``'same'`` assumes the size divides by the stride).

    Returns:
        a :class:`ReceptiveField` (a list of :class:`ReceptiveFieldRow`, printable as a table).

    Example:
        >>> receptive_field([(3, 1, 1), (3, 1, 1)]).size   # two 3×3 convs see as much as one 5×5
        5
    """
    named = _flatten(layers)
    specs = [(name, _spec_of(layer)) for name, layer in named]
    per_dim = isinstance(input_size, (tuple, list)) or any(
        not isinstance(v, (int, str)) for _, spec in specs for v in spec[:4]
    )
    nd = 1
    if isinstance(input_size, (tuple, list)):
        nd = len(input_size)
    for _, spec in specs:
        for v in spec[:4]:
            if not isinstance(v, (int, str)):
                nd = max(nd, len(tuple(v)))
    size = [1] * nd
    jump = [1] * nd
    start = [0.0] * nd
    n = None if input_size is None else list(as_tuple(input_size, nd, "input_size", "receptive_field"))
    rows = ReceptiveField()
    for name, (k, s, d, p, ceil_mode) in specs:
        k, s, d = (as_tuple(v, nd, what, "receptive_field") for v, what in ((k, "kernel"), (s, "stride"), (d, "dilation")))
        if any(v < 1 for v in k + s + d):
            raise ValueError(f"receptive_field: {name}: kernel, stride and dilation must be positive, got {k}, {s}, {d}")
        if p == "valid":
            pairs = [(0, 0)] * nd
        elif p == "same":
            guess = [max(di * (ki - 1) + 1 - si, 0) if si > 1 else di * (ki - 1) for ki, si, di in zip(k, s, d)]
            pairs = list(same_padding(n, k, s, d)) if n is not None else [(t // 2, t - t // 2) for t in guess]
        else:
            pairs = [(v, v) for v in as_tuple(p, nd, "padding", "receptive_field")]
        for i in range(nd):
            start[i] += ((k[i] - 1) * d[i] / 2 - pairs[i][0]) * jump[i]
            size[i] += (k[i] - 1) * d[i] * jump[i]
            jump[i] *= s[i]
            if n is not None:
                span = n[i] + pairs[i][0] + pairs[i][1] - d[i] * (k[i] - 1) - 1
                if span < 0:
                    raise ValueError(f"receptive_field: {name}: kernel {k} does not fit the {tuple(n)} feature map")
                out = -(-span // s[i]) + 1 if ceil_mode else span // s[i] + 1
                if ceil_mode and (out - 1) * s[i] >= n[i] + pairs[i][0]:
                    out -= 1  # PyTorch: the last window must start inside the input or left padding
                n[i] = out
        pad_out = tuple(lo for lo, _ in pairs)

        def pack(v: Sequence) -> Dims:
            return tuple(v) if per_dim else v[0]

        rows.append(ReceptiveFieldRow(
            name, pack(k), pack(s), pack(d), p if isinstance(p, str) else pack(pad_out), pack(size), pack(jump),
            pack([float(v) for v in start]), None if n is None else pack(n),
        ))
    return rows
