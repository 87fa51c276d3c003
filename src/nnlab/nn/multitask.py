"""Multi-task loss: several sigmoid outputs on one trunk, labels that may be missing ("?").

    L = (1 / Σ_{i,j} m_ij) Σ_{i,j} m_ij · BCE(σ(z_ij), y_ij),   m_ij = 0 where y_ij is missing

so an example with some unknown labels still teaches the tasks whose labels it has — the seeds'
multi-task example (pedestrians, cars, stop signs, traffic lights in one image, some entries "?").
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.losses import _Loss
from nnlab.ops.creation import from_numpy


def _mask_and_fill(target: Tensor | np.ndarray, missing: float) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(target.array if isinstance(target, Tensor) else target)
    gone = np.isnan(y) if np.isnan(missing) else (y == missing)
    return (~gone).astype(y.dtype if y.dtype.kind == "f" else np.float32), np.where(gone, 0, y)


class MaskedBCEWithLogitsLoss(_Loss):
    """BCE-with-logits over the labels present; ``missing`` marks an unknown label (default NaN).

    Shape:
        - Input: logits (N, T), T tasks; Target: (N, T) of 0, 1 or ``missing``; Output: scalar.
    """

    def __init__(self, missing: float = float("nan")) -> None:
        super().__init__("mean")
        self.missing = float(missing)

    def forward(self, logits: Tensor, target) -> Tensor:
        if tuple(logits.shape) != tuple(np.shape(target.array if isinstance(target, Tensor) else target)):
            raise ValueError(f"MaskedBCEWithLogitsLoss: logits {tuple(logits.shape)} and targets "
                             f"{np.shape(target.array if isinstance(target, Tensor) else target)} must match")
        mask, filled = _mask_and_fill(target, self.missing)
        present = float(mask.sum())
        if present == 0:
            raise ValueError("MaskedBCEWithLogitsLoss: every label in the batch is missing")
        dtype = logits.array.dtype
        per = F.binary_cross_entropy_with_logits(logits, from_numpy(filled.astype(dtype)),
                                                 weight=from_numpy(mask.astype(dtype)), reduction="sum")
        return per / present
