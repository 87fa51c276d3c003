"""A toy language with structure for BERT: topic-coherent documents for MLM + NSP pretraining,
and the small labelled tasks of :mod:`nnlab.models.transformers.bert_tasks` (two of them sentence pairs).

Sentences follow five templates over word classes (names, and per topic verbs, adjectives,
nouns); a document keeps one topic and one protagonist, and every template names the
protagonist, so a true next sentence shares both the name and the topic with the current one
(a random one shares the name 1/8 and the topic 1/4 of the time) and words of a topic co-occur. Each topic's content words
are split into two halves: the labelled fine-tuning sets use ``half=0`` words and their
test sets ``half=1`` words, so only a model that learned from the unlabelled corpus which
words go together (pretraining) can classify the unseen half.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.masking import IGNORE_INDEX

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD, UNK, CLS, SEP, MASK = range(5)
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
#: topic → (verbs, adjectives, nouns); the first three of each are half 0, the last three half 1.
TOPICS = {
    "food": (("eats", "cooks", "buys", "tastes", "bakes", "serves"),
             ("sweet", "fresh", "salty", "spicy", "ripe", "warm"),
             ("apple", "bread", "soup", "cake", "rice", "pie")),
    "animals": (("feeds", "pets", "walks", "brushes", "chases", "tames"),
                ("furry", "tiny", "wild", "loud", "sleepy", "shy"),
                ("dog", "cat", "horse", "bird", "rabbit", "goat")),
    "sports": (("kicks", "throws", "catches", "hits", "passes", "bounces"),
               ("heavy", "round", "shiny", "bouncy", "leather", "rubber"),
               ("ball", "puck", "racket", "bat", "disc", "net")),
    "music": (("plays", "tunes", "hums", "sings", "records", "strums"),
              ("soft", "catchy", "slow", "jazzy", "sad", "lively"),
              ("song", "tune", "guitar", "piano", "drum", "melody")),
}
FUNCTION_WORDS = ("the", "a", "is", "likes", "and", "near", "says", ".", "what", "?")
#: word classes of the tagging task, in label order.
TAGS = ("NAME", "VERB", "DET", "ADJ", "NOUN", "FUNC")
# Templates: "N" name, "N2" another name, "V" verb, "A" adjective, "O" noun; others literal.
TEMPLATES = (
    ("N", "V", "the", "A", "O", "."),
    ("N", "says", "the", "O", "is", "A", "."),
    ("N", "likes", "the", "O", "."),
    ("N", "and", "N2", "V", "a", "O", "."),
    ("the", "A", "O", "near", "N", "is", "A", "."),
)
_SLOT_TAG = {"N": "NAME", "N2": "NAME", "V": "VERB", "A": "ADJ", "O": "NOUN", "the": "DET", "a": "DET"}


class ToyWorld:
    """The toy language's vocabulary, sentence generator and task builders.

    Every task set is padded to its longest example (at most 19 tokens for sentence pairs,
    25 for the span task with 3 facts).

    Attributes:
        itos, stoi: the word table; ``[PAD]`` 0, ``[UNK]`` 1, ``[CLS]`` 2, ``[SEP]`` 3, ``[MASK]`` 4.
        topics: topic names in label order.
    """

    def __init__(self):
        words = list(NAMES) + list(FUNCTION_WORDS)
        for verbs, adjs, nouns in TOPICS.values():
            words += list(verbs) + list(adjs) + list(nouns)
        self.itos = list(SPECIALS) + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.topics = tuple(TOPICS)
        self.special_ids = tuple(range(len(SPECIALS)))

    def __len__(self) -> int:
        return len(self.itos)

    # ---- sentences ----------------------------------------------------------------------------
    def sentence(self, rng: np.random.Generator, topic: int, name: str | None = None, half: int | None = None,
                 template: int | None = None) -> tuple[list[str], list[str]]:
        """One sentence of ``topic`` (words from ``half`` 0/1, or all) and its word-class tags."""
        verbs, adjs, nouns = TOPICS[self.topics[topic]]
        lo, hi = (0, 6) if half is None else (3 * half, 3 * half + 3)
        pick = {"V": verbs[lo:hi], "A": adjs[lo:hi], "O": nouns[lo:hi]}
        tpl = TEMPLATES[rng.integers(len(TEMPLATES)) if template is None else template]
        name = name or NAMES[rng.integers(len(NAMES))]
        words, tags = [], []
        for slot in tpl:
            if slot == "N":
                words.append(name)
            elif slot == "N2":
                words.append(rng.choice([n for n in NAMES if n != name]))
            elif slot in pick:
                words.append(pick[slot][rng.integers(len(pick[slot]))])
            else:
                words.append(slot)
            tags.append(_SLOT_TAG.get(slot, "FUNC"))
        return words, tags

    def encode(self, a: list[str], b: list[str] | None = None) -> tuple[list[int], list[int]]:
        """``[CLS] a [SEP] (b [SEP])`` ids and segment ids (0 for the first part, 1 for b)."""
        ids = [CLS] + [self.stoi.get(w, UNK) for w in a] + [SEP]
        types = [0] * len(ids)
        if b is not None:
            ids += [self.stoi.get(w, UNK) for w in b] + [SEP]
            types += [1] * (len(b) + 1)
        return ids, types

    def decode(self, ids) -> str:
        return " ".join(self.itos[int(i)] for i in ids if int(i) != PAD)

    @staticmethod
    def _pack(rows: list[tuple[list[int], list[int]]], **labels) -> dict:
        """Arrays of a task: ids and segments right-padded (with [PAD], 0) to the longest row."""
        L = max(len(r[0]) for r in rows)
        ids = np.full((len(rows), L), PAD, np.int64)
        types = np.zeros((len(rows), L), np.int64)
        for i, (r_ids, r_types) in enumerate(rows):
            ids[i, : len(r_ids)], types[i, : len(r_types)] = r_ids, r_types
        out = {"input_ids": ids, "token_type_ids": types}
        for k, v in labels.items():
            if k == "labels" and np.ndim(v[0]) == 1:  # per-token labels: pad with IGNORE_INDEX
                padded = np.full((len(v), L), IGNORE_INDEX, np.int64)
                for i, row in enumerate(v):
                    padded[i, : len(row)] = row
                out[k] = padded
            else:
                out[k] = np.asarray(v, np.int64)
        return out

    # ---- pretraining --------------------------------------------------------------------------
    def documents(self, n_docs: int, sentences: int = 4, seed: int = 0,
                  pattern: bool = False) -> list[tuple[int, list[list[str]]]]:
        """``n_docs`` documents: (topic, sentences), one topic and one protagonist each.

        With ``pattern`` every document also keeps one template (its "style"), so a true next
        sentence repeats the current one's pattern of function words besides its name and topic,
        while a random sentence shares the pattern 1/5 of the time: next-sentence prediction
        then hinges on word overlap, which a tiny BERT finds in a few hundred steps (D = 32, one
        layer: NSP 0.83 after 400 MLM + NSP steps; without ``pattern`` the name/topic agreement
        alone leaves it at 0.50–0.52 after 1000).
        """
        rng = np.random.default_rng(seed)
        docs = []
        for _ in range(n_docs):
            topic, name = int(rng.integers(len(self.topics))), NAMES[rng.integers(len(NAMES))]
            template = int(rng.integers(len(TEMPLATES))) if pattern else None
            docs.append((topic, [self.sentence(rng, topic, name, template=template)[0] for _ in range(sentences)]))
        return docs

    def pretraining_pairs(self, n: int, n_docs: int = 500, seed: int = 0, pattern: bool = False) -> dict:
        """``n`` NSP examples [CLS] A [SEP] B [SEP]: B is A's next sentence (label 0) or a random one (1).

        ``pattern``: draw them from :meth:`documents` that keep one template each.
        """
        rng = np.random.default_rng(seed)
        docs = self.documents(n_docs, seed=seed + 1, pattern=pattern)
        rows, labels = [], []
        for _ in range(n):
            d = int(rng.integers(len(docs)))
            sents = docs[d][1]
            j = int(rng.integers(len(sents) - 1))
            if rng.random() < 0.5:
                rows.append(self.encode(sents[j], sents[j + 1]))
                labels.append(0)
            else:
                other = (d + 1 + int(rng.integers(len(docs) - 1))) % len(docs)
                rows.append(self.encode(sents[j], docs[other][1][int(rng.integers(len(docs[other][1])))]))
                labels.append(1)
        return self._pack(rows, nsp_labels=labels)

    # ---- the four fine-tuning tasks -----------------------------------------------------------
    def topic_task(self, n: int, half: int | None = None, seed: int = 0) -> dict:
        """Single sentence → its topic (K = 4)."""
        rng = np.random.default_rng(seed)
        topics = rng.integers(len(self.topics), size=n)
        return self._pack([self.encode(self.sentence(rng, int(t), half=half)[0]) for t in topics], labels=topics)

    def tagging_task(self, n: int, half: int | None = None, seed: int = 0) -> dict:
        """Sentence → word class per token (K = 6, ``TAGS``); [CLS]/[SEP]/[PAD] labelled −100."""
        rng = np.random.default_rng(seed)
        rows, labels = [], []
        for _ in range(n):
            words, tags = self.sentence(rng, int(rng.integers(len(self.topics))), half=half)
            rows.append(self.encode(words))
            labels.append([IGNORE_INDEX] + [TAGS.index(t) for t in tags] + [IGNORE_INDEX])
        return self._pack(rows, labels=labels)

    def pair_task(self, n: int, half: int | None = None, seed: int = 0) -> dict:
        """Sentence pair → 1 if both are about the same topic, else 0 (balanced).

        A relation between two word clusters: neither sentence alone nor any single word says
        anything about the label, so from scratch a tiny BERT (and its PyTorch twin) sits at the
        0.69 loss plateau for hundreds of steps; after MLM pretraining has grouped the words by
        topic it is learnable (``examples/bert_finetune.py``). :meth:`paraphrase_task` is the
        pair task a fresh model learns in an epoch.
        """
        rng = np.random.default_rng(seed)
        rows, labels = [], []
        for i in range(n):
            t1 = int(rng.integers(len(self.topics)))
            same = i % 2 == 0
            t2 = t1 if same else (t1 + 1 + int(rng.integers(len(self.topics) - 1))) % len(self.topics)
            rows.append(self.encode(self.sentence(rng, t1, half=half)[0], self.sentence(rng, t2, half=half)[0]))
            labels.append(int(same))
        return self._pack(rows, labels=labels)

    def paraphrase_task(self, n: int, half: int | None = None, seed: int = 0) -> dict:
        """Sentence pair → 1 if B restates A, else 0 (balanced; MRPC in miniature).

        A restatement is A with one verb, adjective or noun swapped for another word of the same
        class and topic; otherwise B is an unrelated random sentence. A and B alone are drawn
        alike in both classes, so only a model comparing the two segments beats chance.
        """
        rng = np.random.default_rng(seed)
        rows, labels = [], []
        for i in range(n):
            topic = int(rng.integers(len(self.topics)))
            a, tags = self.sentence(rng, topic, half=half)
            same = i % 2 == 0
            if same:
                b = list(a)
                k = int(rng.choice([j for j, t in enumerate(tags) if t in ("VERB", "ADJ", "NOUN")]))
                cls = ("VERB", "ADJ", "NOUN").index(tags[k])
                lo, hi = (0, 6) if half is None else (3 * half, 3 * half + 3)
                choices = [w for w in TOPICS[self.topics[topic]][cls][lo:hi] if w != a[k]]
                b[k] = choices[rng.integers(len(choices))]
            else:
                b = self.sentence(rng, int(rng.integers(len(self.topics))), half=half)[0]
            rows.append(self.encode(a, b))
            labels.append(int(same))
        return self._pack(rows, labels=labels)

    def span_task(self, n: int, half: int | None = None, seed: int = 0, facts: int = 3) -> dict:
        """Query "what NAME VERB ?" + a document of ``facts`` "NAME VERB the ADJ NOUN ." sentences
        (distinct names) → the answer span "ADJ NOUN" (start, end positions in the packed input)."""
        rng = np.random.default_rng(seed)
        rows, starts, ends = [], [], []
        for _ in range(n):
            names = rng.choice(NAMES, size=facts, replace=False)
            doc, spans = [], []
            for name in names:
                words, _ = self.sentence(rng, int(rng.integers(len(self.topics))), name=str(name), half=half,
                                         template=0)
                spans.append((len(doc) + 3, len(doc) + 4))  # ADJ and NOUN of "N V the A O ."
                doc += words
            k = int(rng.integers(facts))
            query = ["what", str(names[k]), doc[6 * k + 1], "?"]
            rows.append(self.encode(query, doc))
            offset = 1 + len(query) + 1  # [CLS] query [SEP]
            starts.append(offset + spans[k][0])
            ends.append(offset + spans[k][1])
        return self._pack(rows, start_positions=starts, end_positions=ends)
