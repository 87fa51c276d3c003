"""RLHF steps 1 and 2 (InstructGPT, Ouyang et al., 2022) on nnlab's GPT: supervised fine-tuning, a reward model.

1. **Supervised fine-tuning (SFT)**: the pretrained language model is trained further, by
   next-token cross-entropy, on demonstrations of the wanted behaviour — the loss counts
   only the demonstrated completion, not the prompt.
2. **Reward model (RM)**: a copy of the model with a scalar head reads a prompt and
   completion and returns r(x, y). It learns from comparisons — "y_w is better than y_l" —
   with the Bradley–Terry model P(y_w ≻ y_l) = σ(r(x, y_w) − r(x, y_l)), i.e. the loss
   −log σ(r_w − r_l). Only differences of rewards are learned, so r is defined up to a shift.

Step 3, PPO against the reward model with a KL penalty, is in :mod:`nnlab.rl.rlhf_ppo`.
Every loop runs through the ``Trainer`` with step functions.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab import functional as F
from nnlab import nn, optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.models import GPT
from nnlab.ops.creation import as_tensor
from nnlab.rl.rlhf_data import SUBJECTS, ReviewWorld, labeller_prefers
from nnlab.train import History, Trainer


def clone_gpt(gpt: GPT, dropout: float = 0.0) -> GPT:
    """A new GPT of the same architecture holding a copy of ``gpt``'s weights."""
    layer = gpt.blocks.layers[0]
    copy = GPT(gpt.vocab_size, d_model=gpt.tok_embed.weight.shape[1], nhead=layer.self_attn.num_heads,
               layers=len(gpt.blocks.layers), max_len=gpt.max_len, dim_feedforward=layer.linear1.out_features,
               dropout=dropout, tie_weights=gpt.tie_weights)
    copy.load_state_dict(gpt.state_dict())
    return copy


def logits_and_hidden(gpt: GPT, ids) -> tuple[Tensor, Tensor]:
    """The GPT's logits (N, T, V) and its final hidden states (N, T, D) — the input of ``lm_head`` — in one pass."""
    captured = []
    handle = gpt.blocks.register_forward_hook(lambda module, args, out: captured.append(out))
    try:
        logits = gpt(ids)
    finally:
        handle.remove()
    return logits, captured[0]


def masked_lm_loss(gpt: GPT, ids: np.ndarray, mask: np.ndarray | None = None) -> Tensor:
    """Mean next-token cross-entropy over the target positions where ``mask`` is True (all when None).

    Shape: ids (N, T) int, mask (N, T) bool marking the *tokens to predict*.
    """
    ids = np.asarray(ids, dtype=np.int64)
    targets = ids[:, 1:].copy()
    if mask is not None:
        targets[~np.asarray(mask, bool)[:, 1:]] = -100
    logits = gpt(ids[:, :-1])
    return F.cross_entropy(logits.reshape(-1, gpt.vocab_size), as_tensor(targets.reshape(-1)), ignore_index=-100)


def _lm_step(trainer: Trainer, batch) -> Tensor:
    ids, mask = (b.array if isinstance(b, Tensor) else b for b in batch)
    return masked_lm_loss(trainer.model, ids, mask)


def train_lm(gpt: GPT, ids: np.ndarray, mask: np.ndarray | None = None, epochs: int = 5, batch_size: int = 32,
             lr: float = 3e-3, quiet: bool = True) -> History:
    """Language-model training (pretraining, or SFT when ``mask`` marks the completions) through the Trainer."""
    mask = np.ones(ids.shape, bool) if mask is None else mask
    loader = DataLoader(TensorDataset(np.asarray(ids, np.int64), np.asarray(mask, bool)), batch_size=batch_size,
                        shuffle=True)
    opt = optim.AdamW(gpt.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.01)
    return Trainer(gpt, optimizer=opt, step_fn=_lm_step, grad_clip=1.0, quiet=quiet).fit(loader, epochs=epochs)


def sample_completions(world: ReviewWorld, gpt: GPT, subjects, rng: np.random.Generator,
                       temperature: float = 1.0) -> np.ndarray:
    """Prompts ``<bos> subject`` completed by sampling up to ``max_len``; tokens after the first ``<eos>`` become ``<pad>``.

    Shape: → (N, max_len) int64.
    """
    prompts = world.encode_prompt(subjects)
    ids = gpt.generate(prompts, world.max_len - world.prompt_len, strategy="sample", temperature=temperature,
                       generator=rng)
    after = ~world.completion_mask(ids)
    after[:, : world.prompt_len] = False
    ids[after] = world.vocab.pad
    return ids


def last_token_index(world: ReviewWorld, ids: np.ndarray) -> np.ndarray:
    """Index of each row's last completion token (its ``<eos>``, or the final position)."""
    mask = world.completion_mask(ids)
    return mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)


