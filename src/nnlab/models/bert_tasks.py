"""BERT's four ways of fine-tuning (Devlin et al., 2019, fig. 4), each with its head and a small
synthetic task, plus the pretraining corpus they share.

- single sentence → class: :class:`BertForSequenceClassification` on the [CLS] summary (topic task);
- sentence → class per token: :class:`BertForTokenClassification` (tagging task);
- sentence pair → class: :class:`BertForSequenceClassification` over [CLS] A [SEP] B [SEP]
  with segment ids (same-topic task);
- document + query → answer span: :class:`BertForQuestionAnswering`, start/end logits (span task).

The data come from :class:`~nnlab.models.bert_data.ToyWorld`. Each head offers
``loss(batch)`` and ``predict(batch)``; :func:`finetune` and :func:`evaluate` run any of them,
after :func:`pretrain` (MLM + NSP) has trained the shared :class:`~nnlab.models.bert.BertModel`.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.models.bert import IGNORE_INDEX, BertForPreTraining, BertModel, mask_tokens
from nnlab.optim import AdamW, clip_grad_norm_
from nnlab.optim.lr_scheduler import LambdaLR


def _long(a) -> Tensor:
    return Tensor._wrap(np.asarray(a, dtype=np.int64))



def _head(bert: BertModel, outputs: int) -> nn.Linear:
    """A Linear(D, outputs) task head initialized as BERT's: N(0, 0.02²) weights, zero bias."""
    head = nn.Linear(bert.config["d_model"], outputs, dtype=bert.pooler.weight.dtype)
    nn.init.normal_(head.weight, std=0.02)
    nn.init.zeros_(head.bias)
    return head

class BertForSequenceClassification(nn.Module):
    """logits = W · dropout(pooled) + b: one class per sentence or sentence pair.

    Args:
        bert: a (pretrained or fresh) :class:`BertModel`.
        num_labels: K.
        dropout: default 0.1.

    Shape:
        batch["input_ids"], batch["token_type_ids"] (N, L); batch["labels"] (N,); output (N, K).

    Attributes:
        bert; classifier: Linear(D, K), N(0, 0.02²) weights, zero bias.
    """

    def __init__(self, bert: BertModel, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.bert = bert
        self.dropout = nn.Dropout(dropout)
        self.classifier = _head(bert, num_labels)

    def forward(self, input_ids, token_type_ids=None) -> Tensor:
        _, pooled = self.bert(input_ids, token_type_ids)
        return self.classifier(self.dropout(pooled))

    def loss(self, batch: dict) -> Tensor:
        return F.cross_entropy(self(batch["input_ids"], batch["token_type_ids"]), _long(batch["labels"]))

    def predict(self, batch: dict) -> np.ndarray:
        return self(batch["input_ids"], batch["token_type_ids"]).data.argmax(-1)


class BertForTokenClassification(nn.Module):
    """logits_t = W · dropout(H_t) + b: one class per token (positions labelled −100 are skipped).

    Shape:
        batch["labels"] (N, L); output (N, L, K).

    Attributes:
        bert; classifier: Linear(D, K).
    """

    def __init__(self, bert: BertModel, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.bert = bert
        self.dropout = nn.Dropout(dropout)
        self.classifier = _head(bert, num_labels)

    def forward(self, input_ids, token_type_ids=None) -> Tensor:
        h, _ = self.bert(input_ids, token_type_ids)
        return self.classifier(self.dropout(h))

    def loss(self, batch: dict) -> Tensor:
        logits = self(batch["input_ids"], batch["token_type_ids"])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), _long(batch["labels"]).reshape(-1),
                               ignore_index=IGNORE_INDEX)

    def predict(self, batch: dict) -> np.ndarray:
        return self(batch["input_ids"], batch["token_type_ids"]).data.argmax(-1)


