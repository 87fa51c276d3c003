"""ONNX import for inference: an ONNX file of common ops → an nnlab Module that runs its graph.

    from nnlab.onnx import load_onnx
    model = load_onnx("resnet18.onnx")       # float initializers become Parameters
    logits = model(nnlab.from_numpy(x))

:class:`OnnxModule` executes the graph's nodes in order with nnlab ops, so the result is
differentiable (fine-tuning an imported model works like any Module). Integer
initializers and shape computations (``Shape``, ``Gather`` on shapes, ``Concat`` of
shapes...) run in NumPy, eagerly. The op set covers what :func:`nnlab.onnx.export`
writes for the feed-forward zoo (MLPs and CNNs: convolutions, pooling, batch and layer
norm, activations, reshapes, matmuls) and for the Transformers (``Erf`` and ``Gelu``;
``Equal``/``Where``/``Cast`` for masks computed from token ids); another op is an error
naming it. The exact-GELU pattern ``0.5·x·(1 + erf(x/√2))`` is fused back into one
``F.gelu``.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
import onnx
from onnx import helper, numpy_helper

import nnlab.functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops import elementwise as E
from nnlab.ops._promotion import to_dtype
from nnlab.ops.compare import compare
from nnlab.ops.creation import from_numpy
from nnlab.ops.movement import cat
from nnlab.ops.torch_math import erf

__all__ = ["OnnxModule", "load_onnx"]

Value = Any  # a Tensor (float data) or a NumPy array (integer data, shapes)


def _np(v: Value) -> np.ndarray:
    return v.array if isinstance(v, Tensor) else np.asarray(v)


def _t(v: Value) -> Tensor:
    return v if isinstance(v, Tensor) else from_numpy(np.ascontiguousarray(v))


def _pads_then(x: Tensor, pads: list[int], value: float) -> tuple[Tensor, tuple[int, ...]]:
    """ONNX pads (begins, then ends) as a symmetric padding, or an explicit F.pad when asymmetric."""
    nd = len(pads) // 2
    begin, end = pads[:nd], pads[nd:]
    if begin == end:
        return x, tuple(begin)
    flat: list[int] = []
    for b, e in reversed(list(zip(begin, end))):  # F.pad takes (last-dim begin, end, previous dim ...)
        flat += [b, e]
    return F.pad(x, flat, value=value), (0,) * nd


def _conv(m, x, w, b=None):
    a = m.attrs
    nd = _np(w).ndim - 2
    x, padding = _pads_then(_t(x), a.get("pads", [0] * (2 * nd)), 0.0)
    conv = {1: F.conv1d, 2: F.conv2d}.get(nd)
    if conv is None:
        raise ValueError(f"load_onnx: Conv with {nd} spatial dims is not supported")
    return conv(x, _t(w), None if b is None else _t(b), a.get("strides", 1), padding, a.get("dilations", 1),
                a.get("group", 1))


def _pool(m, x, kind: str):
    a = m.attrs
    k = a["kernel_shape"]
    value = -np.inf if kind == "max" else 0.0
    x, padding = _pads_then(_t(x), a.get("pads", [0] * (2 * len(k))), value)
    if kind == "max":
        return F.max_pool2d(x, k, a.get("strides", k), padding, a.get("dilations", 1), bool(a.get("ceil_mode", 0)))
    return F.avg_pool2d(x, k, a.get("strides", k), padding, bool(a.get("ceil_mode", 0)),
                        bool(a.get("count_include_pad", 0)))


def _reshape(m, x, shape):
    target = [int(s) for s in _np(shape)]
    src = _np(x).shape
    target = [src[i] if s == 0 else s for i, s in enumerate(target)]
    return _t(x).reshape(tuple(target)) if isinstance(x, Tensor) else _np(x).reshape(target)


def _slice(m, x, starts, ends, axes=None, steps=None):
    arr_nd = _np(x).ndim
    index: list = [slice(None)] * arr_nd
    axes = range(len(_np(starts))) if axes is None else _np(axes)
    steps = [1] * len(_np(starts)) if steps is None else _np(steps)
    big = np.iinfo(np.int64).max
    for s, e, a, st in zip(_np(starts), _np(ends), axes, steps):
        e = None if abs(int(e)) >= big // 2 else int(e)
        index[int(a) % arr_nd] = slice(int(s), e, int(st))
    return x[tuple(index)]


def _gemm(m, a, b, c=None):
    at = m.attrs
    a, b = _t(a), _t(b)
    a = a.permute(1, 0) if at.get("transA", 0) else a
    b = b.permute(1, 0) if at.get("transB", 0) else b
    y = (a @ b) * at.get("alpha", 1.0)
    return y if c is None else y + _t(c) * at.get("beta", 1.0)


def _compare(name: str) -> Callable:
    """Equal / Less / ...: NumPy on NumPy values (ids, shapes), nnlab's recorded comparison on Tensors."""
    def op(m, a, b):
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            return compare(a, b, name)
        return compare(a, b, name).array

    return op


