"""A seeded synthetic corpus whose words have KNOWN relational structure, so that word vectors can be graded.

Every content word is a pair (identity, attribute): ``king`` = (royal ruler, male), ``queen`` =
(royal ruler, female), ``paris`` = (france, city), ``france`` = (france, nation), ``cats`` = (cat,
plural). Sentences put each word next to context words of its identity (``throne``,
``crown`` for the rulers; ``french`` for France and Paris; ``whiskers`` for cat and cats) and of its
attribute (``he``/``his`` for male words, ``she``/``her`` for female; ``mayor``, ``streets`` for
capitals; ``these``, ``many`` for plurals), mixed with distractor filler words. A model that learns
from co-occurrence therefore puts vec(word) ≈ vec(identity) + vec(attribute), which is exactly
what makes ``king − man + woman ≈ queen`` and ``paris − france + italy ≈ rome`` true.

The analogy questions ``a : b :: c : d`` (every ordered pair of pairs within a relation) are never
written in the corpus: they are held out, and their accuracy measures what the vectors learned.
"""

from __future__ import annotations

from itertools import permutations
from typing import NamedTuple

import numpy as np

__all__ = ["GENDER_PAIRS", "CAPITAL_PAIRS", "PLURAL_PAIRS", "AnalogyCorpus", "analogy_questions",
           "make_analogy_corpus"]

# (male, female) across roles; the role is the identity, the gender the attribute.
GENDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("king", "queen"), ("man", "woman"), ("prince", "princess"), ("boy", "girl"),
    ("father", "mother"), ("son", "daughter"), ("brother", "sister"), ("uncle", "aunt"),
    ("husband", "wife"), ("actor", "actress"), ("nephew", "niece"), ("lord", "lady"),
)
# (country, capital): the country is the identity, nation/city the attribute.
CAPITAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("france", "paris"), ("italy", "rome"), ("spain", "madrid"), ("germany", "berlin"),
    ("japan", "tokyo"), ("egypt", "cairo"), ("russia", "moscow"), ("greece", "athens"),
    ("poland", "warsaw"), ("canada", "ottawa"), ("peru", "lima"), ("kenya", "nairobi"),
)
# (singular, plural): the noun is the identity, the grammatical number the attribute.
PLURAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("cat", "cats"), ("dog", "dogs"), ("horse", "horses"), ("apple", "apples"), ("car", "cars"),
    ("house", "houses"), ("tree", "trees"), ("bird", "birds"), ("book", "books"), ("river", "rivers"),
    ("ship", "ships"), ("flower", "flowers"),
)

# Context words of each role (gender relation); index-aligned with GENDER_PAIRS.
_ROLE_WORDS = (
    ("throne", "crown", "reign"), ("crowd", "street", "ordinary"), ("heir", "castle", "young_royal"),
    ("school", "playground", "toy"), ("parent", "family", "raised"), ("child", "family_son", "born"),
    ("sibling", "shared", "grew"), ("visited", "relative", "holiday"), ("married", "spouse", "wedding"),
    ("stage", "film", "role"), ("visited_niece", "younger", "cousin"), ("manor", "noble", "estate"),
)
_COUNTRY_WORDS = ("french", "italian", "spanish", "german", "japanese", "egyptian", "russian", "greek",
                  "polish", "canadian", "peruvian", "kenyan")
_NOUN_WORDS = (("whiskers", "meow"), ("bark", "leash"), ("saddle", "gallop"), ("orchard", "juicy"),
               ("engine", "drive"), ("roof", "door"), ("leaves", "forest"), ("wings", "nest"),
               ("pages", "read"), ("water", "bank"), ("sail", "harbor"), ("petals", "garden"))
_ATTRIBUTE_WORDS = {
    "male": ("he", "his", "him"), "female": ("she", "her", "hers"),
    "nation": ("nation", "border", "president"), "city": ("city", "mayor", "streets"),
    "singular": ("this", "one", "single"), "plural": ("these", "many", "several"),
}
_FILLER = ("the", "a", "was", "and", "of", "in", "to", "with", "very", "then", "there", "at", "on", "by",
           "from", "it", "is", "that", "day", "time", "way", "yesterday", "often", "also")


class AnalogyCorpus(NamedTuple):
    """sentences: token lists; questions: held-out (a, b, c, d) with a : b :: c : d; relations: the relation name of each question."""

    sentences: list[list[str]]
    questions: list[tuple[str, str, str, str]]
    relations: list[str]


