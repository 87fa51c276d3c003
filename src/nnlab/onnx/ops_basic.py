"""ONNX counterparts of nnlab's elementwise, activation, reduction, linear-algebra and movement primitives.

Each converter takes the :class:`~nnlab.onnx.graph.GraphBuilder` and one
:class:`~nnlab.onnx.trace.Record` (the primitive's arguments as ``apply`` got them) and
returns the name of the value that holds the primitive's output.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from onnx import TensorProto

from nnlab.autograd.tensor import Tensor
from nnlab.onnx.graph import ExportError, GraphBuilder, onnx_dtype
from nnlab.onnx.trace import Record
from nnlab.ops import activation as A
from nnlab.ops import elementwise as E
from nnlab.ops import linalg as LA
from nnlab.ops import movement as M
from nnlab.ops import nn_ops as NN
from nnlab.ops import reduce as R
from nnlab.ops.compare import Compare
from nnlab.ops._promotion import Cast

__all__ = ["CONVERTERS", "converter"]

Converter = Callable[[GraphBuilder, Record], str]
CONVERTERS: dict[type, Converter] = {}
INT64_MAX = np.iinfo(np.int64).max


def converter(*fns: type):
    def register(f: Converter) -> Converter:
        for fn in fns:
            CONVERTERS[fn] = f
        return f

    return register


def _dtype(rec: Record) -> np.dtype:
    return rec.out.array.dtype


def _in(g: GraphBuilder, rec: Record, i: int) -> str:
    """Argument ``i`` as a value; a number or array becomes a constant of the output's dtype if float."""
    x = rec.args[i]
    if g.lookup(x) is None and not isinstance(x, Tensor) and np.asarray(x).dtype.kind == "f":
        return g.value(x, dtype=_dtype(rec))
    if isinstance(x, Tensor) and g.lookup(x) is None and x.array.dtype.kind == "f" and x.array.dtype != _dtype(rec):
        return g.value(x.array, dtype=_dtype(rec))
    return g.value(x)


_BINARY = {E.Add: "Add", E.Sub: "Sub", E.Mul: "Mul", E.Div: "Div", E.Pow: "Pow", E.Maximum: "Max",
           E.Minimum: "Min", LA.MatMul: "MatMul"}
_UNARY = {E.Neg: "Neg", E.Exp: "Exp", E.Log: "Log", E.Sqrt: "Sqrt", E.Abs: "Abs", E.Sin: "Sin", E.Cos: "Cos",
          A.ReLU: "Relu", A.Sigmoid: "Sigmoid", A.Tanh: "Tanh", M.Copy: "Identity"}


@converter(*_BINARY)
def _binary(g, rec):
    return g.add(_BINARY[rec.fn], [_in(g, rec, 0), _in(g, rec, 1)])


@converter(*_UNARY)
def _unary(g, rec):
    return g.add(_UNARY[rec.fn], [_in(g, rec, 0)])


@converter(E.Clip, A.Hardtanh)
def _clip(g, rec):
    x, lo, hi = rec.args[:3]
    dt = _dtype(rec)
    bounds = ["" if b is None else g.const(np.asarray(b, dtype=dt), "clip") for b in (lo, hi)]
    return g.add("Clip", [_in(g, rec, 0), *bounds])


@converter(E.Where)
def _where(g, rec):
    cond = rec.args[0]
    name = g.lookup(cond.array if isinstance(cond, Tensor) else cond)
    if name is None:
        name = g.const(np.asarray(cond.array if isinstance(cond, Tensor) else cond, dtype=bool), "cond")
    elif g.dtypes[name] != np.bool_:
        name = g.add("Cast", [name], to=TensorProto.BOOL)
    return g.add("Where", [name, _in(g, rec, 1), _in(g, rec, 2)])


_COMPARE = {np.equal: "Equal", np.not_equal: "Equal", np.less: "Less", np.less_equal: "LessOrEqual",
            np.greater: "Greater", np.greater_equal: "GreaterOrEqual"}


@converter(Compare)
def _compare(g, rec):
    """``a == pad`` and friends: both operands brought to NumPy's common dtype (as the forward pass did)."""
    a, b, ufunc = rec.args
    dt = np.result_type(a, b)
    names = []
    for x in (a, b):
        name = g.lookup(x)
        if name is None:
            name = g.const(np.asarray(x, dtype=dt), "operand")
        elif g.dtypes[name] != dt:
            name = g.add("Cast", [name], to=onnx_dtype(dt))
        names.append(name)
    y = g.add(_COMPARE[ufunc], names)
    return g.add("Not", [y]) if ufunc is np.not_equal else y


