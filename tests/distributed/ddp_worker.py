"""Run by ``mpiexec -n P python ddp_worker.py MODE OUT`` from the distributed tests (and in-process with P = 1).

``train``: a small CNN with SyncBatchNorm trained for two epochs through the Trainer, DDP
and a DistributedSampler with a global batch of 32; rank 0 saves the parameters after
every step. ``raise`` / ``kill`` / ``hang``: rank 1 raises, is killed, or stops responding
at its second step (mid-epoch), to check that the other rank does not hang.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.distributed import DistributedDataParallel, DistributedSampler, SyncBatchNorm, init
from nnlab.train import Callback, Trainer

GLOBAL_BATCH = 32


class _Record(Callback):
    def __init__(self, model, mode, rank):
        self.inner, self.mode, self.rank, self.steps = model, mode, rank, []

    def on_batch_end(self, batch, logs):
        self.steps.append(np.concatenate([p.array.reshape(-1) for p in self.inner.parameters()]))
        if self.rank == 1 and len(self.steps) == 2:
            if self.mode == "raise":
                raise RuntimeError("injected fault on rank 1")
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.mode == "hang":
                time.sleep(600)


def run(mode: str, out: str | None) -> dict[str, np.ndarray]:
    rank, world = init()
    nnlab.manual_seed(0)
    gen = np.random.default_rng(1)
    X = gen.standard_normal((96, 1, 8, 8)).astype(np.float32)
    Y = gen.integers(0, 3, 96)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), SyncBatchNorm(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    if rank:  # a different initialization on the other ranks: DDP must broadcast rank 0's
        for p in model.parameters():
            p.array[...] = 7.0
    ddp = DistributedDataParallel(model)
    if "STEP_TIMEOUT" in os.environ:  # a short deadline for the steps only, not for the ranks' uneven start-up
        os.environ["NNLAB_DIST_TIMEOUT"] = os.environ["STEP_TIMEOUT"]
    data = TensorDataset(X, Y)
    sampler = DistributedSampler(data, world, rank, shuffle=True, seed=3, drop_last=True)
    loader = DataLoader(data, batch_size=GLOBAL_BATCH // world, sampler=sampler, drop_last=True)
    record = _Record(model, mode, rank)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = Trainer(ddp, nn.CrossEntropyLoss(), opt, callbacks=[record], quiet=True).fit(loader, epochs=2)
    result = {"steps": np.stack(record.steps), "loss": np.array(history["loss"]),
              "running_mean": model[1].running_mean.array.copy(), "running_var": model[1].running_var.array.copy()}
    if rank == 0 and out:
        np.savez(out, **result)
    return result


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
