"""Synthetic sequence tasks: date normalization (one date, or a list of them), sequence reversal and
sorting (seq2seq), and a word-sense corpus for contextual embeddings.

Each task is a list of ``(source, target)`` string pairs generated from a seed; the
:class:`~nnlab.data.vocab.CharVocab` maps characters to ids (with ``<pad>``, ``<bos>``, ``<eos>``,
``<unk>`` at 0–3) and :func:`seq2seq_splits` turns the pairs into padded int64 arrays
split train/dev/test. Targets end with ``<eos>`` and are padded; the decoder's input,
the target shifted right behind ``<bos>``, is made by the model (teacher forcing).

The date task is the classic "neural machine translation" toy of the seeds: human
readable dates in many formats ("Saturday, 9 May 2018", "5/9/18"...) to ISO
``YYYY-MM-DD``, drawn with the standard library's ``datetime``/``calendar`` (English
names, no locale dependence).
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from nnlab.nn.padding import pad_sequences
from nnlab.data.vocab import PAD_ID, CharVocab

def _pad(seqs: Sequence[Sequence[int]], max_len: int | None = None) -> np.ndarray:
    """Right-pad id sequences with ``<pad>`` into an int64 array (N, L); longer than ``max_len`` raises."""
    longest = max((len(s) for s in seqs), default=0)
    if max_len is not None and longest > max_len:
        raise ValueError(f"seq_tasks: a sequence has length {longest} > max_len={max_len}")
    return pad_sequences(seqs, pad_index=PAD_ID, max_len=max_len)[0].array


# ---- date normalization ------------------------------------------------------------------

def _ordinal(d: int) -> str:
    suffix = "th" if 11 <= d % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


#: One formatter per human-readable style; each is unambiguous (one convention per format).
DATE_FORMATS: dict[str, Callable[[_dt.date], str]] = {
    "d month yyyy": lambda t: f"{t.day} {calendar.month_name[t.month]} {t.year}",
    "month d, yyyy": lambda t: f"{calendar.month_name[t.month]} {t.day}, {t.year}",
    "mon d yyyy": lambda t: f"{calendar.month_abbr[t.month]} {t.day} {t.year}",
    "d mon yyyy": lambda t: f"{t.day:02d} {calendar.month_abbr[t.month]} {t.year}",
    "weekday, d month yyyy": lambda t: f"{calendar.day_name[t.weekday()]}, {t.day} {calendar.month_name[t.month]} {t.year}",
    "wkd mon d yyyy": lambda t: f"{calendar.day_abbr[t.weekday()]} {calendar.month_abbr[t.month]} {t.day} {t.year}",
    "dth of month yyyy": lambda t: f"the {_ordinal(t.day)} of {calendar.month_name[t.month]} {t.year}",
    "mm/dd/yyyy": lambda t: f"{t.month:02d}/{t.day:02d}/{t.year}",
    "m/d/yy": lambda t: f"{t.month}/{t.day}/{t.year % 100:02d}",
    "dd.mm.yyyy": lambda t: f"{t.day:02d}.{t.month:02d}.{t.year}",
    "yyyy/mm/dd": lambda t: f"{t.year}/{t.month:02d}/{t.day:02d}",
    "month yyyy, d": lambda t: f"{calendar.month_name[t.month].lower()} {t.year}, {t.day}",
}


def make_date_task(n: int = 10000, seed: int = 0, formats: Sequence[str] | None = None,
                   years: tuple[int, int] = (1970, 2029)) -> list[tuple[str, str]]:
    """``n`` pairs (human-readable date, ISO ``YYYY-MM-DD``), dates uniform over ``years``.

    Two-digit years ("m/d/yy") are read in the default range 1970–2029 unambiguously.

    Args:
        n: number of pairs (default 10000).
        seed: generator seed (default 0).
        formats: names from :data:`DATE_FORMATS` (default all), one drawn per pair; ~half
            of the pairs are lower-cased as a further variation.
        years: inclusive year range (default (1970, 2029): 100 years would make "yy" ambiguous).
    """
    names = list(DATE_FORMATS) if formats is None else list(formats)
    unknown = [f for f in names if f not in DATE_FORMATS]
    if unknown:
        raise ValueError(f"make_date_task: unknown formats {unknown}; expected some of {list(DATE_FORMATS)}")
    if years[1] - years[0] >= 100 and "m/d/yy" in names:
        raise ValueError(f"make_date_task: years {years} span ≥ 100 years, so 'm/d/yy' would be ambiguous")
    rng = np.random.default_rng(seed)
    first, last = _dt.date(years[0], 1, 1).toordinal(), _dt.date(years[1], 12, 31).toordinal()
    days = rng.integers(first, last + 1, size=n)
    fmt_idx = rng.integers(0, len(names), size=n)
    lower = rng.random(n) < 0.5
    pairs = []
    for d, f, lo in zip(days, fmt_idx, lower):
        date = _dt.date.fromordinal(int(d))
        text = DATE_FORMATS[names[f]](date)
        pairs.append((text.lower() if lo else text, date.isoformat()))
    return pairs


# ---- reversal and sorting ----------------------------------------------------------------

def _random_strings(n: int, min_len: int, max_len: int, alphabet: str, rng: np.random.Generator) -> list[str]:
    if not 1 <= min_len <= max_len:
        raise ValueError(f"sequence task: need 1 ≤ min_len ≤ max_len, got {min_len}, {max_len}")
    lengths = rng.integers(min_len, max_len + 1, size=n)
    letters = np.array(list(alphabet))
    return ["".join(letters[rng.integers(0, len(letters), size=k)]) for k in lengths]


def make_reversal_task(n: int = 5000, min_len: int = 3, max_len: int = 8, alphabet: str = "abcdefghij",
                       seed: int = 0) -> list[tuple[str, str]]:
    """``n`` pairs (s, s reversed), s random strings over ``alphabet`` of length min_len..max_len."""
    rng = np.random.default_rng(seed)
    return [(s, s[::-1]) for s in _random_strings(n, min_len, max_len, alphabet, rng)]


def make_sorting_task(n: int = 5000, min_len: int = 3, max_len: int = 8, alphabet: str = "abcdefghij",
                      seed: int = 0) -> list[tuple[str, str]]:
    """``n`` pairs (s, sorted(s)), s random strings over ``alphabet`` of length min_len..max_len."""
    rng = np.random.default_rng(seed)
    return [(s, "".join(sorted(s))) for s in _random_strings(n, min_len, max_len, alphabet, rng)]


# ---- a word-sense corpus (for contextual embeddings) ---------------------------------------

_SUBJECTS = ("she", "he", "we", "they", "the man", "the woman", "my friend", "the boy")
_SENSES = {
    "river": {"verbs": ("fished from", "sat on", "walked along", "camped on", "swam to", "rested on"),
              "nouns": ("river", "stream", "lake", "creek", "water"),
              "templates": ("{s} {v} the bank of the {n} .", "the bank of the {n} was muddy .",
                            "{s} {v} the grassy bank near the {n} .")},
    "money": {"verbs": ("borrowed from", "phoned", "robbed", "paid", "sued", "visited"),
              "nouns": ("loan", "money", "account", "cash", "mortgage"),
              "templates": ("{s} {v} the bank for a {n} .", "the bank gave {s} a {n} .",
                            "{s} {v} the bank about the {n} .")},
}
_FILLERS = ("{s} swam in the {rn} .", "{s} saw fish in the {rn} .", "{s} saved {mn} every month .",
            "{s} needed a {mn} for the house .")


def make_word_sense_corpus(n: int = 3000, seed: int = 0, filler: float = 0.3) -> list[tuple[list[str], str | None]]:
    """``n`` tokenized sentences; most use "bank" as a river bank or as a money bank.

    Each sentence is ``(tokens, sense)`` with sense ``"river"``, ``"money"`` or None (a
    filler without "bank" that teaches the context words). The two senses of "bank"
    are only told apart by the words around it: the test bed for contextual embeddings.

    Args:
        n: number of sentences (default 3000).
        seed: generator seed (default 0).
        filler: fraction of sentences without "bank" (default 0.3).
    """
    rng = np.random.default_rng(seed)
    out: list[tuple[list[str], str | None]] = []
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    for _ in range(n):
        subject = pick(_SUBJECTS)
        if rng.random() < filler:
            text = pick(_FILLERS).format(s=subject, rn=pick(_SENSES["river"]["nouns"]),
                                         mn=pick(_SENSES["money"]["nouns"]))
            out.append((text.split(), None))
            continue
        sense = "river" if rng.random() < 0.5 else "money"
        spec = _SENSES[sense]
        text = pick(spec["templates"]).format(s=subject, v=pick(spec["verbs"]), n=pick(spec["nouns"]))
        out.append((text.split(), sense))
    return out


# ---- splits ------------------------------------------------------------------------------

@dataclass
class Seq2SeqSplits:
    """Padded train/dev/test arrays of a sequence-to-sequence task, with its vocabularies.

    Attributes:
        src_train, src_dev, src_test: int64 source ids (N_s, L_src), ``<pad>``-padded.
        tgt_train, tgt_dev, tgt_test: int64 target ids (N_s, L_tgt), each row the target's
            characters, ``<eos>``, then ``<pad>``.
        pairs_train, pairs_dev, pairs_test: the raw ``(source, target)`` strings.
        src_vocab, tgt_vocab: the :class:`CharVocab` of each side.
        name: the task's name.
    """

    src_train: np.ndarray
    tgt_train: np.ndarray
    src_dev: np.ndarray
    tgt_dev: np.ndarray
    src_test: np.ndarray
    tgt_test: np.ndarray
    pairs_train: list
    pairs_dev: list
    pairs_test: list
    src_vocab: CharVocab
    tgt_vocab: CharVocab
    name: str = ""

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(src, tgt)`` of ``"train"``, ``"dev"`` or ``"test"``."""
        if which not in ("train", "dev", "test"):
            raise ValueError(f"Seq2SeqSplits.split: expected 'train', 'dev' or 'test', got {which!r}")
        return getattr(self, f"src_{which}"), getattr(self, f"tgt_{which}")

    def summary(self) -> str:
        return (f"{self.name}: train/dev/test = {len(self.pairs_train)}/{len(self.pairs_dev)}/{len(self.pairs_test)}, "
                f"vocab src/tgt = {len(self.src_vocab)}/{len(self.tgt_vocab)}, "
                f"length src/tgt = {self.src_train.shape[1]}/{self.tgt_train.shape[1]}")


