"""Training and scoring the captioning and VQA models on the synthetic shape scenes.

Captions are scored with corpus BLEU-4 (:func:`~nnlab.text.bleu.corpus_bleu`) against the one
reference of each test image; VQA with answer accuracy. Both train through the ``Trainer``
with a step function (teacher forcing for the captions).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab import optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.backend.random import manual_seed
from nnlab.data.datasets.shape_scenes import ShapeScenes
from nnlab.data.vocab import Vocab
from nnlab.models.sequence.captioning import CaptionModel, VQAModel
from nnlab.ops.creation import from_numpy
from nnlab.nn.padding import pad_sequences
from nnlab.text.bleu import corpus_bleu
from nnlab.train.trainer import Trainer

__all__ = ["caption_vocab", "train_captioner", "caption_bleu", "train_vqa", "vqa_accuracy"]


def caption_vocab(scenes: ShapeScenes) -> Vocab:
    """Words of the captions and questions plus ``<pad>`` (0), ``<unk>``, ``<bos>``, ``<eos>``."""
    words = [c for c in scenes.captions] + [q for _, q, _ in scenes.questions]
    return Vocab.build(words, specials=("<pad>", "<unk>", "<bos>", "<eos>"), unk_token="<unk>")


def _caption_batches(scenes: ShapeScenes, vocab: Vocab, batch_size: int, rng: np.random.Generator) -> list:
    order = rng.permutation(len(scenes.captions))
    ids = [[vocab["<bos>"]] + vocab.encode(c) + [vocab["<eos>"]] for c in scenes.captions]
    return [(scenes.images[b], pad_sequences([ids[i] for i in b])[0].array)
            for b in np.array_split(order, max(1, len(order) // batch_size))]


def train_captioner(scenes: ShapeScenes, vocab: Vocab, epochs: int = 10, batch_size: int = 32, lr: float = 5e-3,
                    seed: int = 0) -> CaptionModel:
    """Fit a :class:`CaptionModel` with teacher forcing; a fresh shuffle each epoch."""
    manual_seed(seed)
    model = CaptionModel(len(vocab), vocab["<bos>"], vocab["<eos>"])
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=lr), grad_clip=5.0, quiet=True,
                      step_fn=lambda tr, b: tr.model.loss(from_numpy(b[0]), b[1]))
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        trainer.fit(_caption_batches(scenes, vocab, batch_size, rng), epochs=1)
    return model


def caption_bleu(model: CaptionModel, scenes: ShapeScenes, vocab: Vocab) -> tuple[float, list[list[str]]]:
    """Corpus BLEU-4 of the greedy captions of ``scenes``' images, and the captions."""
    ids, _ = model.generate(from_numpy(scenes.images))
    hyps = [vocab.decode(x) for x in ids]
    return corpus_bleu(scenes.captions, hyps), hyps


def _vqa_arrays(scenes: ShapeScenes, vocab: Vocab, answers: Sequence[str]) -> tuple:
    idx = np.array([i for i, _, _ in scenes.questions])
    q = pad_sequences([vocab.encode(words) for _, words, _ in scenes.questions])[0].array
    a = np.array([answers.index(ans) for _, _, ans in scenes.questions], dtype=np.int64)
    return scenes.images[idx], np.asarray(q, dtype=np.int64), a


def train_vqa(scenes: ShapeScenes, vocab: Vocab, answers: Sequence[str], epochs: int = 10, batch_size: int = 32,
              lr: float = 5e-3, seed: int = 0) -> VQAModel:
    """Fit a :class:`VQAModel` on every (image, question, answer) of ``scenes``."""
    manual_seed(seed)
    images, q, a = _vqa_arrays(scenes, vocab, answers)
    model = VQAModel(len(vocab), len(answers))
    rng = np.random.default_rng(seed)
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=lr), quiet=True,
                      step_fn=lambda tr, b: F.cross_entropy(tr.model(from_numpy(b[0]), b[1]), from_numpy(b[2])))
    for _ in range(epochs):
        order = rng.permutation(len(a))
        trainer.fit([(images[b], q[b], a[b]) for b in np.array_split(order, max(1, len(a) // batch_size))], epochs=1)
    return model


def vqa_accuracy(model: VQAModel, scenes: ShapeScenes, vocab: Vocab, answers: Sequence[str]) -> float:
    """Answer accuracy on every question of ``scenes``."""
    images, q, a = _vqa_arrays(scenes, vocab, answers)
    model.eval()
    with no_grad():
        pred = model(from_numpy(images), q).array.argmax(1)
    model.train()
    return float((pred == a).mean())
