"""BERT's fine-tuning heads trained end to end on ToyWorld tasks, scored on held-out examples against chance."""

import numpy as np

import nnlab
from nnlab.data.datasets.bert_world import MASK, PAD, ToyWorld
from nnlab.models.transformers.bert import BertForPreTraining, BertModel
from nnlab.models.transformers.bert_tasks import BertForQuestionAnswering, BertForSequenceClassification
from nnlab.text.bert_training import evaluate, finetune, pretrain, pretraining_accuracy

CONFIG = dict(d_model=32, nhead=4, layers=1, max_len=40, dropout=0.0)


def test_sentence_head_learns_the_topic():
    world = ToyWorld()
    nnlab.manual_seed(0)
    head = BertForSequenceClassification(BertModel(len(world), **CONFIG), 4)
    finetune(head, world.topic_task(128, seed=1), epochs=10, batch_size=16, lr=2e-3)
    acc = evaluate(head, world.topic_task(200, seed=2))
    assert acc > 0.25 + 0.5, acc  # chance 1/4; measured 0.98


def test_span_head_finds_the_answer():
    world = ToyWorld()
    nnlab.manual_seed(0)
    head = BertForQuestionAnswering(BertModel(len(world), **CONFIG))
    test = world.span_task(200, seed=2)
    before = evaluate(head, test)
    finetune(head, world.span_task(320, seed=1), epochs=6, batch_size=16, lr=2e-3)
    exact = evaluate(head, test)
    length = test["input_ids"].shape[1]
    chance = 1 / (length * (length + 1) / 2)  # a uniform guess among spans start ≤ end
    assert chance < 0.01 and before < 0.05
    assert exact > 0.15, exact  # exact (start, end) match; measured 0.265


def _rewire(world: ToyWorld, data: dict) -> dict:
    """The same sentences re-paired: example i's A with example i+1's B (so no B restates its A)."""
    parts = []
    for ids, types in zip(data["input_ids"], data["token_type_ids"]):
        a = ids[(types == 0) & (ids != PAD)][1:-1]
        b = ids[types == 1][:-1]
        parts.append(([world.itos[i] for i in a], [world.itos[i] for i in b]))
    rows = [world.encode(parts[i][0], parts[(i + 1) % len(parts)][1]) for i in range(len(parts))]
    return world._pack(rows, labels=[0] * len(rows))


def test_sentence_pair_head_detects_paraphrases():
    # From scratch the same-topic pair task (pair_task) stays at chance in nnlab and in a PyTorch
    # twin alike (a relation of two word clusters: no first-order signal); paraphrase detection
    # is a relation too, but one of word identity, which a 1-layer BERT finds in one epoch.
    world = ToyWorld()
    nnlab.manual_seed(0)
    head = BertForSequenceClassification(BertModel(len(world), **CONFIG), 2)
    test = world.paraphrase_task(400, seed=2)
    finetune(head, world.paraphrase_task(2048, seed=1), epochs=6, batch_size=32, lr=3e-3)
    acc = evaluate(head, test)
    assert acc > 0.5 + 0.25, acc  # chance 1/2; measured 0.87 (0.855-0.873 over seeds 0-2)
    # It compares the two segments: the positives' sentences re-paired are called unrelated. A model
    # reading A or B alone would call them paraphrases as often as the true pairs (score ~0.15).
    positives = {k: v[test["labels"] == 1] for k, v in test.items()}
    rewired = evaluate(head, _rewire(world, positives))
    assert rewired > 0.6, rewired  # measured 0.775 (0.745-0.775 over seeds 0-2)


def test_nsp_head_learns_the_next_sentence():
    # MLM + NSP from scratch on documents that keep one template each (ToyWorld.documents(pattern=True)):
    # a true next sentence repeats the pattern, name and topic of A.
    world = ToyWorld()
    nnlab.manual_seed(0)
    model = BertForPreTraining(vocab_size=len(world), **CONFIG)
    history = pretrain(model, world.pretraining_pairs(4096, seed=1, pattern=True), MASK, world.special_ids,
                       steps=400, batch_size=32, lr=3e-3)
    assert np.mean(history["nsp"][-50:]) < 0.8 * np.mean(history["nsp"][:50])
    acc = pretraining_accuracy(model, world.pretraining_pairs(400, seed=50, pattern=True), MASK, world.special_ids)
    assert acc["nsp_accuracy"] > 0.5 + 0.25, acc  # chance 1/2; measured 0.83 (0.825-0.835 over seeds 0-2)