def _cast(m, x):
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(m.attrs["to"]))
    if isinstance(x, Tensor) and dtype.kind == "f":
        return to_dtype(x, dtype)
    return _np(x).astype(dtype)


def _where(m, cond, a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return E.where(_np(cond).astype(bool), _t(a), _t(b))
    return np.where(_np(cond), _np(a), _np(b))


_OPS: dict[str, Callable] = {
    "Identity": lambda m, x: x,
    "Add": lambda m, a, b: (_t(a) + _t(b)) if isinstance(a, Tensor) or isinstance(b, Tensor) else _np(a) + _np(b),
    "Sub": lambda m, a, b: _t(a) - _t(b),
    "Mul": lambda m, a, b: (_t(a) * _t(b)) if isinstance(a, Tensor) or isinstance(b, Tensor) else _np(a) * _np(b),
    "Div": lambda m, a, b: _t(a) / _t(b),
    "Pow": lambda m, a, b: _t(a) ** _t(b),
    "Max": lambda m, a, b: E.maximum(_t(a), _t(b)),
    "Min": lambda m, a, b: E.minimum(_t(a), _t(b)),
    "MatMul": lambda m, a, b: _t(a) @ _t(b),
    "Gemm": _gemm,
    "Neg": lambda m, x: -_t(x),
    "Exp": lambda m, x: E.exp(_t(x)),
    "Log": lambda m, x: E.log(_t(x)),
    "Sqrt": lambda m, x: E.sqrt(_t(x)),
    "Abs": lambda m, x: E.abs(_t(x)),
    "Relu": lambda m, x: F.relu(_t(x)),
    "Sigmoid": lambda m, x: F.sigmoid(_t(x)),
    "Tanh": lambda m, x: F.tanh(_t(x)),
    "Erf": lambda m, x: erf(_t(x)),
    "Gelu": lambda m, x: F.gelu(_t(x), approximate=m.attrs.get("approximate", "none")),
    "Equal": _compare("eq"),
    "Less": _compare("lt"),
    "LessOrEqual": _compare("le"),
    "Greater": _compare("gt"),
    "GreaterOrEqual": _compare("ge"),
    "Not": lambda m, x: np.logical_not(_np(x)),
    "Where": _where,
    "Cast": _cast,
    "LeakyRelu": lambda m, x: F.leaky_relu(_t(x), m.attrs.get("alpha", 0.01)),
    "Elu": lambda m, x: F.elu(_t(x), m.attrs.get("alpha", 1.0)),
    "Softplus": lambda m, x: F.softplus(_t(x)),
    "Softmax": lambda m, x: F.softmax(_t(x), m.attrs.get("axis", -1)),
    "LogSoftmax": lambda m, x: F.log_softmax(_t(x), m.attrs.get("axis", -1)),
    "Clip": lambda m, x, lo=None, hi=None: E.clip(_t(x), None if lo is None else float(_np(lo)),
                                                  None if hi is None else float(_np(hi))),
    "Conv": _conv,
    "MaxPool": lambda m, x: _pool(m, x, "max"),
    "AveragePool": lambda m, x: _pool(m, x, "avg"),
    "GlobalAveragePool": lambda m, x: _t(x).mean(dim=tuple(range(2, _np(x).ndim)), keepdim=True),
    "GlobalMaxPool": lambda m, x: _t(x).amax(dim=tuple(range(2, _np(x).ndim)), keepdim=True),
    "BatchNormalization": lambda m, x, w, b, mean, var: F.batch_norm(
        _t(x), _t(mean), _t(var), _t(w), _t(b), False, 0.0, m.attrs.get("epsilon", 1e-5)),
    "LayerNormalization": lambda m, x, w, b=None: F.layer_norm(
        _t(x), _np(x).shape[m.attrs.get("axis", -1):], _t(w), None if b is None else _t(b),
        m.attrs.get("epsilon", 1e-5)),
    "Reshape": _reshape,
    "Flatten": lambda m, x: _t(x).reshape(
        (int(np.prod(_np(x).shape[: m.attrs.get("axis", 1)])), -1)),
    "Transpose": lambda m, x: _t(x).permute(*m.attrs["perm"]),
    "Concat": lambda m, *xs: cat([_t(x) for x in xs], m.attrs["axis"]) if any(isinstance(x, Tensor) for x in xs)
    else np.concatenate([_np(x) for x in xs], m.attrs["axis"]),
    "Shape": lambda m, x: np.asarray(_np(x).shape, dtype=np.int64),
    "Gather": lambda m, x, i: (F.embedding(_t(i), _t(x)) if m.attrs.get("axis", 0) == 0 and isinstance(x, Tensor)
                               else np.take(_np(x), _np(i), axis=m.attrs.get("axis", 0))),
    "Unsqueeze": lambda m, x, axes: _t(x).reshape(tuple(np.expand_dims(_np(x), tuple(int(a) for a in _np(axes))).shape)),
    "Squeeze": lambda m, x, axes: _t(x).reshape(tuple(np.squeeze(_np(x), tuple(int(a) for a in _np(axes))).shape)),
    "Slice": _slice,
    "Expand": lambda m, x, shape: _t(x).expand(*np.broadcast_shapes(_np(x).shape, tuple(int(s) for s in _np(shape)))),
    "ReduceMean": lambda m, x, axes=None: _t(x).mean(dim=tuple(int(a) for a in _np(axes)),
                                                     keepdim=bool(m.attrs.get("keepdims", 1))),
    "ReduceSum": lambda m, x, axes=None: _t(x).sum(dim=tuple(int(a) for a in _np(axes)),
                                                   keepdim=bool(m.attrs.get("keepdims", 1))),
}


class _Node:
    def __init__(self, node) -> None:
        self.op, self.inputs, self.outputs = node.op_type, list(node.input), list(node.output)
        values = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        self.attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in values.items()}


