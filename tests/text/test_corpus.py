"""The stdlib docstring corpus: real text, deterministic, truncatable; contiguous splits."""

import pytest

from nnlab.text import python_docstrings_corpus, split_text
from nnlab.text.corpus import _corpus


def test_corpus_is_real_deterministic_text():
    text = python_docstrings_corpus()
    assert len(text) > 200_000
    assert "Return" in text and "\n\n" in text
    # Identical when rebuilt from scratch (the cache cleared), member order included.
    _corpus.cache_clear()
    assert python_docstrings_corpus() == text
    assert python_docstrings_corpus(max_chars=1000) == text[:1000]
    assert len(set(text)) < 200  # mostly ASCII prose: a small character vocabulary


def test_corpus_of_one_module_starts_with_its_docstring():
    import json

    text = python_docstrings_corpus(modules=["json"])
    assert text.startswith(json.__doc__.strip().splitlines()[0])
    assert json.dumps.__doc__.strip().splitlines()[0] in text


def test_corpus_errors():
    with pytest.raises(ValueError, match="not importable"):
        python_docstrings_corpus(modules=["no_such_module_xyz"])
    with pytest.raises(ValueError, match="max_chars"):
        python_docstrings_corpus(max_chars=-1)


def test_split_text_is_contiguous():
    text = "".join(chr(97 + i % 26) for i in range(1000))
    train, valid, test = split_text(text, valid=0.1, test=0.2)
    assert (len(train), len(valid), len(test)) == (700, 100, 200)
    assert train + valid + test == text