@converter(Cast)
def _cast(g, rec):
    return g.add("Cast", [g.value(rec.args[0])], to=onnx_dtype(rec.args[1]))


@converter(A.LeakyReLU)
def _leaky(g, rec):
    return g.add("LeakyRelu", [_in(g, rec, 0)], alpha=float(rec.args[1]))


@converter(A.ELU)
def _elu(g, rec):
    alpha, scale = float(rec.args[1]), float(rec.args[2])
    if scale == 1.0:
        return g.add("Elu", [_in(g, rec, 0)], alpha=alpha)
    return g.add("Selu", [_in(g, rec, 0)], alpha=alpha, gamma=scale)


@converter(A.GELU)
def _gelu(g, rec):
    x, dt = _in(g, rec, 0), _dtype(rec)
    c = lambda v: g.const(np.asarray(v, dtype=dt), "gelu")  # noqa: E731
    if rec.args[1] == "tanh":  # 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³)))
        cube = g.add("Mul", [g.add("Mul", [x, x]), x])
        inner = g.add("Mul", [g.add("Add", [x, g.add("Mul", [cube, c(0.044715)])]), c(math.sqrt(2 / math.pi))])
        half = g.add("Add", [g.add("Tanh", [inner]), c(1.0)])
    else:  # 0.5 x (1 + erf(x / √2))
        half = g.add("Add", [g.add("Erf", [g.add("Div", [x, c(math.sqrt(2.0))])]), c(1.0)])
    return g.add("Mul", [g.add("Mul", [x, half]), c(0.5)])


@converter(A.Softplus)
def _softplus(g, rec):
    x, beta = _in(g, rec, 0), float(rec.args[1])
    if beta == 1.0:
        return g.add("Softplus", [x])
    b = g.const(np.asarray(beta, dtype=_dtype(rec)), "beta")
    return g.add("Div", [g.add("Softplus", [g.add("Mul", [x, b])]), b])


@converter(A.SiLU)
def _silu(g, rec):
    x = _in(g, rec, 0)
    return g.add("Mul", [x, g.add("Sigmoid", [x])])


@converter(NN.Softmax, NN.LogSoftmax)
def _softmax(g, rec):
    return g.add("Softmax" if rec.fn is NN.Softmax else "LogSoftmax", [_in(g, rec, 0)], axis=int(rec.args[1]))


@converter(NN.Normalize)
def _normalize(g, rec):
    x, p, axis, eps = _in(g, rec, 0), rec.args[1], rec.args[2], rec.args[3]
    if p not in (1.0, 2.0):
        raise ExportError(f"onnx.export: normalize with p={p} has no ONNX counterpart (p = 1 or 2 only)")
    norm = g.add("ReduceL2" if p == 2.0 else "ReduceL1", [x, g.ints([axis])], keepdims=1)
    norm = g.add("Max", [norm, g.const(np.asarray(eps, dtype=_dtype(rec)), "eps")])
    return g.add("Div", [x, norm])


# ---- reductions ----------------------------------------------------------------------------------
def _axes(g: GraphBuilder, x: str, axes) -> list[str]:
    if axes is None:
        return [g.ints(range(len(g.shape(x))))]
    return [g.ints([axes] if isinstance(axes, (int, np.integer)) else list(axes))]


@converter(R.Sum, R.Mean, R.LogSumExp)
def _reduce(g, rec):
    op = {R.Sum: "ReduceSum", R.Mean: "ReduceMean", R.LogSumExp: "ReduceLogSumExp"}[rec.fn]
    x = _in(g, rec, 0)
    return g.add(op, [x, *_axes(g, x, rec.args[1])], keepdims=int(bool(rec.args[2])))


@converter(R.AMax)
def _amax(g, rec):
    x = _in(g, rec, 0)
    return g.add("ReduceMax" if rec.args[3] else "ReduceMin", [x, *_axes(g, x, rec.args[1])],
                 keepdims=int(bool(rec.args[2])))


@converter(R.MaxDim)
def _maxdim(g, rec):
    x = _in(g, rec, 0)
    return g.add("ReduceMax", [x, g.ints([rec.args[1]])], keepdims=int(bool(rec.args[2])))


@converter(R.Var)
def _var(g, rec):
    x, axes, correction, keepdim = _in(g, rec, 0), rec.args[1], rec.args[2], rec.args[3]
    ax = _axes(g, x, axes)
    shape = g.shape(x)
    n = math.prod(shape) if axes is None else math.prod(shape[a] for a in ([axes] if isinstance(axes, int) else axes))
    centered = g.add("Sub", [x, g.add("ReduceMean", [x, *ax], keepdims=1)])
    total = g.add("ReduceSum", [g.add("Mul", [centered, centered]), *ax], keepdims=int(bool(keepdim)))
    return g.add("Div", [total, g.const(np.asarray(max(n - correction, 0), dtype=_dtype(rec)), "n")])


