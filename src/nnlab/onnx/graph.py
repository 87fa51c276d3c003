"""``GraphBuilder``: ONNX nodes, initializers and shapes, built with the ``onnx`` package's helpers.

Values are named once: graph inputs by the user's ``input_names``, parameters and
buffers by their state_dict key, every other constant ``const_<k>``, and every node
output ``<op>_<k>``. For each value the builder knows its shape in both traces of an
export (see :mod:`nnlab.onnx.export`); the dims that differ between them are the
dynamic ones, and :meth:`GraphBuilder.shape_tensor` turns a shape with dynamic dims into
a small subgraph (``Shape`` → ``Gather`` → ``Mul``) reading them from a graph input.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

from nnlab.autograd.tensor import Tensor

__all__ = ["GraphBuilder", "ExportError"]


class ExportError(ValueError):
    """The model cannot be written as ONNX (an op without a counterpart, an input-dependent constant...)."""


def onnx_dtype(dtype: np.dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class GraphBuilder:
    """Accumulates the nodes of one ONNX graph; see the module docstring."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self.names: dict[int, str] = {}  # id(Tensor) or id(ndarray) -> value name
        self.shape1: dict[str, tuple] = {}
        self.shape2: dict[str, tuple] = {}
        self.dtypes: dict[str, np.dtype] = {}
        self.constants: dict[str, np.ndarray] = {}  # values known at export time (initializers)
        self.sources: list[tuple[str, int, int, int]] = []  # (input name, axis, size in trace 1, in trace 2)
        self._used: set[str] = set()
        self._dim_cache: dict[tuple, str] = {}
        self.keep_alive: list = []

    # ---- names ---------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        base = hint.replace(".", "_")
        name, k = base, 0
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._used.add(name)
        return name

    def reserve(self, name: str) -> None:
        """Claim a user-given name (graph inputs and outputs)."""
        if name in self._used:
            raise ExportError(f"onnx.export: the name {name!r} is used twice")
        self._used.add(name)

    def bind(self, obj: Any, name: str, shape2: tuple | None = None) -> None:
        """Give ``obj`` (a Tensor, also found by its ``.array``) the value ``name``."""
        self.keep_alive.append(obj)
        self.names[id(obj)] = name
        arr = obj.array if isinstance(obj, Tensor) else obj
        if isinstance(obj, Tensor):
            self.names[id(arr)] = name
        self.shape1[name] = tuple(arr.shape)
        self.shape2[name] = tuple(arr.shape) if shape2 is None else tuple(shape2)
        self.dtypes[name] = arr.dtype

    def lookup(self, obj: Any) -> str | None:
        return self.names.get(id(obj))

    # ---- values -------------------------------------------------------------------------------
    def const(self, array: Any, hint: str = "const", dtype: Any = None) -> str:
        """A new initializer holding ``array``."""
        arr = np.asarray(array, dtype=dtype)
        if arr.dtype == np.float64 and dtype is None:
            raise ExportError(f"onnx.export: constant {hint!r} is float64; nnlab exports float32 models")
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        self.shape1[name] = self.shape2[name] = tuple(arr.shape)
        self.dtypes[name] = arr.dtype
        self.constants[name] = arr
        return name

    def ints(self, values: Sequence[int], hint: str = "ints") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def value(self, x: Any, dtype: Any = None, hint: str = "const") -> str:
        """The name of a Tensor, array or number: a traced value, or a new constant."""
        if x is None:
            return ""
        name = self.lookup(x)
        if name is None and isinstance(x, Tensor):
            name = self.lookup(x.array)
        if name is not None:
            return name
        arr = x.array if isinstance(x, Tensor) else np.asarray(x)
        return self.const(arr if dtype is None else arr.astype(dtype), hint)

    def constant_value(self, name: str) -> np.ndarray | None:
        """The array behind ``name`` if it is an initializer (weights, constants), else None."""
        return self.constants.get(name)

    def shape(self, name: str) -> tuple:
        return self.shape1[name]

    def dynamic_dims(self, name: str) -> list[int]:
        return [i for i, (a, b) in enumerate(zip(self.shape1[name], self.shape2[name])) if a != b]

    # ---- nodes --------------------------------------------------------------------------------
    def add(self, op: str, inputs: Sequence[str], outputs: int = 1, hint: str | None = None, **attrs: Any):
        """Append a node; returns its output name (or a list of names when ``outputs`` > 1)."""
        names = [self.fresh(hint or op) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, list(inputs), names, name=names[0] + "_node", **attrs))
        return names[0] if outputs == 1 else names

    def result(self, name: str, out: Tensor, out2_shape: tuple) -> None:
        """Record that ``name`` computes the traced Tensor ``out`` (shapes for later converters)."""
        self.bind(out, name, out2_shape)

    def output(self, name: str, source: str, shape1: tuple, shape2: tuple, dtype: np.dtype) -> None:
        """Expose ``source`` as the graph output ``name``."""
        self.reserve(name)
        self.nodes.append(helper.make_node("Identity", [source], [name], name=name + "_node"))
        self.shape1[name], self.shape2[name], self.dtypes[name] = shape1, shape2, dtype

    # ---- dynamic shapes -----------------------------------------------------------------------
    def _dim(self, size1: int, size2: int, what: str) -> str:
        key = (size1, size2)
        if key in self._dim_cache:
            return self._dim_cache[key]
        for src, axis, n1, n2 in self.sources:
            if n1 and size1 % n1 == 0 and size2 * n1 == size1 * n2:
                k = size1 // n1
                shape = self.add("Shape", [src], hint="shape")
                dim = self.add("Gather", [shape, self.ints([axis])], hint="dim", axis=0)
                if k != 1:
                    dim = self.add("Mul", [dim, self.ints([k])], hint="dim")
                self._dim_cache[key] = dim
                return dim
        raise ExportError(f"onnx.export: {what}: a dimension of size {size1} (and {size2} with another batch) "
                          "is not a multiple of any dynamic input axis; export without dynamic_axes")

    def shape_tensor(self, shape1: Sequence[int], shape2: Sequence[int], what: str) -> str:
        """An int64 1-D value holding a shape whose dynamic dims follow the graph inputs."""
        if tuple(shape1) == tuple(shape2):
            return self.ints(shape1, "shape")
        parts, static = [], []
        for a, b in zip(shape1, shape2):
            if a == b:
                static.append(a)
                continue
            if static:
                parts.append(self.ints(static, "shape"))
                static = []
            parts.append(self._dim(a, b, what))
        if static:
            parts.append(self.ints(static, "shape"))
        return parts[0] if len(parts) == 1 else self.add("Concat", parts, hint="shape", axis=0)

    # ---- the model ----------------------------------------------------------------------------
    def value_info(self, name: str, dim_names: dict[int, str]) -> Any:
        dims = [dim_names.get(i, s) for i, s in enumerate(self.shape1[name])]
        return helper.make_tensor_value_info(name, onnx_dtype(self.dtypes[name]), dims)

    def model(self, inputs: list, outputs: list, graph_name: str) -> onnx.ModelProto:
        used = {i for node in self.nodes for i in node.input}
        initializers = [t for t in self.initializers if t.name in used]
        graph = helper.make_graph(self.nodes, graph_name, inputs, outputs, initializer=initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="nnlab")
        # The IR version that goes with the opset (onnxruntime here reads IR <= 13, opset <= 26).
        model.ir_version = 10 if self.opset <= 21 else 11
        return model
