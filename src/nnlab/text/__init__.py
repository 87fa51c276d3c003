"""Text: tokenizers, ``Vocab``, padding and language-model batching, a corpus that ships with Python,
language-model helpers (perplexity, sampling, ``generate``) and the Bengio-style n-gram data.
"""

from nnlab.text.tokenizers import CharTokenizer, WordTokenizer, char_tokenize, word_tokenize
from nnlab.text.vocab import BOS, DEFAULT_SPECIALS, EOS, PAD, UNK, Vocab
from nnlab.text.batching import LMBatcher, batchify, get_batch, pad_sequences
from nnlab.text.corpus import STDLIB_DOC_MODULES, python_docstrings_corpus, split_text
from nnlab.text.lm import bits_per_token, generate, perplexity, sample_next, sampling_probs
from nnlab.text.bengio import cosine_similarity_matrix, most_similar, ngram_windows

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
]
