"""Text: tokenizers, ``Vocab``, padding and language-model batching, a corpus that ships with Python,
language-model helpers (perplexity, sampling, ``generate``) and the Bengio-style n-gram data.
"""

from nnlab.text.tokenizers import CharTokenizer, WordTokenizer, char_tokenize, word_tokenize
from nnlab.data.vocab import BOS, DEFAULT_SPECIALS, EOS, PAD, UNK, Vocab
from nnlab.text.batching import LMBatcher, batchify, get_batch, pad_sequences
from nnlab.text.corpus import STDLIB_DOC_MODULES, python_docstrings_corpus, split_text
from nnlab.text.lm import bits_per_token, generate, perplexity, sample_next, sampling_probs
from nnlab.text.bengio import cosine_similarity_matrix, most_similar, ngram_windows
from nnlab.text.ngram import NGramLM

__all__ = [
    "CharTokenizer",
    "WordTokenizer",
    "char_tokenize",
    "word_tokenize",
    "Vocab",
    "PAD",
    "UNK",
    "BOS",
    "EOS",
    "DEFAULT_SPECIALS",
    "pad_sequences",
    "batchify",
    "get_batch",
    "LMBatcher",
    "STDLIB_DOC_MODULES",
    "python_docstrings_corpus",
    "split_text",
    "perplexity",
    "bits_per_token",
    "sampling_probs",
    "sample_next",
    "generate",
    "ngram_windows",
    "cosine_similarity_matrix",
    "most_similar",
    "NGramLM",
]

# ---- word embeddings and sentiment (text/word2vec.py, glove.py, keyed_vectors.py, analogy_corpus.py, sentiment.py) ----
from nnlab.text.keyed_vectors import KeyedVectors  # noqa: E402
from nnlab.text.word2vec import Word2Vec  # noqa: E402
from nnlab.text.glove import GloVe, cooccurrence  # noqa: E402
from nnlab.text.analogy_corpus import AnalogyCorpus, analogy_questions, make_analogy_corpus  # noqa: E402
from nnlab.text.sentiment import (  # noqa: E402
    AveragedEmbeddingClassifier,
    SentimentCorpus,
    build_average_classifier,
    build_lstm_classifier,
    make_sentiment_corpus,
)
__all__ += ["KeyedVectors", "Word2Vec", "GloVe", "cooccurrence", "AnalogyCorpus", "analogy_questions",
            "make_analogy_corpus", "AveragedEmbeddingClassifier", "SentimentCorpus", "build_average_classifier",
            "build_lstm_classifier", "make_sentiment_corpus"]

# ---- decoding: greedy, sampling, beam search, error analysis (text/decoding.py, text/beam_analysis.py) ----
from nnlab.text.decoding import (BeamSearchResult, Hypothesis, TableModel, beam_search,  # noqa: E402
                                 exhaustive_search, greedy_search, prefix_step, sample, score_sequence)
from nnlab.text.beam_analysis import BeamErrorAnalysis, ErrorAnalysisRow, beam_error_analysis  # noqa: E402
__all__ += ["Hypothesis", "BeamSearchResult", "TableModel", "prefix_step", "greedy_search", "sample",
            "beam_search", "exhaustive_search", "score_sequence", "BeamErrorAnalysis", "ErrorAnalysisRow",
            "beam_error_analysis"]
