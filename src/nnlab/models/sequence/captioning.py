"""Image captioning with visual attention (Xu et al., 2015, "Show, attend and tell") and visual question
answering, both reading a small CNN's feature map.

The CNN turns an image into an h × w grid of feature vectors (one per region). The caption
decoder is an LSTM that, before each word, attends over the regions with its state (additive
attention, :class:`~nnlab.models.sequence.seq2seq_attention.Attention`) and reads the
weighted context with the previous word. The VQA model encodes the question with an LSTM,
attends over the regions with the question vector, and classifies [question; context] into
an answer.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.models.sequence.seq2seq_attention import Attention
from nnlab.ops.creation import from_numpy
from nnlab.ops.movement import cat, stack

__all__ = ["GridEncoder", "CaptionModel", "VQAModel"]


class GridEncoder(nn.Module):
    """regions = flatten(relu(conv(pool(relu(conv(x)))))): (N, 3, H, W) → (N, H/4 · W/4, C) region features.

    Attributes:
        conv1: Conv2d(3, C/2, 3, padding 1); conv2: Conv2d(C/2, C, 3, padding 1), each followed by a 2×2 max pool.
    """

    def __init__(self, channels: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, channels // 2, 3, padding=1)
        self.conv2 = nn.Conv2d(channels // 2, channels, 3, padding=1)
        self.channels = channels

    def forward(self, x: Tensor) -> Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (N, C, h, w)
        return h.flatten(2).transpose(1, 2)  # (N, h·w, C)


class CaptionModel(nn.Module):
    """p(y_t | y_<t, image) = softmax(W_o [s_t; c_t]), s_t = LSTMCell([E y_{t−1}; c_{t−1}], s_{t−1}),
    c_t = Σ_r α_{t,r} a_r with α_t = softmax_r(v · tanh(W_s s_t + W_a a_r)).

    Args:
        vocab_size: V (index 0 padding, ``bos`` and ``eos`` given). bos, eos: token ids.
        emb: word embedding size (default 16). hidden: LSTM size (default 64). channels: CNN width (default 32).

    Shape:
        images (N, 3, H, W); captions (N, T) ids starting with ``bos`` and ending with ``eos`` (0-padded);
        :meth:`forward` returns logits (N, T − 1, V) for the next tokens.

    Attributes:
        encoder: GridEncoder; init_h, init_c: Linear(C, hidden) of the mean region; embed: Embedding(V, emb);
        cell: LSTMCell(emb + C, hidden); attention: additive Attention(hidden, C); out: Linear(hidden + C, V).
    """

    def __init__(self, vocab_size: int, bos: int, eos: int, emb: int = 16, hidden: int = 64, channels: int = 32):
        super().__init__()
        self.bos, self.eos, self.vocab_size = int(bos), int(eos), int(vocab_size)
        self.encoder = GridEncoder(channels)
        self.init_h = nn.Linear(channels, hidden)
        self.init_c = nn.Linear(channels, hidden)
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.cell = nn.LSTMCell(emb + channels, hidden)
        self.attention = Attention(hidden, channels)
        self.out = nn.Linear(hidden + channels, vocab_size)

    def _start(self, images) -> tuple:
        regions = self.encoder(images if isinstance(images, Tensor) else from_numpy(np.asarray(images)))
        mean = regions.mean(dim=1)
        state = (self.init_h(mean).tanh(), self.init_c(mean).tanh())
        return regions, self.attention.prepare(regions), state, mean

    def _step(self, token: Tensor, regions, projected, state, context):
        h, c = self.cell(cat([self.embed(token), context], 1), state)
        context, weights = self.attention(h, regions, projected)
        return self.out(cat([h, context], 1)), (h, c), context, weights

    def forward(self, images, captions) -> Tensor:
        ids = np.asarray(captions.array if isinstance(captions, Tensor) else captions, dtype=np.int64)
        regions, projected, state, context = self._start(images)
        logits = []
        for t in range(ids.shape[1] - 1):
            step, state, context, _ = self._step(from_numpy(ids[:, t]), regions, projected, state, context)
            logits.append(step)
        return stack(logits, 1)

    def loss(self, images, captions) -> Tensor:
        """Mean next-token cross-entropy over the non-padding targets (teacher forcing)."""
        ids = np.asarray(captions.array if isinstance(captions, Tensor) else captions, dtype=np.int64)
        logits = self(images, ids)
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), from_numpy(ids[:, 1:].reshape(-1)), ignore_index=0)

    def generate(self, images, max_len: int = 8) -> tuple[list[list[int]], np.ndarray]:
        """Greedy captions (token ids, ``eos`` excluded) and the attention maps (N, steps, regions)."""
        was = self.training
        self.eval()
        with no_grad():
            regions, projected, state, context = self._start(images)
            n = regions.shape[0]
            token = from_numpy(np.full(n, self.bos, dtype=np.int64))
            out, maps, done = [[] for _ in range(n)], [], np.zeros(n, dtype=bool)
            for _ in range(max_len):
                logits, state, context, weights = self._step(token, regions, projected, state, context)
                nxt = logits.array.argmax(1)
                maps.append(weights.array)
                for i in np.flatnonzero(~done):
                    if nxt[i] == self.eos:
                        done[i] = True
                    else:
                        out[i].append(int(nxt[i]))
                if done.all():
                    break
                token = from_numpy(nxt.astype(np.int64))
        self.train(was)
        return out, np.stack(maps, 1)


class VQAModel(nn.Module):
    """logits = MLP([q; Σ_r α_r a_r]), q = LSTM(E question)_last, α = softmax_r(v · tanh(W_q q + W_a a_r)).

    Args:
        vocab_size: question words V (0 padding). answers: number of answers K.
        emb: default 16. hidden: question LSTM size (default 64). channels: CNN width (default 32).

    Shape:
        images (N, 3, H, W); questions (N, L) ids (0-padded at the end); output (N, K).
    """

    def __init__(self, vocab_size: int, answers: int, emb: int = 16, hidden: int = 64, channels: int = 32):
        super().__init__()
        self.encoder = GridEncoder(channels)
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.question = nn.LSTM(emb, hidden, batch_first=True)
        self.attention = Attention(hidden, channels)
        self.classifier = nn.Sequential(nn.Linear(hidden + channels, hidden), nn.ReLU(), nn.Linear(hidden, answers))

    def forward(self, images, questions) -> Tensor:
        ids = np.asarray(questions.array if isinstance(questions, Tensor) else questions, dtype=np.int64)
        lengths = (ids != 0).sum(1)
        out, _ = self.question(self.embed(from_numpy(ids)))
        q = out[np.arange(len(ids)), lengths - 1]  # the state after the last real word
        regions = self.encoder(images if isinstance(images, Tensor) else from_numpy(np.asarray(images)))
        context, _ = self.attention(q, regions)
        return self.classifier(cat([q, context], 1))
