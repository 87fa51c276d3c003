"""Language-model helpers: perplexity, the sampling distribution (temperature, top-k, top-p) and ``generate``.

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
from nnlab.backend import default_generator
from nnlab.text.vocab import Vocab

__all__ = ["perplexity", "bits_per_token", "sampling_probs", "sample_next", "generate"]


def perplexity(mean_nll: float | Tensor) -> float:
    """PPL = exp(mean negative log-likelihood per token), in nats; a uniform guess over V tokens gives V."""
    return math.exp(float(mean_nll.item() if isinstance(mean_nll, Tensor) else mean_nll))


def bits_per_token(mean_nll: float | Tensor) -> float:
    """bpt = mean NLL / ln 2 (bits per character for a character model)."""
    return float(mean_nll.item() if isinstance(mean_nll, Tensor) else mean_nll) / math.log(2.0)


def sampling_probs(logits: Any, temperature: float = 1.0, top_k: int | None = None,
                   top_p: float | None = None) -> np.ndarray:
    """p = softmax(z / τ) restricted to the top-k tokens, then to the top-p nucleus, renormalized.

    The filters run in the order temperature, top-k, top-p. τ = 0 puts all mass on the
    arg max (greedy). Top-k keeps the tokens whose logit is at least the k-th largest;
    top-p keeps, in order of decreasing probability, the smallest prefix whose mass is
    ≥ p (the most likely token always stays).

    Args:
        logits: unnormalized scores z, shape (V,) or (N, V).
        temperature: τ ≥ 0. Default: 1.0.
        top_k: keep the k most likely tokens; None or 0 keeps all. Default: None.
        top_p: nucleus mass p in (0, 1]; None keeps all. Default: None.

    Returns:
        Probabilities of the logits' shape (float64, each row summing to 1).
    """
    z = np.asarray(logits.data if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"sampling_probs: logits must have shape (V,) or (N, V) with V >= 1, got {z.shape}")
    if temperature < 0:
        raise ValueError(f"sampling_probs: temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 0:
        raise ValueError(f"sampling_probs: top_k must be >= 0, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"sampling_probs: top_p must lie in (0, 1], got {top_p}")
    z2 = np.atleast_2d(z)
    if temperature == 0:
        probs = np.zeros_like(z2)
        probs[np.arange(len(z2)), z2.argmax(axis=-1)] = 1.0
        return probs.reshape(z.shape)
    z2 = z2 / temperature
    if top_k:
        cut = z2.shape[-1] - min(top_k, z2.shape[-1])
        kth = np.partition(z2, cut, axis=-1)[:, cut:cut + 1]  # the k-th largest logit per row
        z2 = np.where(z2 >= kth, z2, -np.inf)
    e = np.exp(z2 - z2.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_p = np.take_along_axis(probs, order, axis=-1)
        # Keep token j while the mass of the tokens ranked before it is still < p.
        before = np.cumsum(sorted_p, axis=-1) - sorted_p
        keep_sorted = before < top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    return probs.reshape(z.shape)


def sample_next(logits: Any, strategy: str = "sample", temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: np.random.Generator | None = None) -> np.ndarray:
    """The next token per row: arg max z (``'greedy'``) or a draw from :func:`sampling_probs` (``'sample'``).

    Args:
        logits: (V,) or (N, V).
        strategy: ``'greedy'`` or ``'sample'``. Default: ``'sample'``.
        temperature, top_k, top_p: see :func:`sampling_probs`.
        generator: the random source. Default: nnlab's global generator.

    Returns:
        int64 indices, shape () or (N,).
    """
    z = np.asarray(logits.data if isinstance(logits, Tensor) else logits)
    if strategy == "greedy":
        return np.asarray(z.argmax(axis=-1), dtype=np.int64)
    if strategy != "sample":
        raise ValueError(f"sample_next: strategy must be 'greedy' or 'sample', got {strategy!r}")
    probs = np.atleast_2d(sampling_probs(z, temperature, top_k, top_p))
    rng = default_generator() if generator is None else generator
    u = rng.random(len(probs))[:, None]
    # Inverse CDF: the first index whose cumulative mass exceeds u (clamped against round-off).
    idx = np.minimum((np.cumsum(probs, axis=-1) <= u).sum(axis=-1), probs.shape[-1] - 1)
    # Round-off could land on a filtered (zero-probability) index; step back to a kept one.
    bad = probs[np.arange(len(idx)), idx] == 0
    if bad.any():
        idx[bad] = probs[bad].argmax(axis=-1)
    return idx.astype(np.int64).reshape(z.shape[:-1])


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
                logits, hidden = model(Tensor._wrap(np.asarray([ids], dtype=np.int64)), None)
                for _ in range(max_new_tokens):
                    nxt = int(sample_next(logits.data[0, -1], **pick))
                    if stop_at_eos and nxt == vocab.eos_index:
                        break
                    new.append(nxt)
                    logits, hidden = model(Tensor._wrap(np.asarray([[nxt]], dtype=np.int64)), hidden)
            else:
                fill = vocab.bos_index if vocab.bos_index is not None else vocab.pad_index
                if fill is None and len(ids) < window:
                    raise ValueError(f"generate: the prompt has {len(ids)} tokens, the model reads {window}, "
                                     "and the vocabulary has no <bos>/<pad> token to pad with")
                context = [fill] * max(0, window - len(ids)) + ids
                for _ in range(max_new_tokens):
                    x = Tensor._wrap(np.asarray([context[-window:]], dtype=np.int64))
                    nxt = int(sample_next(model(x).data[0], **pick))
                    if stop_at_eos and nxt == vocab.eos_index:
                        break
                    new.append(nxt)
                    context.append(nxt)
    finally:
        model.train(was_training)
    out = tokens + vocab.decode(new)
    detok = getattr(tokenizer, "detokenize", None)
    return detok(out) if detok is not None else "".join(out)
