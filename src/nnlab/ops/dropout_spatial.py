"""``dropout2d``: channel-wise (spatial) dropout, one Bernoulli draw per (sample, channel).

Neighbouring pixels of a feature map are strongly correlated, so dropping single
pixels barely regularizes a convolutional layer: the network reads the dropped value
off its neighbours. Dropping whole channels (Tompson et al., 2015) does.
"""

from __future__ import annotations

import warnings

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.nn_ops import Dropout, dropout


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: np.random.Generator | None = None) -> Tensor:
    """y = x ⊙ m, m_nc ∈ {0, 1/(1 − p)} per (sample, channel): whole feature maps are zeroed.

    The (N, C, 1, 1) mask is inverted dropout applied to ones, so the kept channels are
    scaled by 1/(1 − p) and the expected output equals the input; ∂L/∂x = g ⊙ m. Like
    PyTorch, a 3-D input is read as (N, C, L) (with the same warning), and ranks other
    than 3 and 4 are accepted with a deprecation warning.

    Args:
        input: floating input.
        p: probability of zeroing a channel, in [0, 1]. Default: 0.5.
        training: apply dropout (True) or return the input unchanged (False). Default: True.
        inplace: accepted for PyTorch compatibility; the result is always a new tensor.
        generator: the ``np.random.Generator`` for the mask (default: the global seeded one).

    Shape:
        input: (N, C, H, W) (or (N, C, L)); output: the same.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p must lie in [0, 1], got {p}")
    if input.ndim < 2:
        raise ValueError(f"dropout2d: expected input of shape (N, C, H, W), got shape {input.shape}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: received a {input.ndim}-D input; dropout2d is meant for (N, C, H, W) "
                      "or (N, C, L) input. Use dropout for other shapes.", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input and assuming that channel-wise 1-D dropout is "
                      "desired: the input is interpreted as shape (N, C, L), where C is the channel dim.",
                      stacklevel=2)
    if not training or p == 0:
        return input
    ones = Tensor._wrap(np.ones(input.shape[:2] + (1,) * (input.ndim - 2), dtype=input.dtype))
    mask = dropout(ones, p, True, generator=generator).array
    return Dropout.apply(input, mask)
