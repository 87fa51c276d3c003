"""Normalization layers: BatchNorm1d/2d/3d, InstanceNorm2d, GroupNorm, LayerNorm, LocalResponseNorm.

Parameter and buffer names (``weight``, ``bias``, ``running_mean``, ``running_var``,
``num_batches_tracked``) and their dtypes match PyTorch's, so state_dicts load across.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter


class _NormBase(Module):
    """Per-channel affine parameters and running statistics, shared by batch and instance norm."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None, *, bias: bool = True):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be positive, got {num_features}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = as_dtype(dtype)
        if affine:
            self.weight = Parameter(np.empty((num_features,), dtype=dt))
            if bias:
                self.bias = Parameter(np.empty((num_features,), dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros((num_features,), dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones((num_features,), dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, γ to 1 and β to 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_channels(self, x: Tensor, channel_dim: int) -> None:
        if x.shape[channel_dim] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels (num_features) in dim "
                f"{channel_dim}, got input of shape {x.shape}"
            )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Shared forward of BatchNorm1d/2d/3d; subclasses say which input ranks they take."""

    _ranks: tuple[int, ...] = ()
    _shape_names = ""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ranks:
            raise ValueError(f"{type(self).__name__}: expected input of shape {self._shape_names}, got shape {x.shape}")
        self._check_channels(x, 1)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:  # cumulative moving average of all batches so far
                factor = 1.0 / float(self.num_batches_tracked.array)
        # Batch statistics in training, and also in eval when there are no running estimates.
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """y = γ ⊙ (x − E[x])/√(Var[x] + ε) + β per feature C, statistics over N (and L).

    In training, the batch mean and biased batch variance normalize, and the running
    estimates move towards the batch's (unbiased) ones: r ← (1 − momentum)·r + momentum·b
    (momentum=None: cumulative average, factor 1/num_batches_tracked). In eval the
    running estimates normalize; with ``track_running_stats=False`` batch statistics
    are used in both modes.

    Args:
        num_features: C.
        eps: added to the variance inside the square root. Default: 1e-5.
        momentum: weight of each new batch in the running estimates, or None for a
            cumulative average. Default: 0.1.
        affine: learn γ and β. Default: True.
        track_running_stats: keep running estimates (and use them in eval). Default: True.
        dtype: parameter and buffer dtype. Default: the default dtype (float32).
        bias: (keyword only) learn β too, with ``affine``. Default: True.

    Shape:
        input: (N, C) or (N, C, L); output: the same.

    Attributes:
        weight: γ, (C,), initialized to 1 (None unless ``affine``).
        bias: β, (C,), initialized to 0 (None unless ``affine`` and ``bias``).
        running_mean: buffer (C,), starts at 0; running_var: buffer (C,), starts at 1;
        num_batches_tracked: int64 buffer () (all three None unless ``track_running_stats``).
    """

    _ranks = (2, 3)
    _shape_names = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """y = γ_c ⊙ (x − E[x]_c)/√(Var[x]_c + ε) + β_c per channel c, statistics over N, H and W.

    Train/eval behaviour, arguments and attributes as :class:`BatchNorm1d`.

    Args:
        num_features: C.
        eps: Default: 1e-5.
        momentum: Default: 0.1 (None: cumulative average).
        affine: Default: True.
        track_running_stats: Default: True.
        dtype: Default: the default dtype.
        bias: (keyword only) Default: True.

    Shape:
        input: (N, C, H, W); output: the same.

    Attributes:
        weight, bias: (C,), initialized to 1 and 0; running_mean, running_var: (C,);
        num_batches_tracked: int64 ().
    """

    _ranks = (4,)
    _shape_names = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """y = γ_c ⊙ (x − E[x]_c)/√(Var[x]_c + ε) + β_c per channel c, statistics over N, D, H and W.

    Train/eval behaviour, arguments and attributes as :class:`BatchNorm1d`.

    Args:
        num_features: C.
        eps: Default: 1e-5.
        momentum: Default: 0.1 (None: cumulative average).
        affine: Default: True.
        track_running_stats: Default: True.
        dtype: Default: the default dtype.
        bias: (keyword only) Default: True.

    Shape:
        input: (N, C, D, H, W); output: the same.

    Attributes:
        weight, bias: (C,), initialized to 1 and 0; running_mean, running_var: (C,);
        num_batches_tracked: int64 ().
    """

    _ranks = (5,)
    _shape_names = "(N, C, D, H, W)"


class InstanceNorm2d(_NormBase):
    """y = γ_c ⊙ (x − μ_nc)/√(σ²_nc + ε) + β_c: each sample's channel standardized over H and W.

    With ``track_running_stats`` the running estimates are updated in training (from
    the per-instance statistics, averaged over the batch) and used in eval, as in
    PyTorch; ``num_batches_tracked`` exists but, as there, is not counted.

    Args:
        num_features: C.
        eps: added to the variance inside the square root. Default: 1e-5.
        momentum: weight of each new batch in the running estimates. Default: 0.1.
        affine: learn γ and β. Default: False.
        track_running_stats: keep running estimates. Default: False.
        dtype: parameter and buffer dtype. Default: the default dtype.
        bias: (keyword only) learn β too, with ``affine``. Default: True.

    Shape:
        input: (N, C, H, W) or (C, H, W); output: the same.

    Attributes:
        weight, bias: (C,), initialized to 1 and 0 (only with ``affine``);
        running_mean, running_var: (C,), num_batches_tracked: int64 () (only with ``track_running_stats``).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"InstanceNorm2d: expected input of shape (N, C, H, W) or (C, H, W), got shape {x.shape}")
        channel_dim = x.ndim - 3
        if x.shape[channel_dim] != self.num_features:
            if self.affine or self.track_running_stats:
                self._check_channels(x, channel_dim)
            warnings.warn(f"InstanceNorm2d: input has {x.shape[channel_dim]} channels (shape {x.shape}), "
                          f"num_features={self.num_features}; normalizing anyway", stacklevel=2)
        batched = x if x.ndim == 4 else x.reshape((1,) + x.shape)
        y = F.instance_norm(batched, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y if x.ndim == 4 else y.reshape(x.shape)


class GroupNorm(Module):
    """y = γ_c ⊙ (x − μ_ng)/√(σ²_ng + ε) + β_c: each sample standardized per group of C/G channels.

    Independent of the batch size, so train and eval behave the same. G = 1 is layer
    norm over (C, H, W) with per-channel γ, β; G = C is instance norm.

    Args:
        num_groups: G, which must divide C.
        num_channels: C.
        eps: added to the variance inside the square root. Default: 1e-5.
        affine: learn per-channel γ and β. Default: True.
        dtype: parameter dtype. Default: the default dtype.
        bias: (keyword only) learn β too, with ``affine``. Default: True.

    Shape:
        input: (N, C, *); output: the same.

    Attributes:
        weight: γ, (C,), initialized to 1; bias: β, (C,), initialized to 0 (None unless ``affine``/``bias``).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype=None, *,
                 bias: bool = True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        dt = as_dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones((num_channels,), dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros((num_channels,), dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected input of shape (N, {self.num_channels}, *), got shape {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class LayerNorm(Module):
    """y = γ ⊙ (x − E[x])/√(Var[x] + ε) + β, statistics over the trailing ``normalized_shape`` dims.

    Each sample (each position, for sequences) is standardized on its own, with the
    biased variance and ε inside the square root; train and eval behave the same.

    Args:
        normalized_shape: K, the trailing shape (an int for the last dim only).
        eps: added to the variance inside the square root. Default: 1e-5.
        elementwise_affine: learn γ and β of shape K. Default: True.
        bias: learn β too (with ``elementwise_affine``). Default: True.
        dtype: parameter dtype. Default: the default dtype.

    Shape:
        input: (*, K); output: the same.

    Attributes:
        weight: γ, K, initialized to 1; bias: β, K, initialized to 0 (None when not learned).
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=None):
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not ns or any(int(s) < 1 for s in ns):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(s) for s in ns)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = as_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """y_c = x_c / (k + α/n · Σ_{c' near c} x_c'²)^β over a window of n = ``size`` channels (AlexNet's LRN).

    Args:
        size: n, the number of neighbouring channels in the window.
        alpha: α. Default: 1e-4.
        beta: β. Default: 0.75.
        k: the additive constant. Default: 1.0.

    Shape:
        input: (N, C, *) with at least 3 dims; output: the same.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
