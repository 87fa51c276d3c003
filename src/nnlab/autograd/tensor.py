"""``Tensor``: an array with an optional gradient and the node that produced it.

Arithmetic operators and methods such as ``sum`` or ``reshape`` are attached by
``nnlab.ops`` (which builds them from ``Function``s); this file holds only what
belongs to the container itself: construction, dtype handling, conversion and the
entry point into the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.backend import as_dtype, check_device, get_default_dtype, is_floating, xp


def _infer_array(data: Any, dtype=None) -> np.ndarray:
    """Make a backend array from Python data; Python floats become the default dtype.

    Like ``torch.tensor``: Python ints are int64 (one outside its range is an error
    unless a float in the data makes the tensor floating), and a ragged sequence,
    strings or other objects are refused with the reason.
    """
    if isinstance(data, Tensor):
        data = data.array
    if dtype is not None:
        try:
            arr = xp.array(data, dtype=as_dtype(dtype))
        except (ValueError, TypeError, OverflowError) as exc:
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"tensor: cannot make a {as_dtype(dtype)} tensor from {_describe(data)} ({exc})") from None
        return _check_numbers(arr, data)
    if isinstance(data, (np.ndarray, np.generic)):
        return _check_numbers(xp.array(data), data)
    try:
        arr = xp.array(data)
    except ValueError as exc:  # NumPy's "inhomogeneous shape": a ragged nested sequence
        raise ValueError(f"tensor: the nested sequence is ragged (rows of different lengths), so it has "
                         f"no shape ({exc})") from None
    if arr.dtype.kind in "Ou" or (arr.dtype == np.float64 and arr.size and (np.abs(arr) >= 2.0**63).any()):
        huge, floats = _scan_ints(data)
        if huge and not floats:
            # NumPy would wrap, go to uint64 or object, or mix into float64; PyTorch refuses.
            raise ValueError(f"tensor: {_describe(data)} holds an integer outside the int64 range "
                             "[-2**63, 2**63 - 1]; pass dtype=nnlab.float64 to store it as a float")
        if arr.dtype.kind == "O" and huge:
            arr = xp.array(data, dtype=np.float64)  # big ints beside floats: a float tensor, as in PyTorch
    arr = _check_numbers(arr, data)
    if arr.dtype == np.float64:
        # Python floats carry no dtype of their own; like PyTorch, they become the default.
        arr = arr.astype(get_default_dtype())
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    return arr


def _describe(data: Any) -> str:
    text = repr(data)
    return f"{type(data).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def _check_numbers(arr: np.ndarray, data: Any) -> np.ndarray:
    """Refuse arrays of objects and of strings: a tensor holds numbers."""
    if arr.dtype.kind == "O":
        raise TypeError(f"tensor: could not infer a dtype for {_describe(data)}: its elements are not numbers")
    if arr.dtype.kind in "USV":
        raise TypeError(f"tensor: {_describe(data)} holds strings or raw bytes (dtype {arr.dtype}), not numbers")
    return arr


def _scan_ints(data: Any) -> tuple[bool, bool]:
    """(holds a Python int outside int64, holds a float) for nested lists and tuples."""
    huge = floats = False
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, (float, np.floating)):
            floats = True
        elif isinstance(x, int) and not isinstance(x, bool) and not -(2**63) <= x < 2**63:
            huge = True
    return huge, floats


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Args:
        data: array-like (nested lists, scalars, NumPy arrays or another Tensor).
        dtype: ``nnlab.float32`` (the default for Python floats), ``float64``, ``int64``, ``bool``.
        requires_grad: whether ``backward`` should compute ``grad`` for this tensor.

    Attributes:
        array: the backend array (``numpy.ndarray``), shared and outside autograd: what the
            library's own kernels read and write.
        data: as PyTorch, a Tensor sharing ``array`` with ``requires_grad=False`` and its own
            version counter (changes through it are invisible to autograd); assigning
            ``t.data = other`` replaces the storage.
        grad: a Tensor of the same shape after ``backward``, else ``None``.
        requires_grad: whether gradients flow to this tensor.
    """

    # _version counts in-place changes (PyTorch's ``_version``): backward compares it with
    # the version each recorded op saw, so a value modified after being saved is caught.
    # It lives in _vc, a one-item list that views share with their base (None until needed:
    # version 0, shared with nobody); _view_of is the tensor a view was taken from (unset
    # for a tensor that is no view).
    __slots__ = ("array", "grad", "requires_grad", "_node", "_retains_grad", "_vc", "_view_of", "__weakref__")
    # Make NumPy defer to Tensor's reflected operators (np.float32(2) * t -> Tensor).
    __array_ufunc__ = None

    def __init__(self, data: Any, dtype=None, requires_grad: bool = False):
        self.array = _infer_array(data, dtype)
        self.grad: Tensor | None = None
        self._node = None
        self._retains_grad = False
        self._vc = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data, requires_grad: bool = False, node=None) -> "Tensor":
        """Fast constructor for op outputs: no copy, no inference."""
        t = object.__new__(cls)
        if not isinstance(data, np.ndarray):
            data = xp.asarray(data)
        t.array = data
        t.grad = None
        t.requires_grad = requires_grad
        t._node = node
        t._retains_grad = False
        t._vc = None
        return t

    # ---- version counter (shared between a view and its base, as in PyTorch) --------------
    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    @_version.setter
    def _version(self, value: int) -> None:
        if self._vc is None:
            self._vc = [value]
        else:
            self._vc[0] = value

    @property
    def _base(self) -> "Tensor | None":
        """The tensor this one is a view of (PyTorch's ``_base``), or None."""
        return getattr(self, "_view_of", None)

    def _share_version_with(self, base: "Tensor") -> None:
        """Make this tensor a view of ``base``: one version counter for both (and every other view)."""
        if base._vc is None:
            base._vc = [0]
        self._vc = base._vc
        root = getattr(base, "_view_of", None)
        self._view_of = base if root is None else root

    # ---- properties -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by a recorded op."""
        return self._node is None

    @property
    def grad_fn(self):
        """The recorded node that produced this tensor (``None`` for leaves)."""
        return self._node

    def size(self, dim: int | None = None):
        """The shape, or its length along ``dim`` (PyTorch's ``size``)."""
        return self.array.shape if dim is None else self.array.shape[dim]

    def dim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return int(self.array.size)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    # ---- gradient bookkeeping ------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place; only floating tensors can require gradients."""
        if requires_grad and not is_floating(self.array.dtype):
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require gradients, got dtype {self.array.dtype}"
            )
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf tensor; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> "Tensor":
        """Keep ``grad`` on this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True
        return self

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor, accumulating into the ``grad`` of leaves.

        Args:
            gradient: dL/dself; may be omitted only for a single-element tensor (then 1).
            retain_graph: keep the graph's saved values so that ``backward`` can run again.
        """
        from nnlab.autograd.engine import backward

        backward(self, gradient, retain_graph=retain_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever the gradient with respect to this tensor is computed.

        ``hook`` may return a replacement gradient of the same shape (or None to keep
        it). Returns a handle whose ``remove()`` unregisters the hook (as PyTorch).
        """
        from nnlab.autograd.hooks import register_hook

        return register_hook(self, hook)

    @property
    def data(self) -> "Tensor":
        """A Tensor sharing this one's storage, cut from the graph (PyTorch's ``Tensor.data``).

        Unlike ``detach()``, in-place changes made through it are not seen by autograd's
        version check, exactly as in PyTorch. ``.numpy()`` or ``.array`` give the NumPy array.
        """
        return Tensor._wrap(self.array, False, None)

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):
            value = value.array
        elif not isinstance(value, np.ndarray):
            raise TypeError(f"Tensor.data: can only be set to a Tensor (or a NumPy array), got {type(value).__name__}")
        self.array = value

    def detach(self) -> "Tensor":
        """A tensor sharing ``data`` (and, as in PyTorch, the version counter) but cut from the graph."""
        t = Tensor._wrap(self.array, False, None)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        return t

    def zero_(self) -> "Tensor":
        self.array[...] = 0
        return self

    # ---- conversion -------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied)."""
        if self.requires_grad:
            raise RuntimeError("numpy: the tensor requires grad; call detach().numpy() instead")
        return self.array

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted, got shape {self.shape}")
        return self.array.reshape(()).item()

    def tolist(self):
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __format__(self, spec: str) -> str:
        # f"{loss:.4f}" formats the value of a one-element tensor, as in PyTorch.
        if spec and self.array.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(f"bool: a tensor of shape {self.shape} is ambiguous; use any() or all()")
        return bool(self.array.reshape(()).item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.array.reshape(()).item())

    def __repr__(self) -> str:
        body = np.array2string(self.array, separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self.array.dtype not in (get_default_dtype(), np.int64, np.bool_):
            extras.append(f"dtype={self.array.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn={self._node!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __hash__ = object.__hash__


def tensor(data: Any, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """Create a Tensor from data (copying it), like ``torch.tensor``; ``device`` may only be the CPU."""
    check_device(device, "tensor")
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def clear_grads(tensors, set_to_none: bool = True) -> None:
    """Reset the ``grad`` of each tensor: to ``None`` (default) or to zeros.

    The one implementation behind ``Module.zero_grad`` and ``Optimizer.zero_grad``.
    """
    for t in tensors:
        if t.grad is None:
            continue
        t.grad = None if set_to_none else Tensor._wrap(np.zeros_like(t.grad.array))
