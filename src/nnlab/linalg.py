"""``nnlab.linalg``: linear algebra as ``torch.linalg`` (vector norms; matmul)."""

from nnlab.ops.linalg import matmul
from nnlab.ops.norms import vector_norm

__all__ = ["vector_norm", "matmul"]
