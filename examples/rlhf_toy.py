"""InstructGPT's three steps at toy scale on nnlab's own character GPT, with and without the KL penalty.

Run: python examples/rlhf_toy.py [--iterations 40] [--out rlhf_toy.png]

0. Pretrain a small character GPT on a stream of one-sentence reviews of mixed sentiment.
1. SFT: fine-tune it on demonstrations ``<bos> subject completion <eos>`` (loss on the completion).
2. Reward model: sample two completions per prompt from the SFT model, let the programmatic
   labeller (prefers positive, intense, well-formed reviews) pick one, fit the RM with the
   Bradley–Terry loss; report its pairwise accuracy on held-out comparisons.
3. PPO against the RM with a per-token KL penalty (β = 0.3) to the frozen SFT model, and
   once more with β = 0. Report RM score, KL, the labeller's score, the fraction of
   well-formed reviews and the win rate against the SFT model; plot the curves.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab.models import GPT
from nnlab.rl.rlhf import (
    RewardModel, pairwise_accuracy, preference_pairs, sample_completions, train_lm, train_reward_model,
)
from nnlab.rl.rlhf_data import ReviewWorld, is_well_formed, labeller_score, sample_review
from nnlab.rl.rlhf_ppo import RLHF, RLHFConfig, win_rate


def pretraining_windows(world: ReviewWorld, rng: np.random.Generator, n: int) -> np.ndarray:
    """Windows of ``max_len`` characters from a stream of reviews separated by spaces (no <bos>/<eos>)."""
    text = " ".join(sample_review(rng) for _ in range(n * 2))
    ids = np.array(world.vocab.encode(text), dtype=np.int64)
    starts = rng.integers(0, len(ids) - world.max_len, n)
    return ids[starts[:, None] + np.arange(world.max_len)]


def describe(world: ReviewWorld, gpt: GPT, rng: np.random.Generator, n: int = 200) -> dict:
    texts = world.completions(sample_completions(world, gpt, ["the food"] * n, rng))
    return {"labeller": float(np.mean([labeller_score(t) for t in texts])),
            "well_formed": float(np.mean([is_well_formed(t) for t in texts])), "examples": texts[:4]}


def main(iterations: int = 40, seed: int = 0, out: str | None = "rlhf_toy.png", quiet: bool = True) -> dict:
    nnlab.manual_seed(seed)
    rng = np.random.default_rng(seed)
    world = ReviewWorld.build()
    start = time.perf_counter()
    gpt = GPT(len(world.vocab), d_model=64, nhead=4, layers=2, max_len=world.max_len, dropout=0.0)
    train_lm(gpt, pretraining_windows(world, rng, 3000), epochs=4, quiet=quiet)
    print(f"pretrained ({time.perf_counter() - start:.0f} s)")

    demos = [sample_review(rng) for _ in range(2000)]
    demo_ids = world.encode_reviews(demos)
    demo_mask = world.completion_mask(demo_ids)
    sft_history = train_lm(gpt, demo_ids, demo_mask, epochs=3, lr=1e-3, quiet=quiet)
    sft_stats = describe(world, gpt, rng)
    print(f"SFT: loss {sft_history['loss'][-1]:.3f}; labeller score {sft_stats['labeller']:.2f}, "
          f"well-formed {sft_stats['well_formed']:.2f}; e.g. {sft_stats['examples']} ({time.perf_counter() - start:.0f} s)")

    chosen, rejected = preference_pairs(world, gpt, 1600, rng)
    split = int(0.8 * len(chosen))
    rm = RewardModel(gpt)
    rm_history = train_reward_model(world, rm, chosen[:split], rejected[:split], epochs=3,
                                    dev=(chosen[split:], rejected[split:]), quiet=quiet)
    rm_acc = pairwise_accuracy(world, rm, chosen[split:], rejected[split:])
    print(f"reward model: {split} training pairs, held-out pairwise accuracy {rm_acc:.3f} "
          f"(train {rm_history['accuracy'][-1]:.3f}) ({time.perf_counter() - start:.0f} s)")

    results = {"sft": sft_stats, "rm_heldout_accuracy": rm_acc, "rm_pairs": int(len(chosen))}
    for beta in (0.3, 0.0):
        agent = RLHF(world, gpt, rm, RLHFConfig(beta=beta, seed=seed))
        hist = agent.train(iterations, quiet=quiet)
        stats = describe(world, agent.policy.gpt, rng)
        wr = win_rate(world, agent.policy.gpt, gpt)
        results[f"beta={beta}"] = {"history": {k: hist[k] for k in ("score", "kl", "labeller", "well_formed")},
                                   "final": stats, "win_rate": wr}
        print(f"PPO β={beta}: RM score {hist['score'][0]:.2f} → {hist['score'][-1]:.2f}, KL {hist['kl'][0]:.2f} → "
              f"{hist['kl'][-1]:.2f}, labeller {hist['labeller'][0]:.2f} → {hist['labeller'][-1]:.2f}, "
              f"well-formed {hist['well_formed'][-1]:.2f}, win rate vs SFT {wr:.2f}; e.g. {stats['examples']} "
              f"({time.perf_counter() - start:.0f} s)")
    if out:
        plot(results, out)
    return results


def plot(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    for key, style in (("beta=0.3", "-"), ("beta=0.0", "--")):
        h = results[key]["history"]
        for ax, name in zip(axes, ("score", "kl", "labeller", "well_formed")):
            ax.plot(h[name], style, label=key.replace("beta", "β"))
            ax.set_title({"score": "reward-model score", "kl": "KL to SFT model (nats)", "labeller": "labeller score",
                          "well_formed": "well-formed fraction"}[name])
            ax.set_xlabel("PPO iteration")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="rlhf_toy.png")
    a = p.parse_args()
    main(a.iterations, a.seed, a.out)
