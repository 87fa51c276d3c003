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
    data: np.ndarray
    """The values, a backend array (NumPy)."""
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
    def any(self, dim: int | None = None) -> Tensor:
        """Whether any element is true (over ``dim``)."""
    def all(self, dim: int | None = None) -> Tensor:
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

def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor copying ``data``, as ``torch.tensor``."""

def clear_grads(tensors: Any, set_to_none: bool = True) -> None:
    """Drop (or zero) the ``grad`` of each tensor."""
