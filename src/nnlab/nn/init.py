"""Weight initialization (``nn.init``): fill a tensor in place, PyTorch's names and formulas.

Every function writes into ``tensor.array`` directly (no graph is recorded), keeps the
tensor's dtype, draws from ``generator`` or else the global seeded generator, and
returns the tensor. Fans of a weight of shape (out, in, *kernel) are
fan_in = in·∏kernel and fan_out = out·∏kernel (the receptive field counts, as for conv).
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator

_LINEAR_GAINS = ("linear", "identity", "conv1d", "conv2d", "conv3d",
                 "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain g that keeps activations' variance steady: std = g / √fan.

    linear/conv/sigmoid → 1, tanh → 5/3, relu → √2, leaky_relu → √(2 / (1 + slope²))
    (slope ``param``, default 0.01), selu → 3/4.
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel); needs at least 2 dims."""
    if tensor.ndim < 2:
        raise ValueError(
            f"init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape {tensor.shape})"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    if isinstance(tensor, np.ndarray):  # PyTorch's ``nn.init.normal_(m.weight.array, ...)``: the array itself
        tensor[...] = values
        return tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor to fill in place, got {type(tensor).__name__}")
    tensor.array[...] = values
    return tensor


def _gen(generator: np.random.Generator | None) -> np.random.Generator:
    return generator if generator is not None else default_generator()


def _draw_dtype(tensor: Tensor):
    """Draw directly in the tensor's float dtype: no float64 temporary for a float32 weight."""
    return tensor.dtype if tensor.dtype in (np.float32, np.float64) else np.float64


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples of U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    u = _gen(generator).random(tensor.shape, dtype=_draw_dtype(tensor))
    u *= b - a
    u += a
    return _fill(tensor, u)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    z = _gen(generator).standard_normal(tensor.shape, dtype=_draw_dtype(tensor))
    z *= std
    z += mean
    return _fill(tensor, z)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill with N(mean, std²) conditioned on [a, b] (absolute bounds), by redrawing outliers."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    g = _gen(generator)
    values = g.normal(mean, std, size=tensor.shape)
    bad = (values < a) | (values > b)
    for _ in range(1000):
        if not bad.any():
            break
        values[bad] = g.normal(mean, std, size=int(bad.sum()))
        bad = (values < a) | (values > b)
    else:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds too little mass of N({mean}, {std}²) to sample from")
    return _fill(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the diagonal): Linear layers that pass inputs through."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot: U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot: N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He: U(−b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults and ``a=√5`` (what ``Linear`` uses) this is U(−1/√fan_in, 1/√fan_in).
    """
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He: N(0, std²) with std = gain / √fan (√(2 / fan_in) for ReLU layers)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def lecun_normal_(tensor: Tensor, generator: np.random.Generator | None = None) -> Tensor:
    """LeCun: N(0, std²) with std = 1/√fan_in (the pairing SELU's self-normalization assumes)."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


def lecun_uniform_(tensor: Tensor, generator: np.random.Generator | None = None) -> Tensor:
    """LeCun: U(−b, b) with b = √(3 / fan_in), the same variance 1/fan_in as ``lecun_normal_``."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with gain·Q, Q a uniformly random (semi-)orthogonal matrix (Saxe et al. 2013).

    The tensor is viewed as (rows, cols) = (shape[0], ∏shape[1:]); Q has orthonormal
    rows when rows ≤ cols, else orthonormal columns (QᵀQ = I).
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dims are supported, got shape {tensor.shape}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Fixing the signs by diag(R) makes Q Haar-distributed rather than biased by QR's convention.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "zeros_",
    "ones_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "lecun_normal_",
    "lecun_uniform_",
    "orthogonal_",
]
