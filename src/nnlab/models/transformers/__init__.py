"""Transformer models: the seq2seq Transformer, GPT, BERT (+ its fine-tuning heads), ViT, attention maps."""

from nnlab.models.transformers.transformer_models import Seq2SeqTransformer, exact_match, exact_match_rows, shift_right
from nnlab.models.transformers.gpt import GPT, GPT_CONFIGS
from nnlab.models.transformers.bert import BertEmbeddings, BertForPreTraining, BertModel
from nnlab.models.transformers.bert_tasks import (
    BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification,
)
from nnlab.models.transformers.vit import PatchEmbedding, ViT
from nnlab.models.transformers.attention_maps import attention_maps, capture_attention, plot_attention

__all__ = ["Seq2SeqTransformer", "shift_right", "exact_match", "exact_match_rows", "GPT", "GPT_CONFIGS", "BertEmbeddings",
           "BertModel", "BertForPreTraining", "BertForSequenceClassification", "BertForTokenClassification",
           "BertForQuestionAnswering", "PatchEmbedding", "ViT", "attention_maps", "capture_attention",
           "plot_attention"]
