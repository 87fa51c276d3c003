"""``SyncBatchNorm``: batch normalization whose statistics cover the global batch of all ranks.

With plain batch norm under data parallelism each rank normalizes over its own shard
of B/P samples (PyTorch DDP's default, kept here). ``SyncBatchNorm`` instead sums, per
channel, the count M_r, Σx and Σx² over the ranks (one allreduce of 2C+1 numbers),

    μ = Σ_r Σx / M,   σ² = Σ_r Σx² / M − μ²,   M = Σ_r M_r,

so every rank normalizes with the statistics of the whole batch, as one process with
batch B would. Backward needs two more global sums (Σg and Σg ⊙ x̂ per channel):

    ∂L/∂x = γ·s·(g − Σ_all g / M − x̂ ⊙ Σ_all (g ⊙ x̂) / M),   s = 1/√(σ² + ε),

while ∂L/∂γ = Σ g ⊙ x̂ and ∂L/∂β = Σ g stay local (the DDP wrapper averages them
with the other gradients).
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.distributed import comm
from nnlab.nn.module import Module
from nnlab.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm

__all__ = ["SyncBatchNorm", "SyncBatchNormFn"]


class SyncBatchNormFn(Function):
    """Batch norm over the global batch (see the module docstring); statistics in float64."""

    @staticmethod
    def forward(ctx: Context, x, weight, bias, eps: float, running_mean, running_var, momentum: float):
        n, c = x.shape[:2]
        xs = x.reshape(n, c, -1)
        local = np.concatenate([xs.sum(axis=(0, 2), dtype=np.float64),
                                np.einsum("ncl,ncl->c", xs, xs, dtype=np.float64), [float(n * xs.shape[2])]])
        total = comm.allreduce(local, what="SyncBatchNorm statistics")
        m = total[-1]
        mean = total[:c] / m
        var = np.maximum(total[c : 2 * c] / m - mean * mean, 0.0)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype)
            running_var *= 1 - momentum
            running_var += (momentum * var * m / max(m - 1, 1)).astype(running_var.dtype)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat = (xs - mean.astype(x.dtype)[None, :, None]) * invstd[None, :, None]
        y = xhat if weight is None else xhat * weight[None, :, None]
        if bias is not None:
            y = y + bias[None, :, None]
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.count, ctx.has_bias = m, bias is not None
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx: Context, grad):
        xhat, invstd, weight = ctx.saved_tensors
        g = grad.reshape(xhat.shape)
        c = xhat.shape[1]
        sum_g = g.sum(axis=(0, 2), dtype=np.float64)
        sum_gx = np.einsum("ncl,ncl->c", g, xhat, dtype=np.float64)
        gw = sum_gx.astype(grad.dtype) if ctx.needs_input_grad[1] else None
        gb = sum_g.astype(grad.dtype) if ctx.needs_input_grad[2] else None
        gx = None
        if ctx.needs_input_grad[0]:
            total = comm.allreduce(np.concatenate([sum_g, sum_gx]), what="SyncBatchNorm gradient sums")
            mean_g = (total[:c] / ctx.count).astype(grad.dtype)
            mean_gx = (total[c:] / ctx.count).astype(grad.dtype)
            scale = invstd if weight is None else invstd * weight
            gx = (g - mean_g[None, :, None] - xhat * mean_gx[None, :, None]) * scale[None, :, None]
            gx = gx.reshape(grad.shape)
        return gx, gw, gb, None, None, None, None


class SyncBatchNorm(_BatchNorm):
    """Batch norm with statistics over the global batch of every rank (inputs (N, C, *)).

    Args are those of :class:`~nnlab.nn.BatchNorm2d`. On a world of one, and in eval mode
    (running estimates), it is exactly batch norm; in training on P > 1 ranks it runs
    :class:`SyncBatchNormFn`. :meth:`convert_sync_batchnorm` swaps it into a model.

    Shape:
        input: (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W); output: the same.

    Attributes:
        weight, bias, running_mean, running_var, num_batches_tracked: as BatchNorm2d's.
    """

    _ranks = (2, 3, 4, 5)
    _shape_names = "(N, C, *)"

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or comm.get_world_size() == 1:
            return super().forward(x)
        if x.ndim not in self._ranks:
            raise ValueError(f"SyncBatchNorm: expected input of shape {self._shape_names}, got shape {x.shape}")
        self._check_channels(x, 1)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.array)
        track = self.track_running_stats
        return SyncBatchNormFn.apply(x, self.weight, self.bias, self.eps,
                                     self.running_mean.array if track else None,
                                     self.running_var.array if track else None, momentum)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module) -> Module:
        """``module`` with every BatchNorm1d/2d/3d replaced by a SyncBatchNorm holding its state."""
        if isinstance(module, (BatchNorm1d, BatchNorm2d, BatchNorm3d)):
            sync = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                       bias=module.bias is not None)
            sync.load_state_dict(module.state_dict())
            sync.train(module.training)
            return sync
        for name, child in list(module.named_children()):
            module.add_module(name, cls.convert_sync_batchnorm(child))
        return module
