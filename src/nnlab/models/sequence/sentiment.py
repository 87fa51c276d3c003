"""The seeds' two sentiment classifiers: averaged word vectors → softmax, and word vectors → LSTM → softmax.

The corpus they are trained on (negation and contrast that a bag of words cannot solve)
is :func:`nnlab.text.sentiment.make_sentiment_corpus`.
"""

from __future__ import annotations

import numpy as np

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models.sequence.rnn_models import SequenceClassifier
from nnlab.ops.creation import from_numpy

__all__ = ["AveragedEmbeddingClassifier", "build_average_classifier", "build_lstm_classifier"]


class AveragedEmbeddingClassifier(nn.Module):
    """ŷ = W · (1/L_n Σ_{t < L_n} E[x_t]) + b: the mean of the word vectors of each text, then a linear softmax layer.

    Args:
        vocab_size: V.
        embedding_dim: D.
        num_classes: C. Default: 2.
        padding_idx: the padding token, never averaged. Default: 0.

    Shape:
        input: (N, L) token indices and lengths (N,) (default: count the non-padding tokens); output: (N, C) logits.

    Attributes:
        embedding.weight: (V, D), N(0, 1) (or pretrained, see :func:`build_average_classifier`).
        head.weight: (C, D), head.bias: (C,), PyTorch's Linear init.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, num_classes: int = 2, padding_idx: int | None = 0) -> None:
        super().__init__()
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.head = nn.Linear(embedding_dim, num_classes)

    def forward(self, x: Tensor, lengths=None) -> Tensor:
        ids = x.array if isinstance(x, Tensor) else np.asarray(x)
        if lengths is None:
            mask = ids != self.padding_idx if self.padding_idx is not None else np.ones(ids.shape, dtype=bool)
        else:
            lens = lengths.array if isinstance(lengths, Tensor) else np.asarray(lengths)
            mask = np.arange(ids.shape[1])[None, :] < lens[:, None]
        emb = self.embedding(x)
        m = mask.astype(emb.dtype)
        weights = from_numpy((m / np.maximum(m.sum(axis=1, keepdims=True), 1))[:, :, None])
        return self.head((emb * weights).sum(dim=1))


def _load_pretrained(embedding: nn.Embedding, pretrained, freeze: bool) -> nn.Embedding:
    vectors = np.asarray(getattr(pretrained, "vectors", getattr(pretrained, "data", pretrained)))
    if vectors.shape != (embedding.num_embeddings, embedding.embedding_dim):
        raise ValueError(f"pretrained vectors have shape {vectors.shape}, the model's embedding is "
                         f"({embedding.num_embeddings}, {embedding.embedding_dim})")
    return nn.Embedding.from_pretrained(vectors.astype(embedding.weight.dtype, copy=True), freeze=freeze,
                                        padding_idx=embedding.padding_idx)


def build_average_classifier(vocab_size: int, embedding_dim: int, num_classes: int = 2, padding_idx: int | None = 0,
                             pretrained=None, freeze: bool = False) -> AveragedEmbeddingClassifier:
    """The seeds' first sentiment model: averaged embeddings → softmax.

    Args:
        pretrained: an optional (V, D) matrix (array, Tensor or :class:`KeyedVectors` whose rows
            follow the model's vocabulary) loaded with ``Embedding.from_pretrained``. Default: None.
        freeze: keep the pretrained vectors fixed (True) or fine-tune them (False). Default: False.
    """
    model = AveragedEmbeddingClassifier(vocab_size, embedding_dim, num_classes, padding_idx)
    if pretrained is not None:
        model.embedding = _load_pretrained(model.embedding, pretrained, freeze)
    return model


def build_lstm_classifier(vocab_size: int, embedding_dim: int, hidden_size: int, num_classes: int = 2,
                          bidirectional: bool = False, pretrained=None, freeze: bool = False) -> SequenceClassifier:
    """The seeds' second sentiment model: embeddings → LSTM → softmax on the final state (both final
    states concatenated when ``bidirectional``), as a :class:`SequenceClassifier`; ``pretrained`` and
    ``freeze`` as in :func:`build_average_classifier`. Call it as ``model(x, lengths)``.
    """
    model = SequenceClassifier(embedding_dim, hidden_size, num_classes, rnn_type="lstm",
                               bidirectional=bidirectional, vocab_size=vocab_size)
    if pretrained is not None:
        model.embedding = _load_pretrained(model.embedding, pretrained, freeze)
    return model