def seq2seq_splits(pairs: Sequence[tuple[str, str]], fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0,
                   src_vocab: CharVocab | None = None, tgt_vocab: CharVocab | None = None,
                   name: str = "") -> Seq2SeqSplits:
    """Split ``pairs`` (seeded shuffle) and encode them as padded id arrays.

    Args:
        pairs: ``(source, target)`` strings.
        fractions: train/dev/test fractions summing to 1 (default (0.8, 0.1, 0.1)).
        seed: shuffle seed (default 0).
        src_vocab, tgt_vocab: vocabularies (default: built from all the pairs' characters).
        name: a name for the summary.
    """
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ValueError(f"seq2seq_splits: fractions must be 3 non-negative numbers summing to 1, got {fractions}")
    src_vocab = src_vocab or CharVocab.from_texts([s for s, _ in pairs])
    tgt_vocab = tgt_vocab or CharVocab.from_texts([t for _, t in pairs])
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_train, n_dev = int(round(fractions[0] * len(pairs))), int(round(fractions[1] * len(pairs)))
    parts = np.split(order, [n_train, n_train + n_dev])
    src_len = max(len(s) for s, _ in pairs)
    tgt_len = max(len(t) for _, t in pairs) + 1
    arrays: dict = {}
    for which, idx in zip(("train", "dev", "test"), parts):
        chosen = [pairs[i] for i in idx]
        arrays[f"pairs_{which}"] = chosen
        arrays[f"src_{which}"] = _pad([src_vocab.encode(s) for s, _ in chosen], max_len=src_len)
        arrays[f"tgt_{which}"] = _pad([tgt_vocab.encode(t, add_eos=True) for _, t in chosen], max_len=tgt_len)
    return Seq2SeqSplits(src_vocab=src_vocab, tgt_vocab=tgt_vocab, name=name, **arrays)