# ---- linear algebra and movement ---------------------------------------------------------------------
@converter(LA.Linear)
def _linear(g, rec):
    x, w = _in(g, rec, 0), _in(g, rec, 1)
    known = g.constant_value(w)
    wt = g.const(known.T, "weight_t") if known is not None else g.add("Transpose", [w], perm=[1, 0])
    y = g.add("MatMul", [x, wt])
    return y if rec.args[2] is None else g.add("Add", [y, _in(g, rec, 2)])


@converter(M.Reshape)
def _reshape(g, rec):
    return g.add("Reshape", [_in(g, rec, 0), g.shape_tensor(rec.out.shape, rec.out2_shape, "reshape")])


@converter(M.Permute)
def _permute(g, rec):
    return g.add("Transpose", [_in(g, rec, 0)], perm=[int(a) for a in rec.args[1]])


@converter(M.BroadcastTo)
def _expand(g, rec):
    return g.add("Expand", [_in(g, rec, 0), g.shape_tensor(rec.out.shape, rec.out2_shape, "broadcast_to")])


@converter(M.Cat)
def _cat(g, rec):
    dim = int(rec.args[0]) % rec.out.ndim
    return g.add("Concat", [g.value(x, dtype=_dtype(rec) if g.lookup(x) is None else None) for x in rec.args[1:]],
                 axis=dim)


@converter(M.Stack)
def _stack(g, rec):
    dim = int(rec.args[0]) % rec.out.ndim
    parts = [g.add("Unsqueeze", [g.value(x), g.ints([dim])]) for x in rec.args[1:]]
    return g.add("Concat", parts, axis=dim)


@converter(M.Pad)
def _pad(g, rec):
    x, widths, mode, value = rec.args
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    inputs = [_in(g, rec, 0), g.ints(pads, "pads")]
    if mode == "constant":
        inputs.append(g.const(np.asarray(value, dtype=_dtype(rec)), "pad_value"))
    return g.add("Pad", inputs, mode=onnx_mode)


@converter(M.Gather)
def _gather(g, rec):
    return g.add("GatherElements", [_in(g, rec, 0), g.value(rec.args[2])], axis=int(rec.args[1]))


@converter(M.GetItem)
def _getitem(g, rec):
    x, index = _in(g, rec, 0), rec.args[1]
    index = index if isinstance(index, tuple) else (index,)
    ndim = len(g.shape(x))
    if any(i is Ellipsis for i in index):
        k = index.index(Ellipsis)
        used = sum(1 for i in index if i is not None and i is not Ellipsis)
        index = index[:k] + (slice(None),) * (ndim - used) + index[k + 1 :]
    starts, ends, steps, axes, squeeze, unsqueeze, arrays = [], [], [], [], [], [], []
    d = out_pos = 0
    for item in index:
        if item is None:
            unsqueeze.append(out_pos)
            out_pos += 1
            continue
        if isinstance(item, (int, np.integer)):
            i = int(item)
            starts.append(i), ends.append(i + 1 if i != -1 else INT64_MAX), steps.append(1), axes.append(d)
            squeeze.append(d)
        elif isinstance(item, slice):
            step = 1 if item.step is None else int(item.step)
            if not (item.start is None and item.stop is None and step == 1):
                starts.append(int(item.start) if item.start is not None else (0 if step > 0 else -1))
                ends.append(int(item.stop) if item.stop is not None else (INT64_MAX if step > 0 else -INT64_MAX))
                steps.append(step), axes.append(d)
            out_pos += 1
        else:
            arr = item.array if isinstance(item, Tensor) else np.asarray(item)
            if arr.dtype == np.bool_:
                arr = np.flatnonzero(arr)
            arrays.append((d, item if g.lookup(item) is not None else arr.astype(np.int64)))
            out_pos += 1
        d += 1
    if len(arrays) > 1 or (arrays and squeeze):
        raise ExportError(f"onnx.export: getitem with several advanced indices ({index!r}) is not supported")
    y = x
    if axes:
        y = g.add("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    for d, arr in arrays:
        y = g.add("Gather", [y, g.value(arr)], axis=d)
    if squeeze:
        y = g.add("Squeeze", [y, g.ints(squeeze)])
    if unsqueeze:
        y = g.add("Unsqueeze", [y, g.ints(unsqueeze)])
    return y if y != x else g.add("Identity", [x])
