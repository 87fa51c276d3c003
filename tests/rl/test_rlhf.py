"""RLHF: Bradley–Terry loss and gradient, per-token KL and penalized rewards by hand, the labeller, small runs."""

import numpy as np
import pytest

import nnlab
from nnlab.models import GPT
from nnlab.rl.rlhf import (
    RewardModel, bradley_terry_loss, clone_gpt, last_token_index, masked_lm_loss, rank_pairs, train_lm,
    train_reward_model,
)
from nnlab.rl.rlhf_data import ReviewWorld, is_well_formed, labeller_prefers, labeller_score, sample_review
from nnlab.rl.rlhf_ppo import RLHF, RLHFConfig, kl_penalized_rewards, per_token_kl, token_logprobs


def test_bradley_terry_loss_and_gradient_by_hand():
    rc = nnlab.Tensor(np.array([2.0, 0.0, -1.0]), requires_grad=True)
    rr = nnlab.Tensor(np.array([1.0, 0.0, 1.0]), requires_grad=True)
    loss = bradley_terry_loss(rc, rr)
    d = np.array([1.0, 0.0, -2.0])
    sig = 1 / (1 + np.exp(-d))
    assert float(loss.array) == pytest.approx(-np.mean(np.log(sig)))
    loss.backward()
    np.testing.assert_allclose(rc.grad.array, -(1 - sig) / 3)
    np.testing.assert_allclose(rr.grad.array, (1 - sig) / 3)
    with pytest.raises(ValueError, match="reward shapes differ"):
        bradley_terry_loss(rc, nnlab.ones(2))


def test_per_token_kl_and_penalized_rewards_by_hand():
    logp = np.log(np.array([[0.5, 0.4, 0.9, 0.3], [0.2, 0.5, 0.5, 0.5]]))
    ref = np.log(np.array([[0.5, 0.2, 0.3, 0.3], [0.4, 0.5, 0.25, 0.5]]))
    mask = np.array([[False, True, True, False], [True, True, True, True]])
    kl = per_token_kl(logp, ref, mask)
    np.testing.assert_allclose(kl, [[0, np.log(2), np.log(3), 0], [np.log(0.5), 0, np.log(2), 0]])
    r = kl_penalized_rewards([1.0, -2.0], logp, ref, mask, beta=0.5)
    np.testing.assert_allclose(r, [[0, -0.5 * np.log(2), -0.5 * np.log(3) + 1.0, 0],
                                   [-0.5 * np.log(0.5), 0, -0.5 * np.log(2), -2.0]])
    with pytest.raises(ValueError, match="per_token_kl: shapes differ"):
        per_token_kl(logp, ref[:, :3], mask)


def test_token_logprobs_match_log_softmax():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 3, 5))
    ids = rng.integers(0, 5, (2, 4))
    got = token_logprobs(nnlab.as_tensor(logits), ids).array
    lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = np.array([[lsm[n, t, ids[n, t + 1]] for t in range(3)] for n in range(2)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_labeller_and_world_encoding():
    assert labeller_score(" was very good.") == 1.5 and labeller_score(" is bad.") == -1.0
    assert labeller_score(" was goood.") == -2.0 and not is_well_formed(" was good")
    assert labeller_prefers(" is ok.", " is dull.") == 1.0 and labeller_prefers(" is ok.", " was new.") == 0.5
    world = ReviewWorld.build()
    ids = world.encode_reviews(["the food was ok."])
    mask = world.completion_mask(ids)
    assert world.completions(ids) == [" was ok."]
    assert mask.sum() == len(" was ok.") + 1 and ids[0][mask[0]][-1] == world.vocab.eos
    assert last_token_index(world, ids)[0] == world.prompt_len + len(" was ok.")


def _tiny_world_and_sft():
    nnlab.manual_seed(0)
    rng = np.random.default_rng(0)
    world = ReviewWorld.build()
    gpt = GPT(len(world.vocab), d_model=32, nhead=2, layers=1, max_len=world.max_len, dropout=0.0)
    ids = world.encode_reviews([sample_review(rng) for _ in range(256)])
    mask = world.completion_mask(ids)
    before = float(masked_lm_loss(gpt, ids, mask).array)
    history = train_lm(gpt, ids, mask, epochs=6, lr=3e-3)
    return world, gpt, rng, before, history


def test_sft_reward_model_and_ppo_run_small():
    world, gpt, rng, before, history = _tiny_world_and_sft()
    assert history["loss"][-1] < 0.5 * before
    a = world.encode_reviews([sample_review(rng, "the food") for _ in range(128)])
    b = world.encode_reviews([sample_review(rng, "the food") for _ in range(128)])
    chosen, rejected = rank_pairs(world, a, b)
    assert 60 < len(chosen) < 128  # ties dropped
    assert all(labeller_prefers(a, b) == 1.0 for a, b in zip(world.completions(chosen), world.completions(rejected)))
    rm = RewardModel(gpt)
    rm_hist = train_reward_model(world, rm, chosen, rejected, epochs=4, batch_size=16, lr=1e-3)
    assert rm_hist["loss"][-1] < rm_hist["loss"][0] and rm_hist["loss"][0] == pytest.approx(np.log(2), abs=0.05)
    agent = RLHF(world, gpt, rm, RLHFConfig(batch=16, minibatch=16, epochs=1, beta=0.1))
    history = agent.train(2)
    assert history["kl"][0] == pytest.approx(0.0, abs=1e-5)  # the first rollout comes from π = π_ref
    assert np.isfinite(history["policy_loss"]).all() and 0.0 <= history["well_formed"][-1] <= 1.0
    # the policy changed, the frozen reference did not
    assert not np.allclose(agent.policy.gpt.tok_embed.weight.array, gpt.tok_embed.weight.array)
    np.testing.assert_array_equal(agent.ref.tok_embed.weight.array, gpt.tok_embed.weight.array)


def test_clone_gpt_copies_weights_not_storage():
    gpt = GPT(10, d_model=16, nhead=2, layers=1, max_len=8)
    copy = clone_gpt(gpt)
    ids = np.array([[1, 2, 3]])
    gpt.eval()
    np.testing.assert_allclose(copy(ids).array, gpt(ids).array, rtol=1e-6)
    copy.tok_embed.weight.array[:] = 0
    assert np.abs(gpt.tok_embed.weight.array).sum() > 0