class RewardModel(nn.Module):
    """r(x, y) = w · h_last + b: a GPT's final hidden state at the completion's last token, to a scalar.

    Args:
        gpt: the transformer to start from (copied; InstructGPT starts the RM from the SFT model).

    Shape:
        ids (N, T), last (N,) index of each row's last token → (N,) rewards.

    Attributes:
        gpt: the copied GPT. head: Linear(D, 1), weight N(0, 0.02²), bias 0.
    """

    def __init__(self, gpt: GPT):
        super().__init__()
        self.gpt = clone_gpt(gpt)
        d = self.gpt.tok_embed.weight.shape[1]
        self.head = nn.Linear(d, 1)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def forward(self, ids, last) -> Tensor:
        _, hidden = logits_and_hidden(self.gpt, ids)
        last = np.asarray(last, dtype=np.int64)
        return self.head(hidden[np.arange(len(last)), last]).reshape(-1)


def bradley_terry_loss(r_chosen: Tensor, r_rejected: Tensor) -> Tensor:
    """−mean log σ(r_w − r_l): the negative log-likelihood of the comparisons under Bradley–Terry.

    ∂/∂r_w = −σ(r_l − r_w)/N and ∂/∂r_l = +σ(r_l − r_w)/N: a pair already ranked by a wide
    margin contributes almost nothing; a mis-ranked pair pushes the two rewards apart.
    """
    if r_chosen.shape != r_rejected.shape:
        raise ValueError(f"bradley_terry_loss: reward shapes differ, {tuple(r_chosen.shape)} vs "
                         f"{tuple(r_rejected.shape)}")
    diff = r_chosen - r_rejected
    return F.binary_cross_entropy_with_logits(diff, as_tensor(np.ones(diff.shape, dtype=diff.dtype)))


def rank_pairs(world: ReviewWorld, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labeller's verdict on each pair of rows of a and b: ``(chosen, rejected)``, ties dropped."""
    pref = np.array([labeller_prefers(x, y) for x, y in zip(world.completions(a), world.completions(b))])
    keep = pref != 0.5
    first = (pref == 1.0)[keep]
    a, b = a[keep], b[keep]
    return np.where(first[:, None], a, b), np.where(first[:, None], b, a)


def preference_pairs(world: ReviewWorld, gpt: GPT, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Comparison data: two sampled completions per prompt, ranked by the labeller; ties dropped.

    Returns ``(chosen, rejected)`` id arrays (M, max_len) with M ≤ n.
    """
    subjects = [world_subject(rng) for _ in range(n)]
    return rank_pairs(world, sample_completions(world, gpt, subjects, rng), sample_completions(world, gpt, subjects, rng))


def world_subject(rng: np.random.Generator) -> str:
    """A random prompt subject."""
    return SUBJECTS[rng.integers(len(SUBJECTS))]


def _reward_step(world: ReviewWorld):
    def step(trainer: Trainer, batch) -> dict:
        chosen, rejected = (b.array if isinstance(b, Tensor) else b for b in batch)
        both = np.concatenate([chosen, rejected])
        r = trainer.model(both, last_token_index(world, both))
        r_c, r_r = r[: len(chosen)], r[len(chosen):]
        loss = bradley_terry_loss(r_c, r_r)
        return {"loss": loss, "accuracy": float(np.mean(r_c.array > r_r.array))}

    return step


def train_reward_model(world: ReviewWorld, rm: RewardModel, chosen: np.ndarray, rejected: np.ndarray,
                       epochs: int = 3, batch_size: int = 32, lr: float = 1e-3,
                       dev: tuple[np.ndarray, np.ndarray] | None = None, quiet: bool = True) -> History:
    """Fit the reward model to comparisons with the Bradley–Terry loss; ``val_accuracy`` on ``dev`` pairs."""
    loader = DataLoader(TensorDataset(chosen, rejected), batch_size=batch_size, shuffle=True)
    dev_loader = DataLoader(TensorDataset(*dev), batch_size=256) if dev is not None else None
    opt = optim.AdamW(rm.parameters(), lr=lr, weight_decay=0.01)
    trainer = Trainer(rm, optimizer=opt, step_fn=_reward_step(world), grad_clip=1.0, quiet=quiet)
    return trainer.fit(loader, dev_loader, epochs=epochs)


def rewards_of(world: ReviewWorld, rm: RewardModel, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """r(x, y) for each row of ``ids`` (N,), without gradients."""
    out = []
    rm.eval()
    with no_grad():
        for i in range(0, len(ids), batch_size):
            chunk = ids[i:i + batch_size]
            out.append(rm(chunk, last_token_index(world, chunk)).array)
    return np.concatenate(out) if out else np.zeros(0)


def pairwise_accuracy(world: ReviewWorld, rm: RewardModel, chosen: np.ndarray, rejected: np.ndarray) -> float:
    """Fraction of held-out comparisons the reward model ranks as the labeller did."""
    if len(chosen) == 0:
        return math.nan
    return float(np.mean(rewards_of(world, rm, chosen) > rewards_of(world, rm, rejected)))
