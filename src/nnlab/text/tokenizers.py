"""Tokenizers: text → list of tokens, characters or words (with punctuation split off).

A tokenizer is a callable ``tok(text) -> list[str]`` with a ``detokenize(tokens) -> str``
that undoes it as far as it can: exactly for characters, up to whitespace (and case,
when lowercasing) for words.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["CharTokenizer", "WordTokenizer", "char_tokenize", "word_tokenize"]

# A word is a run of letters/digits/underscores, optionally joined by inner apostrophes
# ("don't", "o'clock"); every other non-space character is a token of its own.
_WORD_WITH_PUNCT = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"%")
_NO_SPACE_AFTER = set("([{$")


class CharTokenizer:
    """tokens = list(text): one token per character, whitespace and newlines included.

    Args:
        lower: lowercase the text first. Default: False.
    """

    def __init__(self, lower: bool = False) -> None:
        self.lower = bool(lower)

    def __call__(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer: expected a str, got {type(text).__name__}")
        return list(text.lower() if self.lower else text)

    def detokenize(self, tokens: Iterable[str]) -> str:
        """The concatenation of the tokens (the exact inverse of ``__call__`` without lowering)."""
        return "".join(tokens)

    def __repr__(self) -> str:
        return f"CharTokenizer(lower={self.lower})"


class WordTokenizer:
    """tokens = words and punctuation marks: ``"Hello, world!"`` → ``["hello", ",", "world", "!"]``.

    Args:
        lower: lowercase the text first. Default: True.
        split_punctuation: make each punctuation character its own token; when False,
            split on whitespace only (``"world!"`` stays one token). Default: True.
    """

    def __init__(self, lower: bool = True, split_punctuation: bool = True) -> None:
        self.lower = bool(lower)
        self.split_punctuation = bool(split_punctuation)

    def __call__(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"WordTokenizer: expected a str, got {type(text).__name__}")
        if self.lower:
            text = text.lower()
        if self.split_punctuation:
            return _WORD_WITH_PUNCT.findall(text)
        return text.split()

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Join with single spaces, without a space before closing or after opening punctuation."""
        out: list[str] = []
        for tok in tokens:
            if out and not (tok in _NO_SPACE_BEFORE or out[-1] in _NO_SPACE_AFTER):
                out.append(" ")
            out.append(tok)
        return "".join(out)

    def __repr__(self) -> str:
        return f"WordTokenizer(lower={self.lower}, split_punctuation={self.split_punctuation})"


def char_tokenize(text: str, lower: bool = False) -> list[str]:
    """``CharTokenizer(lower)(text)``: the list of characters of ``text``."""
    return CharTokenizer(lower)(text)


def word_tokenize(text: str, lower: bool = True, split_punctuation: bool = True) -> list[str]:
    """``WordTokenizer(lower, split_punctuation)(text)``: words and punctuation marks of ``text``."""
    return WordTokenizer(lower, split_punctuation)(text)
