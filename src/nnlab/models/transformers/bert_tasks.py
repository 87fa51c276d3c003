"""BERT's four ways of fine-tuning (Devlin et al., 2019, fig. 4), each with its head and a small
synthetic task, plus the pretraining corpus they share.

- single sentence → class: :class:`BertForSequenceClassification` on the [CLS] summary (topic task);
- sentence → class per token: :class:`BertForTokenClassification` (tagging task);
- sentence pair → class: :class:`BertForSequenceClassification` over [CLS] A [SEP] B [SEP]
  with segment ids (same-topic and paraphrase tasks);
- document + query → answer span: :class:`BertForQuestionAnswering`, start/end logits (span task).

The data come from :class:`~nnlab.data.datasets.bert_world.ToyWorld`. Each head offers
``loss(batch)`` and ``predict(batch)``; :func:`nnlab.text.bert_training.finetune` and
:func:`~nnlab.text.bert_training.evaluate` run any of them through the Trainer, after
:func:`~nnlab.text.bert_training.pretrain` (MLM + NSP) has trained the shared
:class:`~nnlab.models.transformers.bert.BertModel`.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models.transformers.bert import IGNORE_INDEX, BertModel
from nnlab.ops.creation import from_numpy


def _long(a) -> Tensor:
    return from_numpy(np.asarray(a, dtype=np.int64))


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
        return self(batch["input_ids"], batch["token_type_ids"]).array.argmax(-1)


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
        return self(batch["input_ids"], batch["token_type_ids"]).array.argmax(-1)


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
        s, e = start.array, end.array
        L = s.shape[1]
        pair = s[:, :, None] + e[:, None, :]
        pair = np.where(np.triu(np.ones((L, L), dtype=bool))[None], pair, -np.inf)
        flat = pair.reshape(len(s), -1).argmax(-1)
        return np.stack([flat // L, flat % L], axis=1)
