"""The model zoo: from the perceptron and logistic regression to multilayer perceptrons."""

from nnlab.models.logistic import LogisticRegression
from nnlab.models.mlp import ACTIVATIONS, MLP
from nnlab.models.perceptron import Perceptron, PerceptronFit

__all__ = ["Perceptron", "PerceptronFit", "LogisticRegression", "MLP", "ACTIVATIONS"]

# ---- CNN zoo (lenet, alexnet, vgg, resnet, googlenet, mobilenet, keras_cnn) ----
from nnlab.models.lenet import LeNet5  # noqa: E402
from nnlab.models.alexnet import AlexNet, ZFNet, alexnet, zfnet  # noqa: E402
from nnlab.models.vgg import VGG, vgg11, vgg13, vgg16, vgg19  # noqa: E402
from nnlab.models.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50  # noqa: E402
from nnlab.models.googlenet import GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet  # noqa: E402
from nnlab.models.mobilenet import (  # noqa: E402
    ConvCost, DepthwiseSeparableConv, MobileNetV1, depthwise_separable_cost, mobilenet_v1,
)
from nnlab.models.keras_cnn import keras_cnn  # noqa: E402
__all__ += ["LeNet5", "AlexNet", "ZFNet", "alexnet", "zfnet", "VGG", "vgg11", "vgg13", "vgg16", "vgg19",
            "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50",
            "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet",
            "ConvCost", "DepthwiseSeparableConv", "MobileNetV1", "depthwise_separable_cost", "mobilenet_v1",
            "keras_cnn"]

# ---- recurrent models: RNN/LSTM language models, Bengio NLM, the RNN shapes, forecaster (models/rnn_models.py) ----
from nnlab.models.rnn_models import (  # noqa: E402
    BengioNLM, RNNEncoderDecoder, RNNForecaster, RNNLanguageModel, SequenceClassifier, SequenceGenerator,
    SequenceTagger, char_lstm, make_rnn,
)
__all__ += ["RNNLanguageModel", "char_lstm", "BengioNLM", "SequenceClassifier", "SequenceTagger",
            "SequenceGenerator", "RNNEncoderDecoder", "RNNForecaster", "make_rnn"]

# ---- transformer models: seq2seq Transformer, GPT, BERT (+ fine-tuning heads, toy data), ViT, ELMo, attention maps ----
from nnlab.models.transformer_models import Seq2SeqTransformer, exact_match, exact_match_rows, shift_right  # noqa: E402
from nnlab.models.gpt import GPT  # noqa: E402
from nnlab.models.bert import BertEmbeddings, BertForPreTraining, BertModel, mask_tokens  # noqa: E402
from nnlab.models.bert_tasks import (  # noqa: E402
    BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification,
)
from nnlab.models.bert_data import ToyWorld  # noqa: E402
from nnlab.models.vit import PatchEmbedding, ViT  # noqa: E402
from nnlab.models.elmo import ELMo, ScalarMix  # noqa: E402
from nnlab.models.attention_maps import attention_maps, capture_attention, plot_attention  # noqa: E402
__all__ += ["Seq2SeqTransformer", "shift_right", "exact_match", "exact_match_rows", "GPT", "BertEmbeddings", "BertModel",
            "BertForPreTraining", "mask_tokens", "BertForSequenceClassification", "BertForTokenClassification",
            "BertForQuestionAnswering", "ToyWorld", "PatchEmbedding", "ViT", "ELMo", "ScalarMix", "attention_maps",
            "capture_attention", "plot_attention"]

# ---- seq2seq with attention: BiLSTM encoder, LSTM decoder, additive/dot/general attention (models/seq2seq_attention.py) ----
from nnlab.models.seq2seq_attention import Attention, AttentionSeq2Seq  # noqa: E402
__all__ += ["Attention", "AttentionSeq2Seq"]

# ---- graph neural networks: GCN node classifier, graph classifier (models/graph/) ----
from nnlab.models.graph import GCN, GraphClassifier  # noqa: E402
__all__ += ["GCN", "GraphClassifier"]
