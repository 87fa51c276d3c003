"""GPT's parameter counter against built models and the published GPT-2 / GPT-3 sizes; a toy scaling law."""

import pytest

import nnlab
from nnlab.lessons.scaling_laws import power_law_fit, scaling_run
from nnlab.models import GPT, GPT_CONFIGS


@pytest.mark.parametrize("kw", [dict(vocab_size=13, d_model=16, layers=2, max_len=40),
                                dict(vocab_size=50, d_model=24, layers=3, max_len=8, tie_weights=False),
                                dict(vocab_size=7, d_model=8, layers=1, max_len=5, dim_feedforward=20)])
def test_counter_equals_the_built_model(kw):
    nnlab.manual_seed(0)
    assert GPT.count_parameters(**kw) == GPT(nhead=2, **kw).num_parameters()


def test_published_sizes():
    counts = {name: GPT.count_parameters(**cfg) for name, cfg in GPT_CONFIGS.items()}
    assert counts["gpt2"] == 124_439_808  # "124M" (GPT-2 small; the paper's table rounds it to 117M)
    assert counts["gpt2-medium"] == 354_823_168
    assert counts["gpt2-large"] == 774_030_080
    assert counts["gpt2-xl"] == 1_557_611_200  # "1.5B"
    assert counts["gpt3-175b"] == 174_604_259_328  # "175B"
    # the 12·layers·d² rule of thumb (blocks only) is within 1% for GPT-3
    cfg = GPT_CONFIGS["gpt3-175b"]
    assert abs(12 * cfg["layers"] * cfg["d_model"] ** 2 / counts["gpt3-175b"] - 1) < 0.01


def test_bigger_models_reach_lower_loss_on_the_docstrings():
    pts = scaling_run(sizes=((8, 1), (16, 1), (32, 2)), steps=80, chars=40_000, context=32)
    params = [p.params for p in pts]
    losses = [p.valid_loss for p in pts]
    assert params == sorted(params)
    assert losses[0] - losses[1] > 0.02 and losses[1] - losses[2] > 0.1  # measured 3.31 → 3.25 → 3.07
    alpha, _ = power_law_fit(pts)
    assert alpha > 0.015  # measured 0.028