def get_seq_task(name: str, n: int | None = None, seed: int = 0, **kwargs) -> Seq2SeqSplits:
    """A named task as :class:`Seq2SeqSplits`: ``"dates"``, ``"date_lists"``, ``"reversal"`` or ``"sorting"``
    (80/10/10).

    Args:
        name: the task.
        n: number of pairs (default 10000 for the date tasks, 5000 otherwise).
        seed: generation and split seed (default 0).
        **kwargs: passed to the generator (e.g. ``min_len``, ``max_len``, ``formats``).
    """
    makers = {"dates": (make_date_task, 10000), "date_lists": (make_date_list_task, 10000),
              "reversal": (make_reversal_task, 5000), "sorting": (make_sorting_task, 5000)}
    if name not in makers:
        raise ValueError(f"get_seq_task: unknown task {name!r}; expected one of {sorted(makers)}")
    make, default_n = makers[name]
    return seq2seq_splits(make(n=default_n if n is None else n, seed=seed, **kwargs), seed=seed, name=name)


# ---- lists of dates (for the attention-vs-bottleneck length comparison) ---------------------


def make_date_list_task(n: int = 10000, seed: int = 0, formats: Sequence[str] | None = None, max_dates: int = 3,
                        sep: str = "; ", years: tuple[int, int] = (1970, 2029)) -> list[tuple[str, str]]:
    """``n`` pairs (1..``max_dates`` human-readable dates, their ISO forms space-separated).

    ``"9 june 1979; 12/24/2001"`` → ``"1979-06-09 2001-12-24"``: the date task with inputs
    and outputs that grow together, as sentences do in translation. The number of dates
    per pair is uniform over 1..``max_dates``; the dates are drawn as in :func:`make_date_task`.
    An encoder–decoder that squeezes the source into one fixed vector degrades as the
    list grows; attention reads each date where it is.

    Args:
        n: number of pairs (default 10000).
        seed: generator seed (default 0).
        formats: names from :data:`DATE_FORMATS` (default all).
        max_dates: most dates per pair, ≥ 1 (default 3).
        sep: what joins the source dates (default ``"; "``).
        years: inclusive year range (default (1970, 2029)).
    """
    if max_dates < 1:
        raise ValueError(f"make_date_list_task: max_dates must be ≥ 1, got {max_dates}")
    counts = np.random.default_rng([seed, 2]).integers(1, max_dates + 1, size=n)
    dates = make_date_task(int(counts.sum()), seed=seed, formats=formats, years=years)
    ends = np.cumsum(counts)
    return [(sep.join(text for text, _ in dates[e - k:e]), " ".join(iso for _, iso in dates[e - k:e]))
            for k, e in zip(counts.tolist(), ends.tolist())]
