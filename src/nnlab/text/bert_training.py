"""Training BERT through the one Trainer: MLM + NSP pretraining, fine-tuning a task head, the task scores.

:func:`pretrain` runs a fixed number of AdamW steps with BERT's warmup-then-linear-decay
schedule, masking every batch afresh (:func:`~nnlab.models.transformers.bert.mask_tokens`);
:func:`finetune` trains any head of :mod:`nnlab.models.transformers.bert_tasks` (its ``loss(batch)`` is
the Trainer's step function); :func:`evaluate` scores a head with its ``predict(batch)``.
The batches are dicts of NumPy arrays (the toy world's tasks), drawn by a seeded DataLoader.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.data import DataLoader
from nnlab.models.transformers.bert import IGNORE_INDEX, BertForPreTraining, mask_tokens
from nnlab.optim import AdamW
from nnlab.optim.lr_scheduler import LambdaLR
from nnlab.train import LRSchedulerCallback, Trainer
from nnlab.train import evaluate as evaluate_logs

__all__ = ["warmup_linear", "pretrain", "pretraining_accuracy", "finetune", "evaluate", "dict_loader"]


def dict_loader(data: dict, batch_size: int, shuffle: bool = False, drop_last: bool = False,
                generator: np.random.Generator | int | None = None) -> DataLoader:
    """A DataLoader over a dict of arrays (first dim N) yielding dicts of the batch's rows, as NumPy arrays."""
    n = len(next(iter(data.values())))
    return DataLoader(range(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator,
                      collate_fn=lambda ids: {k: v[np.asarray(ids)] for k, v in data.items()})


def warmup_linear(warmup: int, total: int) -> Callable[[int], float]:
    """BERT's schedule factor: linear warmup over ``warmup`` steps, then linear decay to 0 at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor


def pretrain(model: BertForPreTraining, data: dict, mask_id: int, special_ids, steps: int, batch_size: int = 32,
             lr: float = 1e-3, weight_decay: float = 0.01, warmup: float = 0.1, max_grad_norm: float = 1.0,
             nsp_weight: float = 1.0, seed: int = 0, quiet: bool = True) -> dict[str, list[float]]:
    """MLM + NSP pretraining: ``steps`` AdamW steps on batches of ``data`` (reshuffled after each full
    pass, the incomplete last batch dropped), with fresh 15% / 80-10-10 masking of every batch.

    loss = MLM + λ·NSP; the gradient is clipped to ``max_grad_norm`` and the learning rate
    follows :func:`warmup_linear`, stepped after every optimizer step.

    Args:
        model: the :class:`BertForPreTraining` to train.
        data: ``input_ids``, ``token_type_ids`` (N, L) and ``nsp_labels`` (N,), e.g. from
            ``ToyWorld.pretraining_pairs``.
        mask_id, special_ids: the [MASK] id and the ids never masked.
        steps: optimizer steps. batch_size: default 32 (at most N). lr: peak learning rate (default 1e-3).
        weight_decay: default 0.01.
        warmup: fraction of ``steps`` of linear warmup before the linear decay (default 0.1).
        max_grad_norm: gradient clipping norm (default 1.0).
        nsp_weight: λ (default 1.0, BERT's sum).
        seed: shuffling and masking seed, one generator for both (default 0).
        quiet: no progress bar (default True).

    Returns:
        ``{"mlm": [...], "nsp": [...]}``, the loss of every step.
    """
    n = len(data["input_ids"])
    if not 0 < batch_size <= n:
        raise ValueError(f"pretrain: batch_size must lie in [1, {n}] (the number of pairs), got {batch_size}")
    rng = np.random.default_rng(seed)
    opt = AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = LambdaLR(opt, warmup_linear(max(1, int(warmup * steps)), steps))
    vocab_size = model.bert.config["vocab_size"]
    history: dict[str, list[float]] = {"mlm": [], "nsp": []}

    def step(trainer: Trainer, batch: dict) -> dict[str, Any]:
        # The batch is drawn before it is masked: shuffling and masking share ``rng`` in that order.
        inputs, labels = mask_tokens(batch["input_ids"], mask_id, vocab_size, special_ids, generator=rng)
        mlm, nsp = trainer.model.loss(inputs, batch["token_type_ids"], labels, batch["nsp_labels"])
        history["mlm"].append(float(mlm.item()))
        history["nsp"].append(float(nsp.item()))
        return {"loss": mlm + nsp * nsp_weight, "mlm": history["mlm"][-1], "nsp": history["nsp"][-1]}

    passes = dict_loader(data, batch_size, shuffle=True, drop_last=True, generator=rng)
    batches = itertools.islice(itertools.chain.from_iterable(itertools.repeat(passes)), steps)
    trainer = Trainer(model, optimizer=opt, step_fn=step, grad_clip=max_grad_norm, quiet=quiet,
                      callbacks=[LRSchedulerCallback(sched, interval="batch")])
    trainer.fit(batches, epochs=1)
    return history


def pretraining_accuracy(model: BertForPreTraining, data: dict, mask_id: int, special_ids,
                         seed: int = 0) -> dict[str, float]:
    """Held-out MLM accuracy (over the picked positions) and NSP accuracy."""
    inputs, labels = mask_tokens(data["input_ids"], mask_id, model.bert.config["vocab_size"], special_ids,
                                 generator=np.random.default_rng(seed))
    model.eval()
    with no_grad():
        mlm, nsp = model(inputs, data["token_type_ids"])
    model.train()
    picked = labels != IGNORE_INDEX
    return {"mlm_accuracy": float((mlm.array.argmax(-1)[picked] == labels[picked]).mean()),
            "nsp_accuracy": float((nsp.array.argmax(-1) == data["nsp_labels"]).mean())}


def finetune(model: nn.Module, data: dict, epochs: int = 10, batch_size: int = 16, lr: float = 1e-3,
             weight_decay: float = 0.01, seed: int = 0, quiet: bool = True) -> list[float]:
    """Train ``model`` (any head of :mod:`nnlab.models.transformers.bert_tasks`) on ``data`` with AdamW; returns epoch losses.

    Args:
        model: a head with ``loss(batch)``, the Trainer's step.
        data: the task's dict of arrays (first dim N), e.g. from ``ToyWorld.topic_task``.
        epochs: default 10. batch_size: default 16. lr: default 1e-3. weight_decay: default 0.01.
        seed: shuffling seed (default 0).
        quiet: no progress bar (default True).
    """
    opt = AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    trainer = Trainer(model, optimizer=opt, step_fn=lambda tr, batch: tr.model.loss(batch), quiet=quiet)
    history = trainer.fit(dict_loader(data, batch_size, shuffle=True, generator=seed), epochs=epochs)
    return list(history["loss"])


def _score_step(trainer: Trainer, batch: dict) -> dict[str, float]:
    """Correct predictions of one batch: whole spans (QA) or labelled positions (class, tags)."""
    pred = trainer.model.predict(batch)
    if "start_positions" in batch:
        gold = np.stack([batch["start_positions"], batch["end_positions"]], axis=1)
        correct, count = int((pred == gold).all(axis=1).sum()), len(gold)
    else:
        gold = batch["labels"]
        keep = gold != IGNORE_INDEX
        correct, count = int((pred[keep] == gold[keep]).sum()), int(keep.sum())
    return {"correct": correct, "count": count, "n": 1}


def evaluate(model: nn.Module, data: dict, batch_size: int = 256) -> float:
    """The task's score: accuracy (sequence tasks), token accuracy (tagging), exact span match (QA)."""
    logs = evaluate_logs(model, dict_loader(data, batch_size), step_fn=_score_step)
    return logs["correct"] / logs["count"]
