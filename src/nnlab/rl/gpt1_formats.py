"""GPT-1's task-specific input transformations (Radford et al., 2018): every task as one token sequence.

To fine-tune the pretrained transformer without changing its architecture, structured
inputs are turned into ordered sequences with a start token ``s``, a delimiter ``$`` and
an extract token ``e``, and one linear layer reads the final hidden state at ``e``:

- classification: ``s text e``;
- entailment: ``s premise $ hypothesis e``;
- similarity (no natural order): both ``s A $ B e`` and ``s B $ A e``, their hidden states at
  ``e`` added before the linear layer;
- multiple choice: ``s context $ answer_k e`` for each answer, one score each, softmax over k.

Fine-tuning maximizes L₂ + λ L₁: the task's log-likelihood plus λ (0.5 in the paper) times
the language-modelling loss on the same sequences, which the paper found helps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models import GPT
from nnlab.ops.creation import as_tensor
from nnlab.rl.rlhf import logits_and_hidden, masked_lm_loss
from nnlab.train import Trainer


@dataclass
class GPT1Format:
    """The special tokens and the transformations. ``encode`` maps a text to ids (e.g. ``CharVocab.encode``).

    Attributes:
        start, delim, extract: token ids of ``s``, ``$`` and ``e``. pad: the padding id.
    """

    encode: object
    start: int
    delim: int
    extract: int
    pad: int = 0

    def _join(self, *parts: str) -> list[int]:
        ids = [self.start]
        for i, p in enumerate(parts):
            if i:
                ids.append(self.delim)
            ids.extend(self.encode(p))
        return ids + [self.extract]

    def classification(self, text: str) -> list[int]:
        """``s text e``."""
        return self._join(text)

    def entailment(self, premise: str, hypothesis: str) -> list[int]:
        """``s premise $ hypothesis e``."""
        return self._join(premise, hypothesis)

    def similarity(self, a: str, b: str) -> tuple[list[int], list[int]]:
        """(``s a $ b e``, ``s b $ a e``): both orders."""
        return self._join(a, b), self._join(b, a)

    def multiple_choice(self, context: str, answers) -> list[list[int]]:
        """``s context $ answer_k e`` for every answer."""
        return [self._join(context, a) for a in answers]

    def batch(self, seqs: list[list[int]], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Right-padded ids (N, L) and the index of each extract token (N,)."""
        length = length or max(len(s) for s in seqs)
        if max(len(s) for s in seqs) > length:
            raise ValueError(f"GPT1Format.batch: a sequence of {max(len(s) for s in seqs)} tokens exceeds length {length}")
        out = np.full((len(seqs), length), self.pad, dtype=np.int64)
        for i, s in enumerate(seqs):
            out[i, :len(s)] = s
        return out, np.array([len(s) - 1 for s in seqs], dtype=np.int64)


class GPT1Classifier(nn.Module):
    """P(y | x) = softmax(W_y · h_e): the final hidden state at the extract token, to class logits.

    For ``task="similarity"`` the forward pass takes both orderings and adds their h_e.

    Args:
        gpt: the pretrained GPT (fine-tuned in place). num_classes: C. task: ``"classification"``
            (also entailment) or ``"similarity"``.

    Attributes:
        head: Linear(D, C), weight N(0, 0.02²), bias 0.
    """

    def __init__(self, gpt: GPT, num_classes: int, task: str = "classification"):
        super().__init__()
        if task not in ("classification", "similarity"):
            raise ValueError(f"GPT1Classifier: task must be 'classification' or 'similarity', got {task!r}")
        self.gpt, self.task = gpt, task
        self.head = nn.Linear(gpt.tok_embed.weight.shape[1], num_classes)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def _extract(self, ids: np.ndarray, where: np.ndarray) -> Tensor:
        _, hidden = logits_and_hidden(self.gpt, ids)
        return hidden[np.arange(len(where)), where]

    def forward(self, ids, where, ids2=None, where2=None) -> Tensor:
        h = self._extract(np.asarray(ids), np.asarray(where))
        if self.task == "similarity":
            if ids2 is None:
                raise ValueError("GPT1Classifier: similarity needs both orderings (ids2, where2)")
            h = h + self._extract(np.asarray(ids2), np.asarray(where2))
        return self.head(h)


def gpt1_step(lm_weight: float = 0.5):
    """A step function for batches ``(ids, where, y)`` or ``(ids, where, ids2, where2, y)``: L₂ + λ L₁."""

    def step(trainer: Trainer, batch) -> dict:
        arrays = [b.array if isinstance(b, Tensor) else np.asarray(b) for b in batch]
        *inputs, y = arrays
        model = trainer.model
        logits = model(*inputs)
        task_loss = F.cross_entropy(logits, as_tensor(y))
        loss = task_loss
        if lm_weight and trainer.training:
            ids, where = inputs[0], inputs[1]
            mask = np.arange(ids.shape[1])[None, :] <= where[:, None]
            loss = task_loss + lm_weight * masked_lm_loss(model.gpt, ids, mask)
        return {"loss": loss, "task_loss": float(task_loss.array),
                "accuracy": float(np.mean(logits.array.argmax(1) == y))}

    return step