def _fuse_gelu(nodes: list[_Node], constants: dict[str, np.ndarray]) -> list[_Node]:
    """Each exact-GELU pattern ``0.5 · x · (1 + erf(x / √2))`` (as exporters write it) as one ``Gelu`` node.

    The pattern is Div(x, √2) → Erf → Add(·, 1) → Mul(x, ·) → Mul(·, 0.5), each
    intermediate used once. One ``F.gelu`` computes it faster than five elementwise ops
    and an erf, and differentiates it in one step; the values agree to float32 rounding.
    """
    producer = {o: i for i, n in enumerate(nodes) for o in n.outputs}
    users: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        for name in n.inputs:
            users.setdefault(name, []).append(i)

    def scalar(name: str, value: float) -> bool:
        arr = constants.get(name)
        return arr is not None and arr.size == 1 and abs(float(arr.reshape(-1)[0]) - value) < 1e-6 * max(1, value)

    def only_user(name: str, op: str) -> _Node | None:
        found = users.get(name, [])
        return nodes[found[0]] if len(found) == 1 and nodes[found[0]].op == op else None

    def other(node: _Node, name: str) -> str | None:
        rest = [i for i in node.inputs if i != name]
        return rest[0] if len(node.inputs) == 2 and len(rest) == 1 else None

    drop: set[int] = set()
    for i, e in enumerate(nodes):
        if e.op != "Erf" or e.inputs[0] not in producer:
            continue
        d = nodes[producer[e.inputs[0]]]
        if d.op != "Div" or not scalar(d.inputs[1], float(np.sqrt(2.0))) or len(users[d.outputs[0]]) != 1:
            continue
        x = d.inputs[0]
        a = only_user(e.outputs[0], "Add")
        m1 = a and only_user(a.outputs[0], "Mul")
        m2 = m1 and only_user(m1.outputs[0], "Mul")
        if not (a and m1 and m2 and scalar(other(a, e.outputs[0]) or "", 1.0) and other(m1, a.outputs[0]) == x
                and scalar(other(m2, m1.outputs[0]) or "", 0.5)):
            continue
        drop.update(nodes.index(n) for n in (d, e, a, m1))
        m2.op, m2.inputs, m2.attrs = "Gelu", [x], {"approximate": "none"}
    return [n for i, n in enumerate(nodes) if i not in drop]


