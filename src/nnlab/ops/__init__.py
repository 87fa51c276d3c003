"""Differentiable primitives, grouped by kind, and the factories that make tensors.

Importing this package attaches the operators (``+ - * / @ **``, comparisons,
indexing) and op methods (``sum``, ``reshape``, ...) to :class:`~nnlab.Tensor`.
"""

from nnlab.ops import tensor_methods as _tensor_methods
from nnlab.ops.activation import relu, sigmoid, tanh
from nnlab.ops.creation import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    zeros,
    zeros_like,
)
from nnlab.ops.elementwise import (
    abs,
    add,
    clamp,
    clip,
    cos,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sign,
    sin,
    sqrt,
    sub,
    where,
)
from nnlab.ops.linalg import linear, matmul
from nnlab.ops.movement import (
    broadcast_to,
    cat,
    chunk,
    clone,
    expand,
    flatten,
    gather,
    getitem,
    index_select,
    masked_fill,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unbind,
    unsqueeze,
    view,
)
from nnlab.ops.reduce import amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var

_tensor_methods.install()

from nnlab.ops import tensor_methods_inplace as _tensor_methods_inplace  # noqa: E402

_tensor_methods_inplace.install()

from nnlab.ops import tensor_methods_torch as _tensor_methods_torch  # noqa: E402

_tensor_methods_torch.install()

from nnlab.ops import half as _half  # noqa: E402

_half.install()
globals().update(_tensor_methods_torch.FUNCTIONS)
from nnlab.ops.norms import norm  # noqa: E402

__all__ = [
    "relu",
    "sigmoid",
    "tanh",
    "arange",
    "as_tensor",
    "empty",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randperm",
    "zeros",
    "zeros_like",
    "abs",
    "add",
    "clamp",
    "clip",
    "clone",
    "cos",
    "div",
    "exp",
    "log",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "sign",
    "sin",
    "sqrt",
    "sub",
    "where",
    "linear",
    "matmul",
    "broadcast_to",
    "cat",
    "chunk",
    "expand",
    "flatten",
    "gather",
    "getitem",
    "index_select",
    "masked_fill",
    "pad",
    "permute",
    "reshape",
    "split",
    "squeeze",
    "stack",
    "transpose",
    "unbind",
    "unsqueeze",
    "view",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "logsumexp",
    "max",
    "mean",
    "min",
    "std",
    "sum",
    "norm",
    "var",
]
__all__ += sorted(set(_tensor_methods_torch.FUNCTIONS) - set(__all__))
