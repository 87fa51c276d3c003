"""``DistributedDataParallel``: replicate a model on every rank and average its gradients.

Data parallelism: each of the P ranks holds the same weights, runs forward and
backward on its own shard of the global batch (B/P samples), and before the optimizer
step the gradients are averaged,

    g = (1/P) Σ_r g_r,

which, for a loss that is a batch mean, is exactly the gradient of the global batch of
B samples. Every rank then takes the same step, so the replicas stay identical.

As in PyTorch and Horovod, the gradients travel in a few large *buckets* (flat buffers
of about ``bucket_cap_mb`` MiB, filled in reverse registration order, the order backward
produces them) rather than one message per tensor: an allreduce costs a latency α plus
bytes/bandwidth, so fewer, larger messages pay α fewer times. All buckets are started
(non-blocking) before the first is waited for.

The :class:`~nnlab.train.Trainer` calls :meth:`DistributedDataParallel.sync_gradients`
between ``backward`` and the optimizer step, and :meth:`reduce_logs` on each epoch's logs.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from nnlab.distributed import comm
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy

__all__ = ["DistributedDataParallel", "broadcast_state"]


def _buckets(tensors: list, cap_bytes: int) -> list[list]:
    """Group tensors of one dtype into runs of at most ``cap_bytes`` (a bigger tensor is its own bucket)."""
    groups: list[list] = []
    current: list = []
    size = 0
    for t in tensors:
        nbytes = t.array.nbytes
        if current and (size + nbytes > cap_bytes or current[0].array.dtype != t.array.dtype):
            groups.append(current)
            current, size = [], 0
        current.append(t)
        size += nbytes
    if current:
        groups.append(current)
    return groups


def broadcast_state(module: Module, root: int = 0, cap_mb: float = 25.0, buffers: bool = True) -> None:
    """Overwrite every parameter (and buffer) of ``module`` with rank ``root``'s values (bucketed)."""
    if comm.get_world_size() == 1:
        return
    tensors = list(module.parameters()) + ([b for b in module.buffers() if b is not None] if buffers else [])
    for group in _buckets(tensors, int(cap_mb * 2**20)):
        flat = np.concatenate([t.array.reshape(-1) for t in group])
        comm.broadcast(flat, root, what="broadcast of parameters and buffers")
        offset = 0
        for t in group:
            n = t.array.size
            t.array[...] = flat[offset : offset + n].reshape(t.array.shape)
            offset += n


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the MPI world (see the module docstring).

    Args:
        module: the model; its parameters and buffers are broadcast from rank 0 here, so
            every rank starts from the same weights whatever its seed.
        bucket_cap_mb: the size of a gradient bucket in MiB. Default: 25 (PyTorch's).
        broadcast_buffers: also copy buffers (batch-norm running statistics) from rank 0
            at the start. Default: True.

    Attributes:
        module: the wrapped model (save ``ddp.module``'s state_dict, as with PyTorch).
        world_size: P; rank: this process's rank.
        buckets: the parameter groups that travel together, in reverse registration order.

    Batch norm stays local to each rank (each normalizes over its own shard, as with
    PyTorch's DDP) unless the model uses :class:`~nnlab.distributed.SyncBatchNorm`.
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25.0, broadcast_buffers: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nnlab Module, got {type(module).__name__}")
        if bucket_cap_mb <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.rank, self.world_size = comm.init()
        self.module = module
        params = [p for p in module.parameters() if p.requires_grad]
        self.buckets = _buckets(params[::-1], int(bucket_cap_mb * 2**20))
        broadcast_state(module, 0, bucket_cap_mb, buffers=broadcast_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def sync_gradients(self) -> None:
        """Replace every gradient by its average over the ranks (a parameter without one counts as 0)."""
        if self.world_size == 1:
            return
        flats, requests = [], []
        for group in self.buckets:
            dtype = group[0].array.dtype
            flat = np.concatenate([(p.grad.array if p.grad is not None else np.zeros(p.array.shape, dtype)).reshape(-1)
                                   for p in group]).astype(dtype, copy=False)
            flats.append(flat)
            requests.append(comm.allreduce_start(flat))
        for group, flat, request in zip(self.buckets, flats, requests):
            comm.wait(request, "allreduce of gradients")
            flat /= self.world_size
            offset = 0
            for p in group:
                n = p.array.size
                grad = flat[offset : offset + n].reshape(p.array.shape)
                if p.grad is None:
                    p.grad = from_numpy(grad.copy())
                else:
                    p.grad.array[...] = grad
                offset += n

    def reduce_logs(self, logs: Mapping[str, float]) -> dict[str, float]:
        """Average an epoch's numbers over the ranks (each rank saw an equal shard)."""
        if self.world_size == 1:
            return dict(logs)
        keys = sorted(logs)
        values = np.array([float(logs[k]) for k in keys], dtype=np.float64)
        comm.allreduce(values, what="allreduce of epoch logs")
        return {k: float(v) / self.world_size for k, v in zip(keys, values)}
