"""Data-parallel training over MPI: ``mpiexec -n P`` processes, each a replica on its own shard.

    from nnlab.distributed import DistributedDataParallel, DistributedSampler, init
    rank, world = init()
    model = DistributedDataParallel(model)            # broadcast from rank 0
    loader = DataLoader(data, batch_size=B // world, sampler=DistributedSampler(data))
    Trainer(model, loss_fn, opt, quiet=rank != 0).fit(loader, epochs=5)

Run with ``mpiexec -n 2 python train.py`` or ``mpiexec -n 2 nnlab train --distributed``.
See ``docs/distributed.md``.
"""

from nnlab.distributed.comm import (
    DistributedError, abort, allreduce, barrier, broadcast, get_rank, get_world_size, init, install_abort_handler,
    is_distributed, is_main_process,
)
from nnlab.distributed.ddp import DistributedDataParallel, broadcast_state
from nnlab.distributed.sampler import DistributedSampler
from nnlab.distributed.sync_batchnorm import SyncBatchNorm

__all__ = [
    "init", "get_rank", "get_world_size", "is_distributed", "is_main_process", "allreduce", "broadcast", "barrier",
    "abort", "install_abort_handler", "DistributedError", "DistributedDataParallel", "broadcast_state",
    "DistributedSampler", "SyncBatchNorm",
]
