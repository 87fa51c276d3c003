"""``Vocab``: the token ↔ index table, built from token lists with min_freq / max_size and specials,
and the special tokens of every vocabulary in nnlab (the one module that defines them).

Special tokens come first at fixed indices (by default ``<pad>`` = 0, ``<unk>`` = 1,
``<bos>`` = 2, ``<eos>`` = 3), then the corpus tokens by decreasing frequency, ties broken
alphabetically, so the same corpus always gives the same table. The strings are ``PAD``,
``UNK``, ``BOS``, ``EOS``; their ids in any vocabulary that starts with
``DEFAULT_SPECIALS`` are ``PAD_ID``, ``UNK_ID``, ``BOS_ID``, ``EOS_ID`` (what models and
padded batches use). :class:`CharVocab` is the character-level ``Vocab`` of the seq2seq
tasks. A vocabulary saves to and loads from plain JSON (never pickle).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from nnlab.io.atomic import atomic_write

__all__ = ["Vocab", "CharVocab", "PAD", "UNK", "BOS", "EOS", "DEFAULT_SPECIALS", "PAD_ID", "UNK_ID", "BOS_ID",
           "EOS_ID"]

#: The special tokens (strings) ...
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
DEFAULT_SPECIALS: tuple[str, ...] = (PAD, UNK, BOS, EOS)
#: ... and their ids: their positions in DEFAULT_SPECIALS, which every default vocabulary puts first.
PAD_ID, UNK_ID, BOS_ID, EOS_ID = (DEFAULT_SPECIALS.index(t) for t in (PAD, UNK, BOS, EOS))
_FORMAT = "nnlab.Vocab"


def _count(corpus: Iterable[Any]) -> Counter:
    """Token counts of a corpus given as one token list or as a list of token lists."""
    counts: Counter = Counter()
    for item in corpus:
        if isinstance(item, str):
            counts[item] += 1
        else:
            counts.update(item)
    return counts


class Vocab:
    """index = vocab[token]; token = vocab.index_to_token(index); unknown tokens map to ``<unk>``.

    Args:
        tokens: the table, index i ↔ ``tokens[i]``; must be unique.
        unk_token: the token that unknown tokens map to (must be in ``tokens``), or None to
            make unknown tokens an error. Default: ``"<unk>"`` when present, else None.
        specials: which entries of ``tokens`` are special (skipped by
            ``decode(skip_specials=True)``). Default: those of ``DEFAULT_SPECIALS`` present.
        counts: corpus frequency of each token (0 for specials). Default: None.

    Attributes:
        pad_index, unk_index, bos_index, eos_index: the indices of ``<pad>``, ``<unk>``,
            ``<bos>``, ``<eos>``, or None when the vocabulary lacks them.
    """

    def __init__(self, tokens: Sequence[str], unk_token: str | None = "<default>",
                 specials: Sequence[str] | None = None, counts: Sequence[int] | None = None) -> None:
        self._itos = [str(t) for t in tokens]
        self._stoi = {t: i for i, t in enumerate(self._itos)}
        if len(self._stoi) != len(self._itos):
            dup = next(t for t in self._itos if self._itos.count(t) > 1)
            raise ValueError(f"Vocab: token {dup!r} appears more than once in the table")
        if unk_token == "<default>":
            unk_token = UNK if UNK in self._stoi else None
        if unk_token is not None and unk_token not in self._stoi:
            raise ValueError(f"Vocab: unk_token {unk_token!r} is not in the table of {len(self._itos)} tokens")
        self.unk_token = unk_token
        if specials is None:
            specials = [s for s in DEFAULT_SPECIALS if s in self._stoi]
        missing = [s for s in specials if s not in self._stoi]
        if missing:
            raise ValueError(f"Vocab: special tokens {missing} are not in the table")
        self.specials = list(specials)
        if counts is not None and len(counts) != len(self._itos):
            raise ValueError(f"Vocab: {len(counts)} counts for {len(self._itos)} tokens")
        self.counts = None if counts is None else [int(c) for c in counts]

    # ---- building ----------------------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: Iterable[Any], min_freq: int = 1, max_size: int | None = None,
              specials: Sequence[str] = DEFAULT_SPECIALS, unk_token: str | None = UNK) -> "Vocab":
        """A vocabulary of the tokens of ``corpus`` seen at least ``min_freq`` times.

        Args:
            corpus: one token list (``["the", "cat"]``, or a string for characters) or a list
                of token lists (one per sentence).
            min_freq: drop tokens rarer than this. Default: 1.
            max_size: keep at most this many entries in total, specials included (the most
                frequent tokens win). Default: None (no limit).
            specials: tokens placed first, at indices 0, 1, ...; default ``<pad>``, ``<unk>``,
                ``<bos>``, ``<eos>``.
            unk_token: the special that unknown tokens map to; None for no unknown token.
                Default: ``"<unk>"``.
        """
        if min_freq < 1:
            raise ValueError(f"Vocab.build: min_freq must be >= 1, got {min_freq}")
        specials = list(specials)
        if len(set(specials)) != len(specials):
            raise ValueError(f"Vocab.build: specials {specials} contain duplicates")
        if unk_token is not None and unk_token not in specials:
            raise ValueError(f"Vocab.build: unk_token {unk_token!r} must be one of the specials {specials}")
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"Vocab.build: max_size={max_size} cannot hold the {len(specials)} special tokens")
        counts = _count(corpus)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq and t not in specials),
                        key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[: max_size - len(specials)]
        return cls(specials + ranked, unk_token=unk_token, specials=specials,
                   counts=[0] * len(specials) + [counts[t] for t in ranked])

    # ---- lookups -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token: object) -> bool:
        return token in self._stoi

    def __iter__(self) -> Iterator[str]:
        return iter(self._itos)

    def __getitem__(self, token: str) -> int:
        return self.token_to_index(token)

    def token_to_index(self, token: str) -> int:
        """The index of ``token``; ``unk_index`` for an unknown token (KeyError without ``<unk>``)."""
        idx = self._stoi.get(token)
        if idx is not None:
            return idx
        if self.unk_token is None:
            raise KeyError(f"Vocab: token {token!r} is not in the vocabulary and it has no unk_token")
        return self._stoi[self.unk_token]

    def index_to_token(self, index: int) -> str:
        """The token at ``index``."""
        i = int(index)
        if not 0 <= i < len(self._itos):
            raise IndexError(f"Vocab: index {i} is out of range for a vocabulary of {len(self._itos)} tokens")
        return self._itos[i]

    def get_stoi(self) -> dict[str, int]:
        """A copy of the token → index map."""
        return dict(self._stoi)

    def get_itos(self) -> list[str]:
        """A copy of the index → token list."""
        return list(self._itos)

    def _special_index(self, token: str) -> int | None:
        return self._stoi.get(token) if token in self.specials else None

    @property
    def pad_index(self) -> int | None:
        return self._special_index(PAD)

    @property
    def unk_index(self) -> int | None:
        return None if self.unk_token is None else self._stoi[self.unk_token]

    @property
    def bos_index(self) -> int | None:
        return self._special_index(BOS)

    @property
    def eos_index(self) -> int | None:
        return self._special_index(EOS)

    # ---- sequences ---------------------------------------------------------------------------------
    def encode(self, tokens: Iterable[str], add_bos: bool = False, add_eos: bool = False) -> list[int]:
        """[bos] + [vocab[t] for t in tokens] + [eos]; a str is a sequence of characters."""
        tokens = list(tokens)
        get, unk = self._stoi.get, self.unk_index
        ids = [get(t, unk) for t in tokens]
        if unk is None and None in ids:
            bad = next(t for t, i in zip(tokens, ids) if i is None)
            raise KeyError(f"Vocab.encode: token {bad!r} is not in the vocabulary and it has no unk_token")
        for flag, idx, name in ((add_bos, self.bos_index, BOS), (add_eos, self.eos_index, EOS)):
            if flag and idx is None:
                raise ValueError(f"Vocab.encode: the vocabulary has no {name} token to add")
        return ([self.bos_index] if add_bos else []) + ids + ([self.eos_index] if add_eos else [])

    def decode(self, indices: Iterable[int], skip_specials: bool = False) -> list[str]:
        """[vocab.index_to_token(i) for i in indices], leaving out specials when ``skip_specials``."""
        out = [self.index_to_token(i) for i in indices]
        if skip_specials:
            special = set(self.specials)
            out = [t for t in out if t not in special]
        return out

    # ---- persistence -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A JSON-serializable description: tokens, specials, unk_token and counts."""
        return {"format": _FORMAT, "tokens": list(self._itos), "specials": list(self.specials),
                "unk_token": self.unk_token, "counts": None if self.counts is None else list(self.counts)}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> "Vocab":
        """The vocabulary that ``state_dict()`` described."""
        if not isinstance(state, dict) or state.get("format") != _FORMAT or "tokens" not in state:
            raise ValueError(f"Vocab.from_state_dict: not a Vocab state (expected format {_FORMAT!r} and 'tokens')")
        return cls(state["tokens"], unk_token=state.get("unk_token"), specials=state.get("specials", []),
                   counts=state.get("counts"))

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary to ``path`` as UTF-8 JSON (atomically)."""
        payload = json.dumps(self.state_dict(), ensure_ascii=False).encode("utf-8")
        atomic_write(path, payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`."""
        with open(path, encoding="utf-8") as f:
            try:
                state = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"Vocab.load: {os.fspath(path)!r} is not JSON ({e})") from None
        return cls.from_state_dict(state)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.state_dict() == other.state_dict()

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._itos[:8])
        return f"Vocab(size={len(self)}, tokens=[{head}{', ...' if len(self) > 8 else ''}])"


