"""Attach the rest of ``torch.Tensor``'s everyday methods (sort, topk, einsum partners, new_*, ...).

The functions live in ``ops/select.py``, ``ops/torch_math.py`` and ``ops/torch_misc.py``;
this file only binds them as methods, with PyTorch's argument order.
"""

from __future__ import annotations


import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops import creation, elementwise as ew, movement as mvm, nn_ops, select as sel, torch_math as tm
from nnlab.ops import torch_misc as misc, torch_products as tp

def _detach_(self):
    """Cut this tensor from the graph in place (it becomes a leaf that needs no gradient)."""
    if self._node is None and self.requires_grad:
        raise RuntimeError("detach_: a leaf that requires grad cannot be detached in place; use detach()")
    self._node = None
    self.requires_grad = False
    return self


_FUNCS = [
    sel.sort, sel.argsort, sel.topk, sel.kthvalue, sel.median, sel.flip, sel.roll, sel.narrow, sel.repeat_interleave,
    sel.take, sel.take_along_dim, sel.t, sel.diag, sel.tril, sel.triu, sel.tile, sel.diagonal, sel.movedim,
    sel.masked_select, sel.rot90, sel.fliplr, sel.flipud, sel.trace, tp.inner,
    tm.log1p, tm.expm1, tm.log2, tm.log10, tm.tan, tm.reciprocal, tm.rsqrt, tm.square, tm.erf, tm.sinh, tm.cosh,
    tm.asin, tm.acos, tm.atan, tm.atan2, tm.floor, tm.ceil, tm.trunc, tm.round, tm.frac, tm.remainder, tm.fmod,
    tm.hypot, tm.lerp, tm.nan_to_num, tm.cumsum, tm.prod, tm.std_mean, tm.var_mean, tm.diff, tp.bmm,
    tp.mm, tp.mv, tp.dot, tp.outer, tp.addmm, tp.baddbmm, tp.cross,
    misc.eq, misc.ne, misc.lt, misc.le, misc.gt, misc.ge, misc.logical_and, misc.logical_or, misc.logical_xor,
    misc.logical_not, misc.isnan, misc.isinf, misc.isfinite, misc.isclose, misc.allclose, misc.equal,
    misc.nonzero, misc.argwhere, misc.count_nonzero, misc.unique, misc.is_floating_point, misc.is_nonzero,
    misc.scatter, misc.scatter_add, misc.index_add,
]

METHODS = {f.__name__: f for f in _FUNCS}
METHODS.update({
    "repeat": sel.repeat,
    "moveaxis": sel.movedim,
    "byte": lambda self: self.to(np.uint8),
    "char": lambda self: self.to(np.int8),
    "short": lambda self: self.to(np.int16),
    "pin_memory": lambda self, device=None: self,
    "detach_": _detach_,
    "size": misc.size,
    "nelement": lambda self: int(self.array.size),
    "element_size": lambda self: int(self.array.itemsize),
    "stride": lambda self, dim=None: (tuple(s // self.array.itemsize for s in self.array.strides) if dim is None
                                      else self.array.strides[dim] // self.array.itemsize),
    "is_contiguous": lambda self, memory_format=None: bool(self.array.flags.c_contiguous),
    "contiguous": lambda self, memory_format=None: self if self.array.flags.c_contiguous else mvm.clone(self),
    "data_ptr": lambda self: int(self.array.ctypes.data),
    "view_as": lambda self, other: mvm.reshape(self, *other.shape),
    "reshape_as": lambda self, other: mvm.reshape(self, *other.shape),
    "expand_as": lambda self, other: mvm.expand(self, *other.shape),
    "type_as": lambda self, other: self.to(other.dtype),
    "where": lambda self, condition, other: ew.where(condition, self, other),
    "softmax": lambda self, dim=-1: nn_ops.softmax(self, dim),
    "log_softmax": lambda self, dim=-1: nn_ops.log_softmax(self, dim),
    "new_zeros": misc._new(creation.zeros),
    "new_ones": misc._new(creation.ones),
    "new_empty": misc._new(creation.empty),
    "new_full": misc._new_full,
    "new_tensor": misc._new_tensor,
    "cumsum": lambda self, dim, dtype=None: tm.cumsum(self, dim, dtype),
    "prod": lambda self, dim=None, keepdim=False, dtype=None: tm.prod(self, dim, keepdim, dtype),
    "any": lambda self, dim=None, keepdim=False: misc.any(self, dim, keepdim),
    "all": lambda self, dim=None, keepdim=False: misc.all(self, dim, keepdim),
})

#: the new functions exported as ``nnlab.<name>`` (``nnlab.ops.__all__``)
FUNCTIONS = {f.__name__: f for f in _FUNCS if f.__name__ not in ("t",)}
FUNCTIONS.update({
    "t": sel.t, "repeat_interleave": sel.repeat_interleave, "einsum": tp.einsum, "tensordot": tp.tensordot,
    "cdist": tp.cdist, "meshgrid": tp.meshgrid, "broadcast_tensors": tp.broadcast_tensors, "hstack": tp.hstack,
    "vstack": tp.vstack, "dstack": tp.dstack, "any": misc.any, "all": misc.all, "is_tensor": misc.is_tensor,
    "numel": misc.numel, "detach": misc.detach, "randn_like": misc.randn_like, "rand_like": misc.rand_like,
    "empty_like": misc.empty_like, "randint_like": misc.randint_like, "bernoulli": misc.bernoulli,
    "multinomial": misc.multinomial, "softmax": nn_ops.softmax, "log_softmax": nn_ops.log_softmax,
    "floor_divide": lambda a, b: a // b, "remainder": tm.remainder, "moveaxis": sel.movedim,
    "logspace": tm.logspace, "searchsorted": tm.searchsorted, "true_divide": ew.div, "Size": misc.Size,
})


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
