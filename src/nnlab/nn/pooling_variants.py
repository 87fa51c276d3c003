"""The seeds' pooling layers: Lp (power-average), mixed, stochastic and spectral pooling."""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops import pooling_variants as V
from nnlab.ops.activation import sigmoid
from nnlab.ops.pooling import IntOrTuple, ntuple


class _LPPoolNd(Module):
    _nd = 2

    def __init__(self, norm_type: float, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        fn = (V.lp_pool1d, V.lp_pool2d, V.lp_pool3d)[self._nd - 1]
        return fn(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


_LP_DOC = """y = (Σ_window x^p)^(1/p), power-average pooling as in PyTorch (p = 1 sum, p → ∞ max pooling).

    Args:
        norm_type: the power p. kernel_size: window size. stride: step (default kernel_size;
            stored as None, as PyTorch does). ceil_mode: round the output size up (default False).{weights}

    Shape:
        input (N, C, {dims}) or (C, {dims}); output (N, C, {outs}), out = ⌊(n − k)/s⌋ + 1.
    """


class LPPool1d(_LPPoolNd):
    __doc__ = _LP_DOC.format(dims="L", outs="L_out", weights="")
    _nd = 1


class LPPool3d(_LPPoolNd):
    __doc__ = _LP_DOC.format(dims="D, H, W", outs="D_out, H_out, W_out", weights="")
    _nd = 3


class LPPool2d(_LPPoolNd):
    __doc__ = _LP_DOC.format(dims="H, W", outs="H_out, W_out", weights="""
        weights: optional kernel-shaped window weights for the seeds' y = (Σ w·x^p)^(1/p). A
            ``Parameter`` is learned (registered as parameter ``weights``); anything else is a
            fixed buffer ``weights``. Default None: PyTorch's unweighted LPPool2d (no state).""")

    def __init__(self, norm_type: float, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 ceil_mode: bool = False, weights=None):
        super().__init__(norm_type, kernel_size, stride, ceil_mode)
        if weights is None:
            self.weights = None
        elif isinstance(weights, Parameter):
            self.weights = weights
        else:
            if not isinstance(weights, Tensor):
                weights = Tensor(np.asarray(weights), dtype=as_dtype(None))
            self.register_buffer("weights", weights)
        kernel = ntuple(kernel_size, 2, "kernel_size", "LPPool2d")
        if self.weights is not None and tuple(self.weights.shape) != kernel:
            raise ValueError(
                f"LPPool2d: weights must have the kernel's shape {kernel}, got {tuple(self.weights.shape)}"
            )

    def forward(self, x: Tensor) -> Tensor:
        return V.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode, self.weights)


class MixedPool2d(Module):
    """y = α·MaxPool2d(x) + (1 − α)·AvgPool2d(x) (mixed pooling).

    With ``learnable=True`` α is learned: it is stored unconstrained as the Parameter
    ``alpha_logit`` = logit(α) and used as α = sigmoid(alpha_logit), so every gradient
    step keeps it inside (0, 1) without clamping (which would stop its gradient at the
    bounds).

    Args:
        kernel_size: window size; stride: step (default kernel_size); padding: default 0.
        alpha: the (initial) weight of the max, in [0, 1] — in (0, 1) when learnable (default 0.5).
        learnable: learn α (default False).
        dtype: dtype of ``alpha_logit`` (default float32).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) as MaxPool2d.

    Attributes:
        alpha_logit: () Parameter, initialized to logit(alpha); only when learnable.
        alpha: the current α as a float (read-only).
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, alpha: float = 0.5,
                 learnable: bool = False, padding: IntOrTuple = 0, dtype=None):
        super().__init__()
        # a learnable α is stored as logit(α), finite only strictly inside (0, 1)
        in_range = 0.0 < alpha < 1.0 if learnable else 0.0 <= alpha <= 1.0
        if not in_range:
            allowed = "(0, 1) when learnable" if learnable else "[0, 1]"
            raise ValueError(f"MixedPool2d: alpha must be in {allowed}, got {alpha}")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = 1
        self.learnable = learnable
        if learnable:
            self.alpha_logit = Parameter(np.asarray(math.log(alpha / (1.0 - alpha)), dtype=as_dtype(dtype)))
        else:
            self._fixed_alpha = float(alpha)

    @property
    def alpha(self) -> float:
        if self.learnable:
            return float(1.0 / (1.0 + np.exp(-float(self.alpha_logit.array))))
        return self._fixed_alpha

    def forward(self, x: Tensor) -> Tensor:
        a = sigmoid(self.alpha_logit) if self.learnable else self._fixed_alpha
        return V.mixed_pool2d(x, self.kernel_size, self.stride, a, self.padding)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"alpha={self.alpha:.4g}, learnable={self.learnable}")


class StochasticPool2d(Module):
    """Stochastic pooling: training y = x_j with j ~ p_j = x_j/Σ_window x; eval y = Σ p_j x_j.

    Expects non-negative input (put it after a ReLU). An all-zero window gives 0. The
    training draw is an unbiased sample of the eval value; the gradient flows to the
    drawn position in training, and through Σx²/Σx in eval.

    Args:
        kernel_size: window size; stride: step (default kernel_size).
        generator: the random source (default None: ``nnlab.backend.default_generator()``
            at each call, so ``nnlab.manual_seed`` makes runs repeatable).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out), out = ⌊(n − k)/s⌋ + 1.
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 generator: np.random.Generator | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = 0
        self.dilation = 1
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return V.stochastic_pool2d(x, self.kernel_size, self.stride, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class SpectralPool2d(Module):
    """y = Re IDFT(crop(DFT(x))): keep the lowest out_h × out_w frequencies (spectral pooling).

    Keeps more information than a max or average pooling for the same size reduction, and
    allows any output size. See ``nnlab.functional.spectral_pool2d`` for the scaling (the
    mean is preserved) and dtypes (float32 in, float32 out).

    Args:
        output_size: (out_h, out_w) or an int, each at most the input size; None keeps a dim.

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, out_h, out_w).
    """

    def __init__(self, output_size: IntOrTuple):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return V.spectral_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
