# The declared interface of Tensor: every public method, operator and property, with its signature.
#
# Tensor's own methods live in autograd/tensor.py; the op methods and operators (x + y, x.sum(),
# x.reshape(...)) are attached at import by nnlab/ops/tensor_methods.py, because autograd cannot
# import the ops built on it. This stub is where a reader and an editor's go-to-definition find
# them all. tests/autograd/test_tensor_stub.py compares it with the runtime class both ways (names
# and parameter kinds), so a method added to tensor_methods.py must be declared here too.

from typing import Any, Callable, Iterator, Sequence

import numpy as np

_Index = Any  # int, slice, None, Ellipsis, bool / int arrays or Tensors, or a tuple of them
_Operand = Tensor | float | int | bool | np.ndarray
_Dims = int | Sequence[int] | None

class Tensor:
    array: np.ndarray
    """The values, a backend array (NumPy), shared and outside autograd."""
    @property
    def data(self) -> Tensor:
        """A Tensor sharing the storage, cut from the graph, with its own version counter (PyTorch's)."""
    grad: Tensor | None
    """d(root)/d(self) accumulated by ``backward``; None until a gradient arrives."""
    requires_grad: bool
    """Whether ops record this tensor so that gradients flow back to it."""
    __array_ufunc__: None
    """NumPy ufuncs defer to Tensor's operators (``np.float32(2) * t`` is a Tensor)."""

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        """A tensor copying ``data``; Python floats become the default dtype (float32)."""
    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False, node: Any = None) -> Tensor:
        """The core's fast constructor: wraps an array without a copy (outside autograd/ops use nnlab.from_numpy)."""

    # ---- properties ------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The dims' sizes."""
    @property
    def dtype(self) -> np.dtype:
        """The element type (float32 by default)."""
    @property
    def ndim(self) -> int:
        """The number of dims."""
    @property
    def device(self) -> str:
        """Always ``"cpu"``."""
    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by a recorded op."""
    @property
    def grad_fn(self) -> Any:
        """The recorded node that produced this tensor (None for leaves)."""
    @property
    def T(self) -> Tensor:
        """All dims reversed (the transpose of a matrix)."""
    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of transposed matrices)."""

    # ---- autograd and conversion -----------------------------------------------------------
    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or its length along ``dim``."""
    def dim(self) -> int:
        """The number of dims."""
    def numel(self) -> int:
        """The number of elements."""
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place; only floating tensors can require gradients."""
    def retain_grad(self) -> Tensor:
        """Keep ``grad`` on this non-leaf tensor after ``backward``."""
    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; returns a removable handle."""
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor, accumulating into the ``grad`` of leaves."""
    def detach(self) -> Tensor:
        """A tensor sharing ``data`` but cut from the graph."""
    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied)."""
    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
    def tolist(self) -> Any:
        """The values as nested Python lists."""
    def clone(self) -> Tensor:
        """A copy in new memory; gradients flow back to the original."""
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Cast to a dtype (or another tensor's); ``"cpu"`` device arguments are accepted."""
    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype`` (differentiable between float dtypes)."""
    def float(self) -> Tensor:
        """Cast to float32."""
    def double(self) -> Tensor:
        """Cast to float64."""
    def long(self) -> Tensor:
        """Cast to int64."""
    def int(self) -> Tensor:
        """Cast to int32."""
    def bool(self) -> Tensor:
        """Cast to bool."""

    # ---- Python protocols ------------------------------------------------------------------
    def __len__(self) -> int:
        """The size of dim 0."""
    def __iter__(self) -> Iterator[Tensor]:
        """The slices along dim 0."""
    def __getitem__(self, index: _Index) -> Tensor:
        """Basic and advanced indexing as NumPy's; differentiable."""
    def __setitem__(self, index: _Index, value: _Operand) -> None:
        """In-place assignment (not differentiable: under no_grad or on tensors without grad)."""
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The data for ``np.asarray(t)``."""
    def __float__(self) -> float:
        """The value of a one-element tensor."""
    def __int__(self) -> int:
        """The value of a one-element tensor."""
    def __index__(self) -> int:
        """The value of a one-element integer tensor, for indexing."""
    def __bool__(self) -> bool:
        """The truth of a one-element tensor."""
    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its number."""
    def __repr__(self) -> str:
        """``tensor([...], requires_grad=True)``, as PyTorch prints."""
    def __hash__(self) -> int:
        """Identity hash (tensors are dict keys by identity)."""

    # ---- arithmetic operators (differentiable, broadcast, PyTorch's dtype promotion) ----------
    def __add__(self, other: _Operand) -> Tensor:
        """self + other."""
    def __radd__(self, other: _Operand) -> Tensor:
        """other + self."""
    def __sub__(self, other: _Operand) -> Tensor:
        """self − other."""
    def __rsub__(self, other: _Operand) -> Tensor:
        """other − self."""
    def __mul__(self, other: _Operand) -> Tensor:
        """self · other."""
    def __rmul__(self, other: _Operand) -> Tensor:
        """other · self."""
    def __truediv__(self, other: _Operand) -> Tensor:
        """self / other (true division)."""
    def __rtruediv__(self, other: _Operand) -> Tensor:
        """other / self."""
    def __floordiv__(self, other: _Operand) -> Tensor:
        """⌊self / other⌋, without gradient."""
    def __pow__(self, other: _Operand) -> Tensor:
        """self ** other."""
    def __rpow__(self, other: _Operand) -> Tensor:
        """other ** self."""
    def __matmul__(self, other: Tensor) -> Tensor:
        """self @ other, as matmul."""
    def __rmatmul__(self, other: Tensor) -> Tensor:
        """other @ self."""
    def __neg__(self) -> Tensor:
        """−self."""
    def __pos__(self) -> Tensor:
        """self."""
    def __abs__(self) -> Tensor:
        """|self|."""

    # ---- comparison and logical operators (no gradient) ---------------------------------------
    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        """Elementwise ==, a bool tensor."""
    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        """Elementwise !=, a bool tensor."""
    def __lt__(self, other: _Operand) -> Tensor:
        """Elementwise <."""
    def __le__(self, other: _Operand) -> Tensor:
        """Elementwise <=."""
    def __gt__(self, other: _Operand) -> Tensor:
        """Elementwise >."""
    def __ge__(self, other: _Operand) -> Tensor:
        """Elementwise >=."""
    def __and__(self, other: _Operand | None = None) -> Tensor:
        """Elementwise & of bool / integer tensors."""
    def __rand__(self, other: _Operand) -> Tensor:
        """other & self."""
    def __or__(self, other: _Operand | None = None) -> Tensor:
        """Elementwise | of bool / integer tensors."""
    def __ror__(self, other: _Operand) -> Tensor:
        """other | self."""
    def __xor__(self, other: _Operand | None = None) -> Tensor:
        """Elementwise ^ of bool / integer tensors."""
    def __invert__(self, other: None = None) -> Tensor:
        """Elementwise ~ of bool / integer tensors."""

    # ---- elementwise ops ---------------------------------------------------------------------
    def add(self, other: _Operand) -> Tensor:
        """self + other, broadcast."""
    def sub(self, other: _Operand) -> Tensor:
        """self − other, broadcast."""
    def mul(self, other: _Operand) -> Tensor:
        """self · other, broadcast."""
    def div(self, other: _Operand) -> Tensor:
        """self / other, broadcast; integer operands give the default float dtype."""
    def pow(self, other: _Operand) -> Tensor:
        """self^other, broadcast."""
    def neg(self) -> Tensor:
        """−self."""
    def exp(self) -> Tensor:
        """eˣ."""
    def log(self) -> Tensor:
        """ln x."""
    def sqrt(self) -> Tensor:
        """√x."""
    def abs(self) -> Tensor:
        """|x|."""
    def sign(self) -> Tensor:
        """sign(x), without gradient."""
    def sin(self) -> Tensor:
        """sin x."""
    def cos(self) -> Tensor:
        """cos x."""
    def clip(self, min: _Operand | None = None, max: _Operand | None = None) -> Tensor:
        """min(max(x, min), max); either bound may be None, a number or a tensor."""
    def clamp(self, min: _Operand | None = None, max: _Operand | None = None) -> Tensor:
        """The same as ``clip`` (PyTorch's name)."""
    def maximum(self, other: _Operand) -> Tensor:
        """Elementwise max, broadcast; ties split the gradient."""
    def minimum(self, other: _Operand) -> Tensor:
        """Elementwise min, broadcast; ties split the gradient."""
    def relu(self) -> Tensor:
        """max(0, x)."""
    def sigmoid(self) -> Tensor:
        """1 / (1 + e^(−x)), without overflow."""
    def tanh(self) -> Tensor:
        """tanh x."""

    # ---- reductions --------------------------------------------------------------------------
    def sum(self, dim: _Dims = None, keepdim: bool = False) -> Tensor:
        """Σ x over ``dim`` (all dims by default); bool and integer tensors sum to int64."""
    def mean(self, dim: _Dims = None, keepdim: bool = False) -> Tensor:
        """The mean over ``dim``."""
    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The largest value, or (values, indices) along ``dim``."""
    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The smallest value, or (values, indices) along ``dim``."""
    def amax(self, dim: _Dims = None, keepdim: bool = False) -> Tensor:
        """The largest value over ``dim``; ties share the gradient."""
    def amin(self, dim: _Dims = None, keepdim: bool = False) -> Tensor:
        """The smallest value over ``dim``; ties share the gradient."""
    def var(self, dim: _Dims = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> Tensor:
        """The variance over ``dim``, Bessel-corrected by default."""
    def norm(self, p: Any = "fro", dim: _Dims = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The vector p-norm over ``dim`` (all elements by default); its gradient at 0 is 0."""
    def std(self, dim: _Dims = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> Tensor:
        """√var."""
    def logsumexp(self, dim: _Dims = None, keepdim: bool = False) -> Tensor:
        """ln Σ exp(x) over ``dim``, computed stably."""
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest value (flattened when ``dim`` is None)."""
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest value (flattened when ``dim`` is None)."""
    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element is true (over ``dim``)."""
    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element is true (over ``dim``)."""

    # ---- linear algebra ----------------------------------------------------------------------
    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with batching and broadcasting."""

    # ---- movement ----------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """A new shape (one dim may be −1)."""
    def view(self, *shape: Any) -> Tensor:
        """The same as ``reshape``."""
    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dims ``start_dim`` … ``end_dim`` merged into one."""
    def permute(self, *dims: Any) -> Tensor:
        """The dims reordered."""
    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Two dims swapped (the last two by default)."""
    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape``; −1 keeps a dim."""
    def broadcast_to(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape``."""
    def squeeze(self, dim: _Dims = None) -> Tensor:
        """Size-1 dims removed (all, or those among ``dim``)."""
    def unsqueeze(self, dim: int) -> Tensor:
        """A size-1 dim inserted at ``dim``."""
    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` or of the given sizes along ``dim``."""
    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` nearly equal pieces along ``dim``."""
    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, each with that dim removed."""
    def gather(self, dim: int, index: Any) -> Tensor:
        """Values along ``dim`` at ``index``, like ``torch.gather``."""
    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices along ``dim`` at the given indices."""
    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """``value`` where ``mask`` is true; no gradient to the filled places."""

    # ---- PyTorch habits: in-place ops, devices, dtype casts and the torch-name sweep ----
    def __iadd__(self, other: Any, alpha: Any = ...) -> Any:
        """self += alpha · other, in place."""
    def __imul__(self, other: Any) -> Any:
        """PyTorch's ``Tensor.__imul__``."""
    def __ipow__(self, exponent: Any) -> Any:
        """PyTorch's ``Tensor.__ipow__``."""
    def __isub__(self, other: Any, alpha: Any = ...) -> Any:
        """self −= alpha · other, in place."""
    def __itruediv__(self, other: Any) -> Any:
        """PyTorch's ``Tensor.__itruediv__``."""
    def abs_(self) -> Any:
        """In-place abs."""
    def acos(x) -> Any:
        """Elementwise acos(x), differentiable."""
    def add_(self, other: Any, alpha: Any = ...) -> Any:
        """self += alpha · other, in place."""
    def addcdiv_(self, t1: Any, t2: Any, value: Any = ...) -> Any:
        """self += value · t1 / t2, in place."""
    def addcmul_(self, t1: Any, t2: Any, value: Any = ...) -> Any:
        """self += value · t1 · t2, in place (optimizer arithmetic)."""
    def addmm(input, mat1: Any, mat2: Any, beta: Any = ..., alpha: Any = ...) -> Any:
        """PyTorch's ``Tensor.addmm``."""
    def allclose(a, b: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> Any:
        """PyTorch's ``Tensor.allclose``."""
    def argsort(x, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Any:
        """Indices that sort ``x`` along ``dim`` (stable, so ties keep their order)."""
    def argwhere(x) -> Any:
        """PyTorch's ``Tensor.argwhere``."""
    def asin(x) -> Any:
        """Elementwise asin(x), differentiable."""
    def atan(x) -> Any:
        """Elementwise atan(x), differentiable."""
    def atan2(a, b: Any) -> Any:
        """PyTorch's ``Tensor.atan2``."""
    def baddbmm(input, b1: Any, b2: Any, beta: Any = ..., alpha: Any = ...) -> Any:
        """PyTorch's ``Tensor.baddbmm``."""
    def bernoulli_(self, p: Any = ..., generator: Any = ...) -> Any:
        """PyTorch's ``Tensor.bernoulli_``."""
    def bmm(a, b: Any) -> Any:
        """Batched matrix product of (B, n, m) and (B, m, p)."""
    def byte(self) -> Any:
        """PyTorch's ``Tensor.byte``."""
    def ceil(x, *args, **kwargs) -> Any:
        """PyTorch's ``Tensor.ceil``."""
    def char(self) -> Any:
        """PyTorch's ``Tensor.char``."""
    def clamp_(self, min: Any = ..., max: Any = ...) -> Any:
        """PyTorch's ``Tensor.clamp_``."""
    def clamp_max_(self, max: Any) -> Any:
        """PyTorch's ``Tensor.clamp_max_``."""
    def clamp_min_(self, min: Any) -> Any:
        """PyTorch's ``Tensor.clamp_min_``."""
    def clip_(self, min: Any = ..., max: Any = ...) -> Any:
        """PyTorch's ``Tensor.clip_``."""
    def contiguous(self, memory_format: Any = ...) -> Any:
        """PyTorch's ``Tensor.contiguous``."""
    def copy_(self, src: Any, non_blocking: Any = ...) -> Any:
        """Copy ``src`` (broadcast, cast to this dtype) into this tensor; gradients flow to ``src``."""
    def cosh(x) -> Any:
        """Elementwise cosh(x), differentiable."""
    def count_nonzero(x, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.count_nonzero``."""
    def cpu(self, memory_format: Any = ...) -> Any:
        """PyTorch's ``Tensor.cpu``."""
    def cross(a, b: Any, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.cross``."""
    def cuda(self, device: Any = ..., non_blocking: Any = ..., memory_format: Any = ...) -> Any:
        """PyTorch's ``.cuda()``: always refused, in one sentence (nnlab runs on the CPU)."""
    def cumsum(self, dim: Any, dtype: Any = ...) -> Any:
        """PyTorch's ``Tensor.cumsum``."""
    def data_ptr(self) -> Any:
        """PyTorch's ``Tensor.data_ptr``."""
    def detach_(self) -> Any:
        """Cut this tensor from the graph in place (it becomes a leaf that needs no gradient)."""
    def diag(x, diagonal: Any = ...) -> Any:
        """A vector's diagonal matrix, or a matrix's ``diagonal``-th diagonal."""
    def diagonal(x, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Any:
        """PyTorch's ``Tensor.diagonal``."""
    def diff(x, n: Any = ..., dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.diff``."""
    def div_(self, other: Any) -> Any:
        """PyTorch's ``Tensor.div_``."""
    def dot(a, b: Any) -> Any:
        """PyTorch's ``Tensor.dot``."""
    def element_size(self) -> Any:
        """PyTorch's ``Tensor.element_size``."""
    def eq(a, b: Any) -> Any:
        """Elementwise eq(a, b) as a bool tensor (no gradient)."""
    def equal(a, b: Any) -> Any:
        """True when both have the same shape and the same values."""
    def erf(x) -> Any:
        """Elementwise erf(x), differentiable."""
    def exp_(self) -> Any:
        """In-place exp."""
    def expand_as(self, other: Any) -> Any:
        """PyTorch's ``Tensor.expand_as``."""
    def expm1(x) -> Any:
        """Elementwise expm1(x), differentiable."""
    def exponential_(self, lambd: Any = ..., generator: Any = ...) -> Any:
        """PyTorch's ``Tensor.exponential_``."""
    def fill_(self, value: Any) -> Any:
        """PyTorch's ``Tensor.fill_``."""
    def flip(x, dims: Any) -> Any:
        """PyTorch's ``Tensor.flip``."""
    def fliplr(x) -> Any:
        """PyTorch's ``Tensor.fliplr``."""
    def flipud(x) -> Any:
        """PyTorch's ``Tensor.flipud``."""
    def floor(x, *args, **kwargs) -> Any:
        """PyTorch's ``Tensor.floor``."""
    def fmod(a, b: Any) -> Any:
        """a − trunc(a/b)·b (sign of a, C's fmod)."""
    def frac(x) -> Any:
        """x − trunc(x); gradient 1."""
    def ge(a, b: Any) -> Any:
        """Elementwise ge(a, b) as a bool tensor (no gradient)."""
    def gt(a, b: Any) -> Any:
        """Elementwise gt(a, b) as a bool tensor (no gradient)."""
    def half(self) -> Any:
        """PyTorch's ``Tensor.half``."""
    def hypot(a, b: Any) -> Any:
        """PyTorch's ``Tensor.hypot``."""
    def index_add(x, dim: Any, index: Any, source: Any, alpha: Any = ...) -> Any:
        """x with ``alpha·source`` added at positions ``index`` of ``dim``."""
    def index_add_(self, dim: Any, index: Any, source: Any, alpha: Any = ...) -> Any:
        """PyTorch's ``Tensor.index_add_``."""
    def inner(a, b: Any) -> Any:
        """Σ over the last dims of a and b (torch.inner)."""
    def is_contiguous(self, memory_format: Any = ...) -> Any:
        """PyTorch's ``Tensor.is_contiguous``."""
    @property
    def is_cpu(self) -> Any:
        """The tensor's is_cpu."""
    @property
    def is_cuda(self) -> Any:
        """The tensor's is_cuda."""
    def is_floating_point(x) -> Any:
        """PyTorch's ``Tensor.is_floating_point``."""
    def is_nonzero(x) -> Any:
        """PyTorch's ``Tensor.is_nonzero``."""
    def isclose(a, b: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> Any:
        """|a − b| ≤ atol + rtol·|b|, elementwise (PyTorch's defaults)."""
    def isfinite(x) -> Any:
        """PyTorch's ``Tensor.isfinite``."""
    def isinf(x) -> Any:
        """PyTorch's ``Tensor.isinf``."""
    def isnan(x) -> Any:
        """PyTorch's ``Tensor.isnan``."""
    def kthvalue(x, k: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
        """The k-th smallest value (1-based) along ``dim`` and its index."""
    def le(a, b: Any) -> Any:
        """Elementwise le(a, b) as a bool tensor (no gradient)."""
    def lerp(start, end: Any, weight: Any) -> Any:
        """PyTorch's ``Tensor.lerp``."""
    def lerp_(self, end: Any, weight: Any) -> Any:
        """self += weight · (end − self), in place."""
    def log10(x) -> Any:
        """Elementwise log10(x), differentiable."""
    def log1p(x) -> Any:
        """Elementwise log1p(x), differentiable."""
    def log2(x) -> Any:
        """Elementwise log2(x), differentiable."""
    def log_(self) -> Any:
        """In-place log."""
    def log_softmax(self, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.log_softmax``."""
    def logical_and(a, b: Any) -> Any:
        """Elementwise logical_and(a, b) as a bool tensor (no gradient)."""
    def logical_not(x) -> Any:
        """PyTorch's ``Tensor.logical_not``."""
    def logical_or(a, b: Any) -> Any:
        """Elementwise logical_or(a, b) as a bool tensor (no gradient)."""
    def logical_xor(a, b: Any) -> Any:
        """Elementwise logical_xor(a, b) as a bool tensor (no gradient)."""
    def lt(a, b: Any) -> Any:
        """Elementwise lt(a, b) as a bool tensor (no gradient)."""
    def masked_fill_(self, mask: Any, value: Any) -> Any:
        """PyTorch's ``Tensor.masked_fill_``."""
    def masked_select(x, mask: Any) -> Any:
        """The elements of ``x`` where ``mask`` (broadcast) is True, as a 1-D tensor."""
    def median(x, dim: Any = ..., keepdim: Any = ...) -> Any:
        """The lower median (PyTorch's): of all values, or (values, indices) along ``dim``."""
    def mm(a, b: Any) -> Any:
        """PyTorch's ``Tensor.mm``."""
    def moveaxis(x, source: Any, destination: Any) -> Any:
        """PyTorch's ``Tensor.moveaxis``."""
    def movedim(x, source: Any, destination: Any) -> Any:
        """PyTorch's ``Tensor.movedim``."""
    def mul_(self, other: Any) -> Any:
        """PyTorch's ``Tensor.mul_``."""
    def mv(a, v: Any) -> Any:
        """PyTorch's ``Tensor.mv``."""
    def nan_to_num(x, nan: Any = ..., posinf: Any = ..., neginf: Any = ...) -> Any:
        """PyTorch's ``Tensor.nan_to_num``."""
    def narrow(x, dim: Any, start: Any, length: Any) -> Any:
        """x sliced to [start, start + length) along ``dim`` (a copy here; PyTorch returns a view)."""
    def ne(a, b: Any) -> Any:
        """Elementwise ne(a, b) as a bool tensor (no gradient)."""
    def neg_(self) -> Any:
        """In-place neg."""
    def nelement(self) -> Any:
        """PyTorch's ``Tensor.nelement``."""
    def new_empty(self, *size, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Any:
        """PyTorch's ``Tensor.new_empty``."""
    def new_full(self, size: Any, fill_value: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Any:
        """PyTorch's ``Tensor.new_full``."""
    def new_ones(self, *size, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Any:
        """PyTorch's ``Tensor.new_ones``."""
    def new_tensor(self, data: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Any:
        """PyTorch's ``Tensor.new_tensor``."""
    def new_zeros(self, *size, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Any:
        """PyTorch's ``Tensor.new_zeros``."""
    def nonzero(x, as_tuple: Any = ...) -> Any:
        """PyTorch's ``Tensor.nonzero``."""
    def normal_(self, mean: Any = ..., std: Any = ..., generator: Any = ...) -> Any:
        """Fill with samples of N(mean, std²) from the seeded generator."""
    def outer(a, b: Any) -> Any:
        """PyTorch's ``Tensor.outer``."""
    def pin_memory(self, device: Any = ...) -> Any:
        """PyTorch's ``Tensor.pin_memory``."""
    def pow_(self, exponent: Any) -> Any:
        """PyTorch's ``Tensor.pow_``."""
    def prod(self, dim: Any = ..., keepdim: Any = ..., dtype: Any = ...) -> Any:
        """PyTorch's ``Tensor.prod``."""
    def random_(self, low: Any = ..., high: Any = ..., generator: Any = ...) -> Any:
        """PyTorch's ``Tensor.random_``."""
    def reciprocal(x) -> Any:
        """Elementwise reciprocal(x), differentiable."""
    def relu_(self) -> Any:
        """In-place relu."""
    def remainder(a, b: Any) -> Any:
        """a − floor(a/b)·b (sign of b, Python's %)."""
    def repeat(x, *sizes) -> Any:
        """PyTorch's ``repeat``: tile the tensor ``sizes`` times along each dim (leading dims added)."""
    def repeat_interleave(x, repeats: Any, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.repeat_interleave``."""
    def reshape_as(self, other: Any) -> Any:
        """PyTorch's ``Tensor.reshape_as``."""
    def roll(x, shifts: Any, dims: Any = ...) -> Any:
        """PyTorch's ``Tensor.roll``."""
    def rot90(x, k: Any = ..., dims: Any = ...) -> Any:
        """PyTorch's ``Tensor.rot90``."""
    def round(x, decimals: Any = ...) -> Any:
        """Round half to even, as PyTorch; no gradient."""
    def rsqrt(x) -> Any:
        """Elementwise rsqrt(x), differentiable."""
    def scatter(x, dim: Any, index: Any, src: Any = ..., value: Any = ..., reduce: Any = ...) -> Any:
        """Write ``src`` (or ``value``) into a copy of ``x`` at ``index`` along ``dim`` (torch.scatter)."""
    def scatter_(self, dim: Any, index: Any, src: Any = ..., value: Any = ..., reduce: Any = ...) -> Any:
        """PyTorch's ``Tensor.scatter_``."""
    def scatter_add(x, dim: Any, index: Any, src: Any) -> Any:
        """Add ``src`` into a copy of ``x`` at ``index`` along ``dim`` (repeated indices accumulate)."""
    def scatter_add_(self, dim: Any, index: Any, src: Any) -> Any:
        """PyTorch's ``Tensor.scatter_add_``."""
    def short(self) -> Any:
        """PyTorch's ``Tensor.short``."""
    def sigmoid_(self) -> Any:
        """In-place sigmoid."""
    def sinh(x) -> Any:
        """Elementwise sinh(x), differentiable."""
    def softmax(self, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.softmax``."""
    def sort(x, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Any:
        """(values, indices) sorted along ``dim``; gradients flow to the values' sources."""
    def sqrt_(self) -> Any:
        """In-place sqrt."""
    def square(x) -> Any:
        """Elementwise square(x), differentiable."""
    def std_mean(x, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Any:
        """PyTorch's ``Tensor.std_mean``."""
    def stride(self, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.stride``."""
    def sub_(self, other: Any, alpha: Any = ...) -> Any:
        """self −= alpha · other, in place."""
    def t(x) -> Any:
        """The transpose of a tensor of at most 2 dims."""
    def take(x, index: Any) -> Any:
        """PyTorch's ``Tensor.take``."""
    def take_along_dim(x, indices: Any, dim: Any = ...) -> Any:
        """PyTorch's ``Tensor.take_along_dim``."""
    def tan(x) -> Any:
        """Elementwise tan(x), differentiable."""
    def tanh_(self) -> Any:
        """In-place tanh."""
    def tile(x, dims: Any) -> Any:
        """PyTorch's ``Tensor.tile``."""
    def topk(x, k: Any, dim: Any = ..., largest: Any = ..., sorted: Any = ...) -> Any:
        """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    def trace(x) -> Any:
        """PyTorch's ``Tensor.trace``."""
    def tril(x, diagonal: Any = ...) -> Any:
        """PyTorch's ``Tensor.tril``."""
    def triu(x, diagonal: Any = ...) -> Any:
        """PyTorch's ``Tensor.triu``."""
    def trunc(x, *args, **kwargs) -> Any:
        """PyTorch's ``Tensor.trunc``."""
    def type(self, dtype: Any = ...) -> Any:
        """``x.type()`` names the type as PyTorch does ('torch.FloatTensor'); ``x.type(dtype)`` casts."""
    def type_as(self, other: Any) -> Any:
        """PyTorch's ``Tensor.type_as``."""
    def uniform_(self, a: Any = ..., b: Any = ..., generator: Any = ...) -> Any:
        """Fill with samples of U[a, b) from the seeded generator."""
    def unique(x, sorted: Any = ..., return_inverse: Any = ..., return_counts: Any = ..., dim: Any = ...) -> Any:
        """The distinct values (sorted), optionally the inverse indices and the counts, as PyTorch."""
    def var_mean(x, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Any:
        """PyTorch's ``Tensor.var_mean``."""
    def view_as(self, other: Any) -> Any:
        """PyTorch's ``Tensor.view_as``."""
    def where(self, condition: Any, other: Any) -> Any:
        """PyTorch's ``Tensor.where``."""


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor copying ``data``, as ``torch.tensor``."""

def clear_grads(tensors: Any, set_to_none: bool = True) -> None:
    """Drop (or zero) the ``grad`` of each tensor."""
