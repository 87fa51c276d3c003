"""A synthetic language of topics and inflected word forms, for embedding demonstrations.

Words are invented stems (two consonant–vowel syllables, "baku", "tomi") inflected with
suffixes ("", "s", "ed", "ing"); every stem belongs to one topic. A sentence keeps one topic
and draws its content words from that topic's stems (function words in between), so word
vectors learned from the text group words by topic, and the forms of one stem share
characters. Some forms can be held out of the text entirely (unseen word forms), and the same
sentences can be spelled in a second "language" whose words are unrelated strings for the
same concepts (cross-lingual alignment).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["TopicLanguage", "make_topic_language", "make_two_languages"]

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
FUNCTION_WORDS = ("the", "a", "and", "of", "to", "is")


class TopicLanguage(NamedTuple):
    """The generated text and its ground truth.

    Attributes:
        sentences: token lists.
        topic_of: word form → topic id (every form, held-out ones included).
        stem_of: word form → its stem.
        held_out: forms that never occur in ``sentences``.
        concepts: sentences as (stem id, suffix id) pairs per content word, None for a function word
            (to re-spell the same text in another language).
        stems: the stems, index = stem id; suffixes: the suffixes.
    """

    sentences: list[list[str]]
    topic_of: dict[str, int]
    stem_of: dict[str, str]
    held_out: list[str]
    concepts: list[list]
    stems: list[str]
    suffixes: tuple[str, ...]


def _stems(n: int, rng: np.random.Generator, syllables: int = 2) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        s = "".join(rng.choice(list(_CONSONANTS)) + rng.choice(list(_VOWELS)) for _ in range(syllables))
        if s not in seen and s not in FUNCTION_WORDS:
            seen.add(s)
            out.append(s)
    return out


def make_topic_language(n_topics: int = 6, stems_per_topic: int = 8, n_sentences: int = 4000,
                        sentence_length: int = 8, suffixes: tuple[str, ...] = ("", "s", "ed", "ing"),
                        hold_out: bool = False, content_prob: float = 0.8, seed: int = 0) -> TopicLanguage:
    """Generate the corpus.

    Args:
        n_topics: topics. stems_per_topic: stems per topic. n_sentences: sentences.
        sentence_length: tokens per sentence. suffixes: the inflections.
        hold_out: keep one form of every stem out of the text (stem i loses suffix i mod |suffixes|).
        content_prob: probability that a token is a content word (else a function word).
        seed: the generator's seed.
    """
    rng = np.random.default_rng(seed)
    stems = _stems(n_topics * stems_per_topic, rng)
    topic_of, stem_of = {}, {}
    for i, s in enumerate(stems):
        for suf in suffixes:
            topic_of[s + suf] = i // stems_per_topic
            stem_of[s + suf] = s
    banned = {i: i % len(suffixes) for i in range(len(stems))} if hold_out else {}
    held = [stems[i] + suffixes[k] for i, k in banned.items()]
    sentences, concepts = [], []
    for _ in range(n_sentences):
        topic = int(rng.integers(n_topics))
        words, cons = [], []
        for _ in range(sentence_length):
            if rng.random() < content_prob:
                sid = topic * stems_per_topic + int(rng.integers(stems_per_topic))
                k = int(rng.integers(len(suffixes)))
                while banned.get(sid) == k:
                    k = int(rng.integers(len(suffixes)))
                words.append(stems[sid] + suffixes[k])
                cons.append((sid, k))
            else:
                words.append(FUNCTION_WORDS[int(rng.integers(len(FUNCTION_WORDS)))])
                cons.append(None)
        sentences.append(words)
        concepts.append(cons)
    return TopicLanguage(sentences, topic_of, stem_of, held, concepts, stems, tuple(suffixes))


def make_two_languages(n_concepts: int = 60, n_sentences: int = 3000, sentence_length: int = 8,
                       concentration: float = 0.05, seed: int = 0) -> tuple[list[list[str]], list[list[str]],
                                                                            list[tuple[str, str]]]:
    """Two "languages" that talk about the same concepts with unrelated words, in separate (not parallel) texts.

    One generative model: sentences are random walks over ``n_concepts`` concepts with a fixed
    sparse transition matrix (each row drawn from Dirichlet(``concentration``), so every concept
    has its own few likely successors). Each language spells the concepts with its own invented
    words and samples its own text, so the two texts share co-occurrence statistics (up to
    sampling noise) but no words and no sentences, which is what cross-lingual alignment exploits.

    Returns:
        (sentences of language A, sentences of language B, the full dictionary [(a_word, b_word), ...]).
    """
    rng = np.random.default_rng(seed)
    trans = rng.dirichlet(np.full(n_concepts, concentration), size=n_concepts)
    cdf = np.cumsum(trans, axis=1)
    cdf[:, -1] = 1.0
    spell = {lang: _stems(n_concepts, np.random.default_rng(seed + 101 + k)) for k, lang in enumerate("ab")}

    def text(stream: np.random.Generator, lang: str) -> list[list[str]]:
        out = []
        for _ in range(n_sentences):
            cur = int(stream.integers(n_concepts))
            words = [spell[lang][cur]]
            for _ in range(sentence_length - 1):
                cur = int(np.searchsorted(cdf[cur], stream.random(), side="right"))
                words.append(spell[lang][cur])
            out.append(words)
        return out

    a = text(np.random.default_rng(seed + 1), "a")
    b = text(np.random.default_rng(seed + 2), "b")
    return a, b, list(zip(spell["a"], spell["b"]))
