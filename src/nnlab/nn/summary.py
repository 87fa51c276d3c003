"""``summary(model, input_shape)``: a Keras-style table of layers, output shapes and parameter counts."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy


@dataclass
class SummaryRow:
    """One called module: its dotted ``name``, class ``type``, ``output_shape`` (a tuple, or a
    list of tuples for several outputs), ``activations`` (output values per example) and
    ``params`` (its own parameters; 0 on repeated calls of the same module)."""

    name: str
    type: str
    output_shape: Any = None
    activations: int = 0
    params: int = 0


@dataclass
class Summary:
    """What ``summary`` measured; ``str(summary)`` is the table.

    Attributes:
        rows: one ``SummaryRow`` per call of a leaf module (or of a module owning parameters
            directly), in call order.
        total_params: Σ numel over the model's distinct parameters.
        trainable_params: those with ``requires_grad``.
        frozen_params: those without (``total_params − trainable_params``).
        total_activations: Σ rows' activations: output values per example, a proxy for the
            activation memory a training step keeps.
        input_shape: the shape(s) fed, batch dim included.
        output_shape: the model's output shape(s).
        batch_size: the batch size used.
    """

    model_name: str
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    frozen_params: int = 0
    total_activations: int = 0
    input_shape: Any = None
    output_shape: Any = None
    batch_size: int = 1

    def __str__(self) -> str:
        header = ("Layer (type)", "Output Shape", "Activations", "Param #")
        body = [(f"{r.name} ({r.type})", _fmt_shape(r.output_shape), f"{r.activations:,}", f"{r.params:,}")
                for r in self.rows]
        widths = [max(len(line[i]) for line in [header] + body) for i in range(4)]
        width = sum(widths) + 6

        def fmt(cols):
            return f"{cols[0]:<{widths[0]}}  {cols[1]:<{widths[1]}}  {cols[2]:>{widths[2]}}  {cols[3]:>{widths[3]}}"

        lines = [f'Model: "{self.model_name}"', "=" * width, fmt(header), "=" * width]
        lines += [fmt(cols) for cols in body]
        lines += [
            "=" * width,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.frozen_params:,}",
            f"Total activations (per example): {self.total_activations:,}",
            f"Input shape: {_fmt_shape(self.input_shape)} (batch size {self.batch_size}), "
            f"output shape: {_fmt_shape(self.output_shape)}",
            "=" * width,
        ]
        return "\n".join(lines)


def _fmt_shape(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    return str(tuple(shape)) if shape is not None else "-"


def _tensors(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return []


def _make_inputs(input_shape, dtype, batch_size: int) -> list[Tensor]:
    shapes = [input_shape] if all(isinstance(s, (int, np.integer)) for s in input_shape) else list(input_shape)
    dtypes = dtype if isinstance(dtype, (list, tuple)) else [dtype] * len(shapes)
    if len(dtypes) != len(shapes):
        raise ValueError(f"summary: {len(shapes)} input shapes but {len(dtypes)} dtypes")
    # A private generator: printing a summary must not shift the user's seeded random stream.
    rng = np.random.default_rng(0)
    inputs = []
    for shape, dt in zip(shapes, dtypes):
        d = as_dtype(dt)
        full = (batch_size,) + tuple(int(s) for s in shape)
        data = rng.standard_normal(full).astype(d) if d.kind == "f" else np.zeros(full, dtype=d)
        inputs.append(from_numpy(data))
    return inputs


def summary(
    model: Module,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    dtype=None,
    batch_size: int = 1,
    print: bool = True,  # noqa: A002 - the Keras-like switch name
    *,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    dtypes=None,
    verbose: int | None = None,
) -> Summary:
    """Run one forward pass and tabulate each layer's output shape, activations and parameters.

    The pass runs under ``no_grad`` in eval mode (each module's mode is restored after,
    as are its hooks) on a standard-normal input for floating dtypes, or zeros (valid
    indices) for integer dtypes, drawn from a private generator so the global seeded
    stream is untouched.

    Args:
        model: the module to inspect.
        input_shape: shape of one example, WITHOUT the batch dim, e.g. ``(1, 28, 28)``;
            or a list of such shapes for a model taking several inputs.
        dtype: input dtype (default float32), or a list of dtypes, one per input
            (e.g. ``nnlab.int64`` for token ids).
        batch_size: batch dim prepended to every input (default 1); shapes in the table
            include it, activations are divided by it.
        print: print the table (default ``True``).
        input_size: torchinfo's spelling: the full input shape WITH the batch dim, e.g.
            ``summary(model, input_size=(16, 1, 28, 28))`` (or a list of them); replaces
            ``input_shape`` and ``batch_size``. ``dtypes`` and ``verbose`` (0 = no print)
            as in torchinfo.

    Returns:
        a :class:`Summary`; its rows are the leaf modules (and modules owning parameters
        directly) in call order; totals count every distinct parameter of ``model``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nnlab.nn.Module, got {type(model).__name__}")
    if input_size is not None:
        sizes = [tuple(input_size)] if isinstance(input_size[0], int) else [tuple(t) for t in input_size]
        batch_size = sizes[0][0]
        input_shape = sizes[0][1:] if len(sizes) == 1 else [t[1:] for t in sizes]
    if input_shape is None:
        raise TypeError("summary: give input_shape (one example, no batch dim) or input_size (with the batch dim)")
    if dtypes is not None:
        dtype = dtypes[0] if len(dtypes) == 1 else list(dtypes)
    if verbose is not None:
        print = bool(verbose)  # noqa: A001
    if batch_size < 1:
        raise ValueError(f"summary: batch_size must be at least 1, got {batch_size}")
    inputs = _make_inputs(tuple(input_shape), dtype, batch_size)

    names = {id(m): name for name, m in model.named_modules()}
    modes = [(m, m.training) for m in model.modules()]
    rows: list[SummaryRow] = []
    counted: set[int] = set()
    pending: dict[int, list[SummaryRow]] = {}  # rows awaiting their output; a stack per module for re-entrant calls
    handles = []

    def pre_hook(module: Module, args: tuple) -> None:
        own = 0
        if id(module) not in counted:
            counted.add(id(module))
            own = sum(p.numel() for p in module.parameters(recurse=False))
        row = SummaryRow(names.get(id(module), "?") or type(module).__name__, type(module).__name__, params=own)
        rows.append(row)
        pending.setdefault(id(module), []).append(row)

    def hook(module: Module, args: tuple, output: Any) -> None:
        row = pending[id(module)].pop()
        outs = _tensors(output)
        shapes = [tuple(t.shape) for t in outs]
        row.output_shape = shapes[0] if len(shapes) == 1 else shapes
        row.activations = sum(t.numel() for t in outs) // batch_size

    for m in model.modules():
        is_leaf = not any(True for _ in m.children())
        if is_leaf or any(True for _ in m.parameters(recurse=False)):
            handles.append(m.register_forward_pre_hook(pre_hook))
            handles.append(m.register_forward_hook(hook))
    try:
        model.eval()
        with no_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    out_shapes = [tuple(t.shape) for t in _tensors(out)]
    result = Summary(
        model_name=type(model).__name__,
        rows=rows,
        total_params=total,
        trainable_params=trainable,
        frozen_params=total - trainable,
        total_activations=sum(r.activations for r in rows),
        input_shape=[tuple(t.shape) for t in inputs] if len(inputs) > 1 else tuple(inputs[0].shape),
        output_shape=out_shapes[0] if len(out_shapes) == 1 else out_shapes,
        batch_size=batch_size,
    )
    if print:
        builtins.print(result)
    return result