def analogy_questions(max_per_relation: int | None = None, seed: int = 0) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """All questions a : b :: c : d with (a, b), (c, d) two different pairs of one relation, both ways round.

    Args:
        max_per_relation: keep a seeded random subset of this many per relation. Default: None (all).
        seed: seed of that subset. Default: 0.

    Returns:
        ``(questions, relations)``: the 4-tuples and the relation name of each.
    """
    rng = np.random.default_rng(seed)
    questions: list[tuple[str, str, str, str]] = []
    relations: list[str] = []
    for name, pairs in (("gender", GENDER_PAIRS), ("capital", CAPITAL_PAIRS), ("plural", PLURAL_PAIRS)):
        qs = []
        for (a, b), (c, d) in permutations(pairs, 2):
            qs.append((a, b, c, d))
            qs.append((b, a, d, c))
        if max_per_relation is not None and max_per_relation < len(qs):
            keep = np.sort(rng.choice(len(qs), size=max_per_relation, replace=False))
            qs = [qs[i] for i in keep]
        questions += qs
        relations += [name] * len(qs)
    return questions, relations


def _entries() -> list[tuple[str, int, int, int]]:
    """(word, relation family, identity index, attribute index 0/1) for every content word."""
    out = []
    for fam, pairs in enumerate((GENDER_PAIRS, CAPITAL_PAIRS, PLURAL_PAIRS)):
        for k, pair in enumerate(pairs):
            out += [(pair[0], fam, k, 0), (pair[1], fam, k, 1)]
    return out


_IDENTITY_WORDS = (_ROLE_WORDS, tuple((a, a + "_people") for a in _COUNTRY_WORDS), _NOUN_WORDS)
_ATTRIBUTES = (("male", "female"), ("nation", "city"), ("singular", "plural"))


def make_analogy_corpus(num_sentences: int = 20000, seed: int = 0, filler_prob: float = 0.5, purity: float = 0.8,
                        max_questions_per_relation: int | None = None) -> AnalogyCorpus:
    """A corpus of sentences around the words of GENDER_PAIRS, CAPITAL_PAIRS and PLURAL_PAIRS.

    Each sentence picks a content word w uniformly and puts around it, in shuffled order, two
    identity words, two attribute words and (each with probability ``filler_prob``) up to four
    distractor fillers: word order carries no signal, only co-occurrence does. Each identity slot
    holds a word of w's own identity with probability ``purity`` (else of another identity of the
    same relation), each attribute slot one of w's own attribute with probability ``purity`` (else
    of the opposite one). Graded counts matter for GloVe, which only fits the nonzero
    co-occurrences: its signal is in ratios like X(king, he) / X(king, she), as in its paper.

    Args:
        num_sentences: how many sentences. Default: 20000.
        seed: the generator seed; same seed, same corpus. Default: 0.
        filler_prob: probability of each of four distractor filler slots being used. Default: 0.5.
        purity: probability that a context slot matches w's identity / attribute. Default: 0.8.
        max_questions_per_relation: see :func:`analogy_questions`. Default: None (all).

    Returns:
        An :class:`AnalogyCorpus`.
    """
    if num_sentences < 1:
        raise ValueError(f"make_analogy_corpus: num_sentences must be >= 1, got {num_sentences}")
    if not 0.0 <= filler_prob <= 1.0 or not 0.5 < purity <= 1.0:
        raise ValueError(f"make_analogy_corpus: need filler_prob in [0, 1] and purity in (0.5, 1], "
                         f"got {filler_prob}, {purity}")
    rng = np.random.default_rng(seed)
    entries = _entries()
    sentences = []
    for k in rng.integers(0, len(entries), size=num_sentences):
        word, fam, ident, attr = entries[int(k)]
        toks = [word]
        n_ident = len(_IDENTITY_WORDS[fam])
        for _ in range(2):
            other = (ident + int(rng.integers(1, n_ident))) % n_ident
            group = _IDENTITY_WORDS[fam][ident if rng.random() < purity else other]
            toks.append(str(group[int(rng.integers(len(group)))]))
        for _ in range(2):
            group = _ATTRIBUTE_WORDS[_ATTRIBUTES[fam][attr if rng.random() < purity else 1 - attr]]
            toks.append(str(group[int(rng.integers(len(group)))]))
        toks += [str(w) for w in rng.choice(_FILLER, size=4) if rng.random() < filler_prob]
        sentences.append([toks[i] for i in rng.permutation(len(toks))])
    questions, relations = analogy_questions(max_questions_per_relation, seed)
    return AnalogyCorpus(sentences, questions, relations)
