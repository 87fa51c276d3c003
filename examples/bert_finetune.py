"""BERT on a toy language: MLM + NSP pretraining, then the four fine-tunings, pretrained vs scratch.

Run: python examples/bert_finetune.py [--pretrain-steps 3000] [--labelled 64] [--lr 1e-3]

1. Pretrain ``BertForPreTraining`` on topic-coherent toy documents (``ToyWorld``): masked
   language modelling (15% of tokens: 80% [MASK], 10% random, 10% kept) plus next-sentence
   prediction, reporting held-out MLM and NSP accuracy.
2. Fine-tune a copy of the pretrained encoder and a freshly initialized one, with the same
   few labelled examples, on each of BERT's four task shapes:
   topic (sentence → class), tagging (token → class), same-topic (pair → class) and span
   (query + document → answer start/end). Labelled sets use one half of each topic's
   words, test sets the other half, so the test measures what pretraining transferred.
"""

from __future__ import annotations

import argparse
import copy
import time

import nnlab
from nnlab.models.transformers.bert import BertForPreTraining, BertModel
from nnlab.data.datasets.bert_world import MASK, TAGS, ToyWorld
from nnlab.models.transformers.bert_tasks import BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification
from nnlab.text.bert_training import evaluate, finetune, pretrain, pretraining_accuracy


def main(pretrain_steps: int = 3000, d_model: int = 64, layers: int = 2, nhead: int = 4, labelled: int = 64,
         finetune_epochs: int = 30, test_size: int = 300, lr: float = 1e-3, dropout: float = 0.0, seed: int = 0,
         tasks: tuple[str, ...] = ("topic", "tagging", "pair", "span"), quiet: bool = False) -> dict:
    nnlab.manual_seed(seed)
    world = ToyWorld()
    config = dict(vocab_size=len(world), d_model=d_model, nhead=nhead, layers=layers, max_len=32, dropout=dropout)
    model = BertForPreTraining(**config)
    start = time.perf_counter()
    history = pretrain(model, world.pretraining_pairs(pretrain_steps * 32, n_docs=2000, seed=seed), MASK,
                       world.special_ids, steps=pretrain_steps, lr=lr, seed=seed)
    held_out = pretraining_accuracy(model, world.pretraining_pairs(1000, n_docs=200, seed=seed + 100), MASK,
                                    world.special_ids)
    result = {"pretrain_seconds": time.perf_counter() - start, "final_mlm_loss": history["mlm"][-1],
              "final_nsp_loss": history["nsp"][-1], **held_out}
    if not quiet:
        print(f"pretraining: {pretrain_steps} steps in {result['pretrain_seconds']:.0f} s; held-out MLM accuracy "
              f"{held_out['mlm_accuracy']:.3f}, NSP accuracy {held_out['nsp_accuracy']:.3f}")
    heads = {"topic": (lambda b: BertForSequenceClassification(b, len(world.topics)), world.topic_task),
             "tagging": (lambda b: BertForTokenClassification(b, len(TAGS)), world.tagging_task),
             "pair": (lambda b: BertForSequenceClassification(b, 2), world.pair_task),
             "span": (BertForQuestionAnswering, world.span_task)}
    for name in tasks:
        make_head, make_data = heads[name]
        train = make_data(labelled, half=0, seed=seed + 1)
        test = make_data(test_size, half=1, seed=seed + 2)
        scores = {}
        for init in ("pretrained", "scratch"):
            nnlab.manual_seed(seed + 1)
            bert = copy.deepcopy(model.bert) if init == "pretrained" else BertModel(**config)
            head = make_head(bert)
            finetune(head, train, epochs=finetune_epochs, batch_size=16, lr=1e-3, seed=seed)
            scores[init] = evaluate(head, test)
        result[name] = scores
        if not quiet:
            print(f"{name:8s} ({labelled} labelled): pretrained {scores['pretrained']:.3f}   "
                  f"from scratch {scores['scratch']:.3f}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--labelled", type=int, default=64)
    args = parser.parse_args()
    main(pretrain_steps=args.pretrain_steps, labelled=args.labelled, lr=args.lr)
