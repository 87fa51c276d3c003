"""The toy world of the RLHF example: one-sentence reviews, a character vocabulary and a programmatic labeller.

A review is ``"<subject> <verb> [very |so ]<adjective>."`` — ``"the food was very good."``.
Prompts are the subjects (8 characters each, so a batch of prompts shares one length);
the model completes the sentence and ends it with ``<eos>``. The "human" labeller scores
a completion by its sentiment — positive adjectives +1, neutral 0, negative −1, times 1.5
with an intensifier — and gives anything that is not a well-formed review −2, and prefers
the higher-scoring of two completions (a tie expresses no preference).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nnlab.data.datasets.seq_tasks import CharVocab

SUBJECTS = ("the food", "the film", "the room", "the book", "the song", "the show")
VERBS = ("was", "is")
INTENSIFIERS = ("", "very ", "so ")
POSITIVE = ("good", "great", "nice", "superb")
NEGATIVE = ("bad", "awful", "dull", "poor")
NEUTRAL = ("ok", "long", "new")
SENTIMENT = {**{w: 1.0 for w in POSITIVE}, **{w: -1.0 for w in NEGATIVE}, **{w: 0.0 for w in NEUTRAL}}
#: The score the labeller gives a completion that is not a well-formed review.
INVALID_SCORE = -2.0

_REVIEW = re.compile(r"^ (%s) (very |so )?(%s)\.$" % ("|".join(VERBS), "|".join(SENTIMENT)))


def review_vocab() -> CharVocab:
    """Characters of every review (with ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3)."""
    words = " ".join(SUBJECTS + VERBS + INTENSIFIERS + tuple(SENTIMENT)) + "."
    return CharVocab(sorted(set(words)))


def sample_review(rng: np.random.Generator, subject: str | None = None, sentiment_weights=(1, 1, 1)) -> str:
    """A random well-formed review; ``sentiment_weights`` weigh positive, neutral and negative adjectives."""
    subj = subject if subject is not None else SUBJECTS[rng.integers(len(SUBJECTS))]
    w = np.asarray(sentiment_weights, dtype=float)
    group = (POSITIVE, NEUTRAL, NEGATIVE)[rng.choice(3, p=w / w.sum())]
    return (f"{subj} {VERBS[rng.integers(len(VERBS))]} {INTENSIFIERS[rng.integers(len(INTENSIFIERS))]}"
            f"{group[rng.integers(len(group))]}.")


def labeller_score(completion: str) -> float:
    """The labeller's score of a completion (the text after the subject): sentiment × intensity, −2 if malformed."""
    m = _REVIEW.match(completion)
    if m is None:
        return INVALID_SCORE
    return SENTIMENT[m.group(3)] * (1.5 if m.group(2) else 1.0)


def is_well_formed(completion: str) -> bool:
    """Whether a completion is a review of the grammar."""
    return _REVIEW.match(completion) is not None


def labeller_prefers(a: str, b: str) -> float:
    """1 if the labeller prefers completion a, 0 if b, 0.5 for no preference."""
    sa, sb = labeller_score(a), labeller_score(b)
    return 0.5 if sa == sb else float(sa > sb)


@dataclass
class ReviewWorld:
    """Encoding between texts and ids for the RLHF example.

    Attributes:
        vocab: the :class:`CharVocab`. prompt_len: tokens of an encoded prompt (``<bos>`` + 8 characters).
        max_len: context length of the models (prompt + the longest completion + ``<eos>``, with room).
    """

    vocab: CharVocab
    prompt_len: int = 1 + 8
    max_len: int = 32

    @classmethod
    def build(cls) -> "ReviewWorld":
        return cls(review_vocab())

    def encode_prompt(self, subjects) -> np.ndarray:
        """``<bos>`` + subject for each subject: (N, prompt_len) int64."""
        return np.array([[self.vocab.bos] + self.vocab.encode(s) for s in subjects], dtype=np.int64)

    def encode_reviews(self, reviews) -> np.ndarray:
        """``<bos>`` review ``<eos>``, right-padded with ``<pad>`` to ``max_len``: (N, max_len) int64."""
        out = np.full((len(reviews), self.max_len), self.vocab.pad, dtype=np.int64)
        for i, r in enumerate(reviews):
            ids = [self.vocab.bos] + self.vocab.encode(r) + [self.vocab.eos]
            out[i, :len(ids)] = ids[: self.max_len]
        return out

    def completion_mask(self, ids: np.ndarray) -> np.ndarray:
        """True at the generated tokens: after the prompt, up to and including the first ``<eos>``."""
        tail = ids[:, self.prompt_len:] == self.vocab.eos
        # positions up to the first <eos>: no <eos> strictly before them
        before = np.cumsum(tail, axis=1) - tail
        mask = np.zeros(ids.shape, dtype=bool)
        mask[:, self.prompt_len:] = before == 0
        return mask

    def completions(self, ids: np.ndarray) -> list[str]:
        """The completion text of each row (after the prompt, up to ``<eos>``)."""
        return [self.vocab.decode(row[self.prompt_len:]) for row in ids]
