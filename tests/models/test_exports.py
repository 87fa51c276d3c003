"""``nnlab.models`` exports every model of every family (the names it exported before the families got folders)."""

import importlib

import nnlab.models

BEFORE_THE_FAMILIES = [
    "Perceptron", "PerceptronFit", "LogisticRegression", "MLP", "ACTIVATIONS", "LeNet5", "AlexNet", "ZFNet", "alexnet",
    "zfnet", "VGG", "vgg11", "vgg13", "vgg16", "vgg19", "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34",
    "resnet50", "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet", "ConvCost",
    "DepthwiseSeparableConv", "MobileNetV1", "depthwise_separable_cost", "mobilenet_v1", "keras_cnn",
    "RNNLanguageModel", "char_lstm", "BengioNLM", "SequenceClassifier", "SequenceTagger", "SequenceGenerator",
    "RNNEncoderDecoder", "RNNForecaster", "make_rnn", "Seq2SeqTransformer", "shift_right", "exact_match",
    "exact_match_rows", "GPT", "BertEmbeddings", "BertModel", "BertForPreTraining", "mask_tokens",
    "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering", "ToyWorld",
    "PatchEmbedding", "ViT", "ELMo", "ScalarMix", "attention_maps", "capture_attention", "plot_attention",
    "Attention", "AttentionSeq2Seq",
]


def test_every_earlier_name_is_still_exported():
    missing = [n for n in BEFORE_THE_FAMILIES if n not in nnlab.models.__all__ or not hasattr(nnlab.models, n)]
    assert missing == []
    assert len(nnlab.models.__all__) == len(set(nnlab.models.__all__))


def test_each_family_exports_what_it_defines_and_the_top_level_re_exports_it():
    for family in ("basic", "vision", "sequence", "transformers"):
        pkg = importlib.import_module(f"nnlab.models.{family}")
        for name in pkg.__all__:
            assert getattr(nnlab.models, name) is getattr(pkg, name), (family, name)
            assert name in nnlab.models.__all__, (family, name)
