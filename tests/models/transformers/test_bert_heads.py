"""BERT's fine-tuning heads trained end to end on ToyWorld tasks, scored on held-out examples against chance."""

import nnlab
from nnlab.data.datasets.bert_world import ToyWorld
from nnlab.models.transformers.bert import BertModel
from nnlab.models.transformers.bert_tasks import BertForQuestionAnswering, BertForSequenceClassification
from nnlab.text.bert_training import evaluate, finetune

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
