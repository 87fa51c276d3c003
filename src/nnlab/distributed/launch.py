"""``mpiexec -n P nnlab train --distributed``: a named run (see :mod:`nnlab.runs`) over P ranks.

Every rank builds the same model and data, wraps the model in
:class:`DistributedDataParallel` and trains on its :class:`DistributedSampler` shard
with ``batch_size / P`` samples per step, so the *global* batch stays ``batch_size``
whatever P is: a run resumed with another number of ranks takes the same steps (both
sampler and loader drop the tail that does not fill a global batch). Each epoch's
training numbers are averaged over the ranks; every rank evaluates the whole dev set,
so all take the same early-stopping decision.

Rank 0 alone prints the progress bar and writes the run folder, and after every epoch
it writes ``checkpoint.safetensors`` (model, optimizer, epoch) there; with ``resume``
every rank reloads it (the run directory is shared, see ``docs/distributed.md``).
An exception on any rank aborts the whole job with its message.
"""

from __future__ import annotations

import os
import time
import traceback

from nnlab.backend import manual_seed
from nnlab.data import AugmentedDataset, DataLoader, RandomShift, TensorDataset
from nnlab.distributed import comm
from nnlab.distributed.ddp import DistributedDataParallel
from nnlab.distributed.sampler import DistributedSampler
from nnlab.io.checkpoint import load_checkpoint, save_checkpoint
from nnlab.runs import (
    AUGMENT_SHIFT, IMAGE_MODELS, OPTIMIZERS, RunConfig, RunResult, evaluate_splits, build_loss, build_model,
    load_data, write_run,
)
from nnlab.train import Callback, EarlyStopping, Trainer

__all__ = ["train_distributed", "CHECKPOINT_NAME"]

CHECKPOINT_NAME = "checkpoint.safetensors"


class _EpochCheckpoint(Callback):
    """Rank 0 writes the model and optimizer after each epoch (atomically), to resume from."""

    def __init__(self, path: str, model, optimizer) -> None:
        self.path, self.inner, self.optimizer = path, model, optimizer

    def on_epoch_end(self, epoch: int, logs) -> None:
        save_checkpoint(self.path, self.inner, self.optimizer, epoch=epoch + 1, step=self.trainer.global_step,
                        extra={"world_size": comm.get_world_size()})


def train_distributed(config: RunConfig, quiet: bool = False, resume: bool = False) -> RunResult | None:
    """Train ``config``'s run data-parallel over the MPI world; rank 0 gets the RunResult, others None.

    Args:
        config: the run; ``batch_size`` is the global batch, split evenly over the ranks.
        quiet: no progress bar (rank 0; other ranks never show one). Default: False.
        resume: continue from ``<run_dir>/checkpoint.safetensors`` if it exists. Default: False.

    Raises:
        ValueError: if ``batch_size`` is not a multiple of the world size. On P > 1 ranks
            any error aborts the whole job instead (every rank exits, none hangs).
    """
    rank, world = comm.init()
    try:
        return _train(config, rank, world, quiet, resume)
    except Exception as exc:
        if world == 1:
            raise
        traceback.print_exc()
        comm.abort(f"train failed: {type(exc).__name__}: {exc}")
        raise  # unreachable: abort ends the process


def _train(config: RunConfig, rank: int, world: int, quiet: bool, resume: bool) -> RunResult | None:
    if config.batch_size % world:
        raise ValueError(f"train --distributed: the global batch size {config.batch_size} must be a multiple of "
                         f"the number of ranks {world}")
    manual_seed(config.seed)
    data = load_data(config)
    model = build_model(config, data.input_shape, data.num_classes)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)
    checkpoint = os.path.join(config.run_dir, CHECKPOINT_NAME)
    initial_epoch = 0
    if resume and os.path.isfile(checkpoint):
        initial_epoch = int(load_checkpoint(checkpoint, model, optimizer, restore_rng=False)["epoch"])
        if rank == 0:
            print(f"resuming from {checkpoint} at epoch {initial_epoch}, on {world} rank(s)")
    ddp = DistributedDataParallel(model)
    # Each rank its own stream for augmentation and dropout (the sampler has its own seed).
    manual_seed(config.seed + 1000 * rank + 7919 * initial_epoch)

    train_set = TensorDataset(data.X_train, data.y_train)
    if config.augment and config.model in IMAGE_MODELS:
        train_set = AugmentedDataset(train_set, RandomShift(AUGMENT_SHIFT))
    sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=config.seed, drop_last=True)
    train_loader = DataLoader(train_set, batch_size=config.batch_size // world, sampler=sampler, drop_last=True)
    _, dev_loader, _ = data.loaders(batch_size=config.batch_size, shuffle=False, eval_batch_size=512)

    callbacks: list[Callback] = []
    if config.patience > 0:
        callbacks.append(EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True))
    if rank == 0:
        os.makedirs(config.run_dir, exist_ok=True)
        callbacks.append(_EpochCheckpoint(checkpoint, model, optimizer))
    trainer = Trainer(ddp, build_loss(config, data.num_classes), optimizer, callbacks=callbacks,
                      quiet=quiet or rank != 0)
    start = time.perf_counter()
    history = trainer.fit(train_loader, dev_loader, epochs=config.epochs, initial_epoch=initial_epoch)
    seconds = time.perf_counter() - start
    result = None
    if rank == 0:
        metrics = evaluate_splits(model, trainer.loss_fn, data, config.batch_size)
        metrics.update(train_seconds=seconds, epochs_run=len(history), world_size=world)
        result = write_run(config, model, history, metrics)
    comm.barrier("end-of-training barrier")
    return result
