"""Few-shot prompting (GPT-3, Brown et al., 2020): the task is given by examples in the prompt, not by training.

The toy: three string tasks on two-letter words over ``a``–``f`` — ``copy`` (ab → ab),
``reverse`` (ab → ba) and ``shift`` (ab → bc, each letter to the next, f → a). A small GPT
is pretrained on lines that each hold several examples of *one* task, ``"ab>ba;cf>fc;..."``,
so predicting an output well requires inferring the line's task from the examples before
it — learning in context. At test time the prompt holds k solved examples and a query,
``"ab>ba;de>ed;cf>"``, and the model's greedy continuation is scored: with k = 0 it can only
guess the task; every example in the prompt narrows it down. :func:`few_shot_accuracy`
measures accuracy against k.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.datasets.seq_tasks import CharVocab

LETTERS = "abcdef"
TASKS = ("copy", "reverse", "shift")
WORD_LEN = 2


def task_output(task: str, word: str) -> str:
    """The answer of ``task`` for ``word``."""
    if task == "copy":
        return word
    if task == "reverse":
        return word[::-1]
    if task == "shift":
        return "".join(LETTERS[(LETTERS.index(ch) + 1) % len(LETTERS)] for ch in word)
    raise ValueError(f"task_output: unknown task {task!r}; choose one of {', '.join(TASKS)}")


def random_word(rng: np.random.Generator) -> str:
    return "".join(LETTERS[i] for i in rng.integers(0, len(LETTERS), WORD_LEN))


def few_shot_prompt(task: str, words: list[str], query: str) -> str:
    """``"x1>y1;x2>y2;...;query>"``: solved examples of ``task``, then the query to complete."""
    return "".join(f"{w}>{task_output(task, w)};" for w in words) + f"{query}>"


def prompting_vocab() -> CharVocab:
    return CharVocab(sorted(LETTERS + ">;"))


def few_shot_corpus(rng: np.random.Generator, lines: int, shots: int = 5) -> list[str]:
    """Pretraining lines: ``shots`` solved examples of one random task per line."""
    out = []
    for _ in range(lines):
        task = TASKS[rng.integers(len(TASKS))]
        words = [random_word(rng) for _ in range(shots)]
        out.append("".join(f"{w}>{task_output(task, w)};" for w in words))
    return out


def encode_lines(vocab: CharVocab, lines: list[str]) -> np.ndarray:
    """``<bos>`` + line for each line (all the same length): (N, L) int64."""
    return np.array([[vocab.bos] + vocab.encode(s) for s in lines], dtype=np.int64)


def few_shot_accuracy(gpt, vocab: CharVocab, k: int, n: int = 300, seed: int = 0, task: str | None = None) -> float:
    """Exact-match accuracy of the greedy answer to a query after ``k`` solved examples (tasks drawn at random)."""
    rng = np.random.default_rng(seed)
    correct = 0
    for _ in range(n):
        t = task or TASKS[rng.integers(len(TASKS))]
        words = [random_word(rng) for _ in range(k + 1)]
        prompt = encode_lines(vocab, [few_shot_prompt(t, words[:k], words[k])])
        out = gpt.generate(prompt, WORD_LEN, strategy="greedy")
        correct += vocab.decode(out[0, prompt.shape[1]:]) == task_output(t, words[k])
    return correct / n