def index_stream(vocab: "Vocab", sentences) -> tuple[np.ndarray, np.ndarray]:
    """The known words of all ``sentences`` as one int64 index stream, with each token's sentence id.

    Unknown words are dropped (not mapped to ``<unk>``), as word2vec and GloVe train on the
    vocabulary only; the sentence ids keep context windows from crossing sentence boundaries.
    """
    stoi = vocab.get_stoi()
    ids: list[int] = []
    sent: list[int] = []
    for s, words in enumerate(sentences):
        row = [stoi[w] for w in words if w in stoi]
        ids += row
        sent += [s] * len(row)
    return np.asarray(ids, dtype=np.int64), np.asarray(sent, dtype=np.int64)


class CharVocab(Vocab):
    """A character :class:`Vocab`: ``<pad>``=0, ``<unk>``=1, ``<bos>``=2, ``<eos>``=3, then the characters.

    ``encode`` takes a string (its characters are the tokens); ``decode`` returns the text,
    stopping at the first ``<eos>`` and skipping ``<pad>`` and ``<bos>``.

    Args:
        chars: the characters, in id order (duplicates are dropped, first kept).

    Attributes:
        itos: list of id → token; ``stoi``: dict of token → id; ``pad``, ``unk``, ``bos``,
            ``eos``: the special ids.
    """

    pad, unk, bos, eos = PAD_ID, UNK_ID, BOS_ID, EOS_ID

    def __init__(self, chars: Sequence[str]):
        tokens = list(DEFAULT_SPECIALS)
        for ch in chars:
            if len(ch) != 1:
                raise ValueError(f"CharVocab: tokens must be single characters, got {ch!r}")
            if ch not in tokens:
                tokens.append(ch)
        super().__init__(tokens)

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> "CharVocab":
        """The sorted set of characters appearing in ``texts``."""
        return cls(sorted(set("".join(texts))))

    @property
    def itos(self) -> list[str]:
        return self._itos

    @property
    def stoi(self) -> dict[str, int]:
        return self._stoi

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> "CharVocab":
        """The character vocabulary that ``state_dict()`` described."""
        tokens = Vocab.from_state_dict(state).get_itos()
        if tuple(tokens[: len(DEFAULT_SPECIALS)]) != DEFAULT_SPECIALS:
            raise ValueError(f"CharVocab.from_state_dict: the table must start with {DEFAULT_SPECIALS}")
        return cls(tokens[len(DEFAULT_SPECIALS):])

    def encode(self, text: str, add_eos: bool = False, *, add_bos: bool = False) -> list[int]:
        """Character ids of ``text`` (unknown ones map to ``<unk>``), optionally + ``<eos>`` (and a leading ``<bos>``)."""
        return super().encode(text, add_bos=add_bos, add_eos=add_eos)

    def decode(self, ids: Iterable[int], skip_specials: bool = True) -> str:
        """The text of ``ids``: stops at the first ``<eos>``, skips ``<pad>`` and ``<bos>`` (``skip_specials``)."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS_ID:
                break
            if skip_specials and i in (PAD_ID, BOS_ID):
                continue
            out.append(self._itos[i] if 0 <= i < len(self._itos) else UNK)
        return "".join(out)

    def __repr__(self) -> str:
        return f"CharVocab(size={len(self)})"
