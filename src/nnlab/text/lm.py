"""Language-model helpers: perplexity, the sampling distribution (temperature, top-k, top-p) and ``generate``.

The sampling distribution and the next-token draw live with the models that generate
(:mod:`nnlab.models.sampling`, re-exported here).

"Sampling novel sequences": feed a prompt, then repeatedly pick the next token from the
model's distribution p(x_{t+1} | x_{≤t}) and feed it back in. Greedy decoding takes the
arg max; sampling draws from softmax(z / τ), optionally restricted to the k most likely
tokens (top-k) or to the smallest set holding probability mass ≥ p (top-p, nucleus).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.models.sampling import sample_next, sampling_probs
from nnlab.ops.creation import from_numpy
from nnlab.data.vocab import Vocab

__all__ = ["perplexity", "bits_per_token", "sampling_probs", "sample_next", "generate"]


def perplexity(mean_nll: float | Tensor) -> float:
    """PPL = exp(mean negative log-likelihood per token), in nats; a uniform guess over V tokens gives V."""
    return math.exp(float(mean_nll.item() if isinstance(mean_nll, Tensor) else mean_nll))


def bits_per_token(mean_nll: float | Tensor) -> float:
    """bpt = mean NLL / ln 2 (bits per character for a character model)."""
    return float(mean_nll.item() if isinstance(mean_nll, Tensor) else mean_nll) / math.log(2.0)


def _prompt_tokens(prompt: str | Sequence[str], tokenizer: Callable | None) -> list[str]:
    if isinstance(prompt, str):
        return list(tokenizer(prompt)) if tokenizer is not None else list(prompt)
    return list(prompt)


def generate(model: Any, vocab: Vocab, prompt: str | Sequence[str], max_new_tokens: int, strategy: str = "greedy",
             temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
             generator: np.random.Generator | None = None, tokenizer: Callable | None = None,
             stop_at_eos: bool = True) -> str:
    """prompt + x_1 … x_m, with x_{t+1} ~ p(· | prompt, x_≤t) from ``model`` (m ≤ max_new_tokens).

    Two model protocols are accepted:

    - recurrent: ``model(tokens, hidden) -> (logits, hidden)`` with tokens (N, T) int64 and
      logits (N, T, V); the prompt is read once, then one token per step with the carried state;
    - fixed window: the model has an int ``context_size`` n and ``model(tokens) -> logits``
      with tokens (N, n), logits (N, V) (a Bengio-style model); short prompts are left-padded
      with ``<bos>`` (or ``<pad>``).

    Args:
        model: the language model (put in eval mode for the call, then restored).
        vocab: the :class:`Vocab` mapping tokens to the model's indices.
        prompt: the start, a str (split by ``tokenizer``; characters by default) or a token list;
            must not be empty for a recurrent model.
        max_new_tokens: m, how many tokens to append at most.
        strategy: ``'greedy'`` (default) or ``'sample'``.
        temperature, top_k, top_p: see :func:`sampling_probs` (sampling only).
        generator: the random source for sampling. Default: nnlab's global generator.
        tokenizer: splits a str prompt and, through its ``detokenize``, joins the result.
            Default: None (characters; tokens joined with no separator).
        stop_at_eos: stop after producing ``<eos>`` (which is not appended). Default: True.

    Returns:
        The prompt followed by the generated text.
    """
    if max_new_tokens < 0:
        raise ValueError(f"generate: max_new_tokens must be >= 0, got {max_new_tokens}")
    tokens = _prompt_tokens(prompt, tokenizer)
    ids = vocab.encode(tokens)
    window = getattr(model, "context_size", None)
    if window is None and not ids:
        raise ValueError("generate: a recurrent model needs a non-empty prompt")
    pick = dict(strategy=strategy, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
    new: list[int] = []
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            if window is None:
                logits, hidden = model(from_numpy(np.asarray([ids], dtype=np.int64)), None)
                for _ in range(max_new_tokens):
                    nxt = int(sample_next(logits.array[0, -1], **pick))
                    if stop_at_eos and nxt == vocab.eos_index:
                        break
                    new.append(nxt)
                    logits, hidden = model(from_numpy(np.asarray([[nxt]], dtype=np.int64)), hidden)
            else:
                fill = vocab.bos_index if vocab.bos_index is not None else vocab.pad_index
                if fill is None and len(ids) < window:
                    raise ValueError(f"generate: the prompt has {len(ids)} tokens, the model reads {window}, "
                                     "and the vocabulary has no <bos>/<pad> token to pad with")
                context = [fill] * max(0, window - len(ids)) + ids
                for _ in range(max_new_tokens):
                    x = from_numpy(np.asarray([context[-window:]], dtype=np.int64))
                    nxt = int(sample_next(model(x).array[0], **pick))
                    if stop_at_eos and nxt == vocab.eos_index:
                        break
                    new.append(nxt)
                    context.append(nxt)
    finally:
        model.train(was_training)
    out = tokens + vocab.decode(new)
    detok = getattr(tokenizer, "detokenize", None)
    return detok(out) if detok is not None else "".join(out)