class OnnxModule(Module):
    """An ONNX graph run with nnlab ops; float initializers are Parameters (see the module docstring).

    Args:
        proto: an ``onnx.ModelProto`` (``onnx.load(path)``).

    Attributes:
        input_names, output_names: the graph's. Parameters are named ``p<k>`` in the
        order of the graph's initializers; ``onnx_names`` maps them back.
    """

    def __init__(self, proto: onnx.ModelProto) -> None:
        super().__init__()
        graph = proto.graph
        unknown = sorted({n.op_type for n in graph.node} - set(_OPS))
        if unknown:
            raise ValueError(f"load_onnx: the graph uses ops nnlab cannot import: {', '.join(unknown)} "
                             f"(supported: {', '.join(sorted(_OPS))})")
        initializers = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        self._nodes = _fuse_gelu([_Node(n) for n in graph.node], initializers)
        self._constants: dict[str, np.ndarray] = {}
        self.onnx_names: dict[str, str] = {}
        for k, init in enumerate(graph.initializer):
            arr = initializers[init.name]
            if arr.dtype.kind == "f":
                name = f"p{k}"
                setattr(self, name, Parameter(np.array(arr)))
                self.onnx_names[name] = init.name
            else:
                self._constants[init.name] = arr
        self._params = {v: k for k, v in self.onnx_names.items()}
        initializer_names = {i.name for i in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in initializer_names]
        self.output_names = [o.name for o in graph.output]

    def forward(self, *inputs: Any) -> Any:
        if len(inputs) != len(self.input_names):
            raise ValueError(f"OnnxModule: the graph takes {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(inputs)}")
        env: dict[str, Value] = dict(self._constants)
        env.update({k: getattr(self, p) for k, p in self._params.items()})
        for name, x in zip(self.input_names, inputs):
            env[name] = x if isinstance(x, Tensor) or _np(x).dtype.kind != "f" else _t(x)
            if isinstance(env[name], Tensor) and env[name].array.dtype.kind in "iu":
                env[name] = env[name].array
        for node in self._nodes:
            args = [env[i] if i else None for i in node.inputs]
            while args and args[-1] is None:
                args.pop()
            env[node.outputs[0]] = _OPS[node.op](node, *args)
        outs = [_t(env[o]) for o in self.output_names]
        return outs[0] if len(outs) == 1 else tuple(outs)


def load_onnx(path: str | os.PathLike) -> OnnxModule:
    """Read an ONNX file into an :class:`OnnxModule` (eval mode)."""
    return OnnxModule(onnx.load(os.fspath(path))).eval()
