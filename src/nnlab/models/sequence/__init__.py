"""Recurrent models: RNN/LSTM language models, Bengio's NLM, the RNN shapes, the forecaster, seq2seq with
attention, ELMo, the sentiment classifiers and the trigger-word detector."""

from nnlab.models.sequence.rnn_models import (
    BengioNLM, RNNEncoderDecoder, RNNForecaster, RNNLanguageModel, SequenceClassifier, SequenceGenerator,
    SequenceTagger, char_lstm, make_rnn,
)
from nnlab.models.sequence.seq2seq_attention import Attention, AttentionSeq2Seq
from nnlab.models.sequence.elmo import ELMo, ScalarMix
from nnlab.models.sequence.sentiment import (
    AveragedEmbeddingClassifier, build_average_classifier, build_lstm_classifier,
)
from nnlab.models.sequence.trigger import TriggerWordDetector

__all__ = ["RNNLanguageModel", "char_lstm", "BengioNLM", "SequenceClassifier", "SequenceTagger",
           "SequenceGenerator", "RNNEncoderDecoder", "RNNForecaster", "make_rnn", "Attention", "AttentionSeq2Seq",
           "ELMo", "ScalarMix", "AveragedEmbeddingClassifier", "build_average_classifier", "build_lstm_classifier",
           "TriggerWordDetector"]