class BertForQuestionAnswering(nn.Module):
    """(start, end) logits = H W_qa + b_qa, split: the answer span is (argmax start, argmax end ≥ start).

    Shape:
        batch["start_positions"], batch["end_positions"] (N,); outputs (N, L) and (N, L).

    Attributes:
        bert; qa_outputs: Linear(D, 2).
    """

    def __init__(self, bert: BertModel):
        super().__init__()
        self.bert = bert
        self.qa_outputs = _head(bert, 2)

    def forward(self, input_ids, token_type_ids=None) -> tuple[Tensor, Tensor]:
        h, _ = self.bert(input_ids, token_type_ids)
        logits = self.qa_outputs(h)
        return logits[..., 0], logits[..., 1]

    def loss(self, batch: dict) -> Tensor:
        start, end = self(batch["input_ids"], batch["token_type_ids"])
        return (F.cross_entropy(start, _long(batch["start_positions"]))
                + F.cross_entropy(end, _long(batch["end_positions"]))) * 0.5

    def predict(self, batch: dict) -> np.ndarray:
        """(N, 2) best (start, end) with start ≤ end, maximizing start_logit + end_logit."""
        start, end = self(batch["input_ids"], batch["token_type_ids"])
        s, e = start.data, end.data
        L = s.shape[1]
        pair = s[:, :, None] + e[:, None, :]
        pair = np.where(np.triu(np.ones((L, L), dtype=bool))[None], pair, -np.inf)
        flat = pair.reshape(len(s), -1).argmax(-1)
        return np.stack([flat // L, flat % L], axis=1)


def _take(batch: dict, idx: np.ndarray) -> dict:
    return {k: v[idx] for k, v in batch.items()}


def warmup_linear(warmup: int, total: int):
    """BERT's schedule factor: linear warmup over ``warmup`` steps, then linear decay to 0 at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor


def pretrain(model: BertForPreTraining, data: dict, mask_id: int, special_ids, steps: int, batch_size: int = 32,
             lr: float = 1e-3, weight_decay: float = 0.01, warmup: float = 0.1, max_grad_norm: float = 1.0,
             nsp_weight: float = 1.0, seed: int = 0) -> dict[str, list[float]]:
    """MLM + NSP pretraining: ``steps`` AdamW steps on batches of ``data`` (shuffled each pass), with
    fresh 15% / 80-10-10 masking of every batch (:func:`~nnlab.models.bert.mask_tokens`).

    Args:
        model: the :class:`BertForPreTraining` to train.
        data: ``input_ids``, ``token_type_ids`` (N, L) and ``nsp_labels`` (N,), e.g. from
            ``ToyWorld.pretraining_pairs``.
        mask_id, special_ids: the [MASK] id and the ids never masked.
        steps: optimizer steps. batch_size: default 32. lr: peak learning rate (default 1e-3).
        weight_decay: default 0.01.
        warmup: fraction of ``steps`` of linear warmup before the linear decay (default 0.1).
        max_grad_norm: gradient clipping norm (default 1.0).
        nsp_weight: λ in loss = MLM + λ·NSP (default 1.0, BERT's sum).
        seed: shuffling and masking seed (default 0).

    Returns:
        ``{"mlm": [...], "nsp": [...]}``, the loss of every step.
    """
    rng = np.random.default_rng(seed)
    opt = AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = LambdaLR(opt, warmup_linear(max(1, int(warmup * steps)), steps))
    vocab_size = model.bert.config["vocab_size"]
    n = len(data["input_ids"])
    history: dict[str, list[float]] = {"mlm": [], "nsp": []}
    order, pos = rng.permutation(n), 0
    model.train()
    for _ in range(steps):
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos : pos + batch_size]
        pos += batch_size
        inputs, labels = mask_tokens(data["input_ids"][idx], mask_id, vocab_size, special_ids, generator=rng)
        mlm, nsp = model.loss(inputs, data["token_type_ids"][idx], labels, data["nsp_labels"][idx])
        opt.zero_grad()
        (mlm + nsp * nsp_weight).backward()
        clip_grad_norm_(model.parameters(), max_grad_norm)
        opt.step()
        sched.step()
        history["mlm"].append(float(mlm.item()))
        history["nsp"].append(float(nsp.item()))
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
    return {"mlm_accuracy": float((mlm.data.argmax(-1)[picked] == labels[picked]).mean()),
            "nsp_accuracy": float((nsp.data.argmax(-1) == data["nsp_labels"]).mean())}


def finetune(model: nn.Module, data: dict, epochs: int = 10, batch_size: int = 16, lr: float = 1e-3,
             weight_decay: float = 0.01, seed: int = 0) -> list[float]:
    """Train ``model`` (any head above) on ``data`` with AdamW, seeded shuffling; returns epoch losses.

    Args:
        model: a head with ``loss(batch)``.
        data: the task's dict of arrays (first dim N), e.g. from ``ToyWorld.topic_task``.
        epochs: default 10. batch_size: default 16. lr: default 1e-3. weight_decay: default 0.01.
        seed: shuffling seed (default 0).
    """
    rng = np.random.default_rng(seed)
    opt = AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    n = len(next(iter(data.values())))
    model.train()
    losses = []
    for _ in range(epochs):
        order, total = rng.permutation(n), 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            loss = model.loss(_take(data, idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.item()) * len(idx)
        losses.append(total / n)
    return losses


def evaluate(model: nn.Module, data: dict, batch_size: int = 256) -> float:
    """The task's score: accuracy (sequence tasks), token accuracy (tagging), exact span match (QA)."""
    model.eval()
    correct, count = 0, 0
    n = len(next(iter(data.values())))
    with no_grad():
        for i in range(0, n, batch_size):
            batch = _take(data, np.arange(i, min(i + batch_size, n)))
            pred = model.predict(batch)
            if "start_positions" in batch:
                gold = np.stack([batch["start_positions"], batch["end_positions"]], axis=1)
                correct += int((pred == gold).all(axis=1).sum())
                count += len(gold)
            else:
                gold = batch["labels"]
                keep = gold != IGNORE_INDEX
                correct += int((pred[keep] == gold[keep]).sum())
                count += int(keep.sum())
    model.train()
    return correct / count
