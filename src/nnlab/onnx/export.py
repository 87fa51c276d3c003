"""``export``: write an nnlab model as an ONNX file, with ``torch.onnx.export``'s signature.

The model runs once in eval mode without gradients while a :class:`~nnlab.onnx.trace.Tracer`
records every primitive it applies; each primitive becomes one or a few ONNX nodes
(:mod:`nnlab.onnx.ops_basic`, :mod:`nnlab.onnx.ops_nn`), parameters and buffers become
initializers named by their state_dict keys, and ``onnx.checker.check_model`` checks
the result.

Dynamic axes: with ``dynamic_axes`` the model runs a second time with one more sample
along every dynamic input axis. A dim that differs between the two runs is dynamic;
shapes that ops take as arguments (reshape, broadcast) then read those dims from the
input at run time instead of freezing the traced batch size. A tensor the model made
outside the primitives (NumPy, a comparison) that changes between the two runs depends
on the input, so it cannot be a constant: that is an error naming the op.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np
import onnx

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module
from nnlab.onnx import ops_nn  # noqa: F401  (registers the layer converters)
from nnlab.onnx.graph import ExportError, GraphBuilder
from nnlab.onnx.ops_basic import CONVERTERS
from nnlab.onnx.trace import Record, Tracer
from nnlab.ops.creation import from_numpy

__all__ = ["export", "DEFAULT_OPSET", "SUPPORTED_OPSETS"]

DEFAULT_OPSET = 18
#: LayerNormalization needs 17; ReduceMean/ReduceMax with axes as an input need 18; onnxruntime reads <= 26.
SUPPORTED_OPSETS = range(18, 27)


def _as_tuple(args: Any) -> tuple:
    return args if isinstance(args, tuple) else (args,)


def _to_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else from_numpy(np.asarray(x))


def _grow(x: Tensor, axes: Sequence[int]) -> Tensor:
    """``x`` with one more entry (a copy of the first) along each of ``axes``."""
    arr = x.array
    for a in axes:
        arr = np.concatenate([arr, np.take(arr, [0], axis=a)], axis=a)
    return from_numpy(np.ascontiguousarray(arr))


def _outputs(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):  # nested, e.g. an LSTM LM's (logits, (h_n, c_n)): flattened in order
        return [t for o in out for t in _outputs(o)]
    raise ExportError(f"onnx.export: the model must return a Tensor or a tuple of Tensors, got {type(out).__name__}")


def _trace(model: Module, inputs: tuple) -> tuple[list[Record], list[Tensor]]:
    with no_grad(), Tracer(model) as tracer:
        out = model(*inputs)
    return tracer.records, _outputs(out)


def _dim_table(names: Sequence[str], dynamic_axes: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    table: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, Mapping):
            table[name] = {int(a): str(n) for a, n in axes.items()}
        else:
            table[name] = {int(a): f"{name}_dynamic_axes_{int(a) + 1}" for a in axes}
    return table


def _bind_constants(rec1: Record, rec2: Record, g: GraphBuilder) -> None:
    """Tensor arguments not made by a traced op: constants, or filled arrays whose shape follows the batch.

    One that is the same in both traces is a constant (the default). One filled with a
    single value whose shape changes with the batch (zeros for BERT's token types, an
    all-zero additive mask) becomes ``Expand(value, shape)``. Anything else was computed
    from the input data outside nnlab's ops and cannot be a constant: an error.
    """
    for a, b in zip(rec1.args, rec2.args):
        if not isinstance(a, (Tensor, np.ndarray)) or g.lookup(a) is not None:
            continue
        if isinstance(a, Tensor) and g.lookup(a.array) is not None:
            continue
        x = a.array if isinstance(a, Tensor) else a
        y = b.array if isinstance(b, Tensor) else np.asarray(b)
        if x.shape == y.shape and np.array_equal(x, y):
            continue
        if x.size and y.size and x.ndim == y.ndim and np.all(x == x.flat[0]) and np.all(y == x.flat[0]):
            fill = g.const(np.asarray(x.flat[0], dtype=x.dtype), "fill")
            g.bind(a, g.add("Expand", [fill, g.shape_tensor(x.shape, y.shape, rec1.fn.__name__)], hint="filled"),
                   y.shape)
            continue
        raise ExportError(
            f"onnx.export: {rec1.fn.__name__} (in {rec1.where or 'the model'}) takes a tensor of shape {x.shape} "
            "that was computed outside nnlab's ops (NumPy, a comparison, a mask) and depends on the inputs; "
            "it cannot be stored as a constant. Compute it with nnlab ops or pass it as an input")


def export(model: Module, args: Any, f: str | os.PathLike, input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None, dynamic_axes: Mapping[str, Any] | None = None,
           opset_version: int | None = None) -> onnx.ModelProto:
    """Trace ``model(*args)`` once and write it as an ONNX model to ``f``; returns the ModelProto.

    Args:
        model: an nnlab Module (exported in eval mode; its mode is restored afterwards).
        args: the example input, or a tuple of them (Tensors or arrays; integer arrays
            for token ids).
        f: the file to write.
        input_names: one name per input. Default: ``input_0``, ``input_1``, ...
        output_names: one name per output. Default: ``output_0``, ...
        dynamic_axes: ``{name: {axis: "dim name"}}`` or ``{name: [axes]}`` for inputs and
            outputs whose size may change, e.g. ``{"x": {0: "batch"}, "y": {0: "batch"}}``.
            Default: None (every shape fixed to the example's).
        opset_version: the ONNX opset, 18 to 26. Default: 18.

    Raises:
        ExportError: (a ValueError) naming the primitive and the layer it ran in when it
            has no ONNX counterpart, or when a constant depends on the input.
    """
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"onnx.export: opset_version must lie in [{SUPPORTED_OPSETS.start}, "
                         f"{SUPPORTED_OPSETS.stop - 1}], got {opset}")
    inputs = tuple(_to_tensor(a) for a in _as_tuple(args))
    input_names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    if len(input_names) != len(inputs):
        raise ValueError(f"onnx.export: {len(inputs)} inputs but {len(input_names)} input_names")
    dims = _dim_table(input_names + list(output_names or []), dynamic_axes)
    unknown = set(dims) - set(input_names) - set(output_names or [])
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)} are neither inputs nor outputs")

    was_training = model.training
    model.eval()
    try:
        records, outs = _trace(model, inputs)
        grown = tuple(_grow(x, list(dims.get(n, {}))) for x, n in zip(inputs, input_names))
        records2, outs2 = _trace(model, grown) if dims else (records, outs)
    finally:
        model.train(was_training)
    if len(records2) != len(records) or any(a.fn is not b.fn for a, b in zip(records, records2)):
        raise ExportError("onnx.export: the model ran different ops for inputs of another batch size; "
                          "its control flow depends on the input shape, so export without dynamic_axes")

    g = GraphBuilder(opset)
    for x, x2, name in zip(inputs, grown if dims else inputs, input_names):
        g.reserve(name)
        g.bind(x, name, x2.array.shape)
        for axis in dims.get(name, {}):
            g.sources.append((name, axis, x.array.shape[axis], x2.array.shape[axis]))
    state = dict(model.named_parameters())
    state.update({k: b for k, b in model.named_buffers() if b is not None})
    for key, t in state.items():
        g.bind(t, g.const(t.array, hint=key))

    for rec, rec2 in zip(records, records2):
        convert = CONVERTERS.get(rec.fn)
        if convert is None:
            raise ExportError(f"onnx.export: {rec.fn.__name__} (in {rec.where or 'the model'}) has no ONNX counterpart")
        _bind_constants(rec, rec2, g)
        rec.out2_shape = tuple(rec2.out.shape)
        try:
            name = convert(g, rec)
        except ExportError:
            raise
        except Exception as exc:
            raise ExportError(f"onnx.export: converting {rec.fn.__name__} (in {rec.where or 'the model'}) failed: "
                              f"{type(exc).__name__}: {exc}") from exc
        g.result(name, rec.out, rec.out2_shape)

    output_names = list(output_names or [f"output_{i}" for i in range(len(outs))])
    if len(output_names) != len(outs):
        raise ValueError(f"onnx.export: the model returns {len(outs)} outputs but {len(output_names)} output_names")
    graph_inputs = [g.value_info(n, dims.get(n, {})) for n in input_names]
    graph_outputs = []
    for out, out2, name in zip(outs, outs2, output_names):
        g.output(name, g.value(out), tuple(out.shape), tuple(out2.shape), out.array.dtype)
        auto = {i: f"{name}_dim_{i}" for i in g.dynamic_dims(name)}
        graph_outputs.append(g.value_info(name, {**auto, **dims.get(name, {})}))
    model_proto = g.model(graph_inputs, graph_outputs, type(model).__name__)
    onnx.checker.check_model(model_proto, full_check=True)
    onnx.save(model_proto, os.fspath(f))
    return model_proto
