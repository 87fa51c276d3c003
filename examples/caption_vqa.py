"""Image captioning with attention and visual question answering on synthetic shape scenes.

Run: python examples/caption_vqa.py [--epochs 25]

Scenes of one or two coloured shapes (``nnlab.data.datasets.shape_scenes``); captions like
"red circle and blue square" scored with corpus BLEU-4 against the constant most-frequent
two-object caption; questions "what colour is the circle ?" / "what shape is red ?" scored
with answer accuracy (a model that knows only the question type scores 1/3).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from nnlab.data.datasets.shape_scenes import COLOURS, make_shape_scenes
from nnlab.data.datasets.shapes import SHAPE_CLASSES
from nnlab.text.bleu import corpus_bleu
from nnlab.text.captioning import caption_bleu, caption_vocab, train_captioner, train_vqa, vqa_accuracy


def main(epochs: int = 25, n_train: int = 600) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    train, test = make_shape_scenes(n_train, seed=0), make_shape_scenes(200, seed=1)
    vocab = caption_vocab(train)
    constant = Counter(tuple(c) for c in train.captions if len(c) == 5).most_common(1)[0][0]
    baseline = corpus_bleu(test.captions, [list(constant)] * len(test.captions))
    model = train_captioner(train, vocab, epochs=epochs)
    bleu, hyps = caption_bleu(model, test, vocab)
    print(f"caption BLEU-4 {bleu:.3f} (constant caption {baseline:.3f})")
    for ref, hyp in list(zip(test.captions, hyps))[:5]:
        print(f"  reference: {' '.join(ref):40s} model: {' '.join(hyp)}")
    answers = COLOURS + SHAPE_CLASSES
    vqa = train_vqa(train, vocab, answers, epochs=epochs)
    acc = vqa_accuracy(vqa, test, vocab, answers)
    print(f"VQA accuracy {acc:.3f} (question type alone: 0.333)")
    print(f"({time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU; shared machine)")
    return {"bleu": bleu, "baseline_bleu": baseline, "vqa": acc}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=25)
    main(p.parse_args().epochs)
