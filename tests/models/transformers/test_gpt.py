"""GPT: matches a PyTorch twin, is causal, ties its embeddings, generates the same tokens with the
key/value cache as with full recomputation, and the example learns the stdlib docstrings."""

import math
import runpy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

import nnlab
from nnlab.models.transformers.gpt import GPT
from nnlab.text import python_docstrings_corpus, split_text
from tests.parity import assert_parity, copy_weights

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "gpt_char.py"


class TorchGPT(torch.nn.Module):
    def __init__(self, V, d, nhead, layers, max_len):
        super().__init__()
        self.tok_embed = torch.nn.Embedding(V, d)
        self.pos_embed = torch.nn.Module()
        self.pos_embed.weight = torch.nn.Parameter(torch.randn(max_len, d) * 0.02)
        block = torch.nn.TransformerEncoderLayer(d, nhead, 4 * d, dropout=0.0, activation="gelu", batch_first=True,
                                                 norm_first=True)
        self.blocks = torch.nn.TransformerEncoder(block, layers, norm=torch.nn.LayerNorm(d),
                                                  enable_nested_tensor=False)
        self.lm_head = torch.nn.Linear(d, V, bias=False)
        self.lm_head.weight = self.tok_embed.weight

    def forward(self, ids):
        T = ids.shape[1]
        x = self.tok_embed(ids) + self.pos_embed.weight[:T]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype)
        return self.lm_head(self.blocks(x, mask=mask, is_causal=True))


def _gpt(seed=0, **kw):
    nnlab.manual_seed(seed)
    return GPT(13, **{**dict(d_model=16, nhead=2, layers=2, max_len=40, dropout=0.0), **kw}).eval()


def test_matches_pytorch_twin_with_tied_weights():
    torch.manual_seed(0)
    ref = TorchGPT(13, 16, 2, 2, 24).double()
    model = GPT(13, d_model=16, nhead=2, layers=2, max_len=24, dropout=0.0, dtype=nnlab.float64)
    copy_weights(model, ref)
    assert model.lm_head.weight is model.tok_embed.weight
    assert_parity(model, ref, np.random.default_rng(0).integers(0, 13, size=(2, 9)))


def test_causal_tying_init_and_loss():
    model = _gpt()
    ids = np.random.default_rng(1).integers(0, 13, size=(2, 10))
    changed = ids.copy()
    changed[:, 6] = (changed[:, 6] + 1) % 13
    with nnlab.no_grad():
        a, b = model(ids).numpy(), model(changed).numpy()
    np.testing.assert_array_equal(a[:, :6], b[:, :6])
    assert not np.allclose(a[:, 6], b[:, 6])
    untied = _gpt(tie_weights=False)
    assert untied.lm_head.weight is not untied.tok_embed.weight
    assert sum(p.numel() for p in untied.parameters()) == sum(p.numel() for p in model.parameters()) + 13 * 16
    # GPT-2 init: residual-writing projections are scaled by 1/sqrt(2 * layers).
    big = GPT(50, d_model=64, nhead=2, layers=8, max_len=16)
    assert np.std(big.blocks.layers[0].linear2.weight.detach().numpy()) == pytest.approx(0.02 / 4, rel=0.1)
    assert np.std(big.blocks.layers[0].linear1.weight.detach().numpy()) == pytest.approx(0.02, rel=0.1)
    # An untrained model predicts almost uniformly: loss ≈ ln V.
    assert model.loss(ids).item() == pytest.approx(math.log(13), rel=0.05)
    with pytest.raises(ValueError, match="exceed max_len=40"):
        model(np.zeros((1, 41), dtype=np.int64))


def test_kv_cache_gives_the_same_logits_and_tokens_as_recomputation():
    model = _gpt(2)
    prompt = np.random.default_rng(3).integers(0, 13, size=(3, 4))
    with nnlab.no_grad():
        full = model(np.concatenate([prompt, prompt[:, ::-1]], 1)).numpy()
        cache = nnlab.nn.KVCache()
        parts = [model(prompt, cache=cache).numpy()] + [model(prompt[:, ::-1][:, t : t + 1], cache=cache).numpy()
                                                        for t in range(4)]
    np.testing.assert_allclose(np.concatenate(parts, 1), full, rtol=1e-4, atol=1e-5)
    greedy = model.generate(prompt, 30, strategy="greedy")
    np.testing.assert_array_equal(greedy, model.generate(prompt, 30, strategy="greedy", use_cache=False))
    np.testing.assert_array_equal(greedy[:, :4], prompt)
    kw = dict(temperature=1.3, top_k=8, top_p=0.95)
    sampled = model.generate(prompt, 30, generator=np.random.default_rng(9), **kw)
    again = model.generate(prompt, 30, use_cache=False, generator=np.random.default_rng(9), **kw)
    np.testing.assert_array_equal(sampled, again)
    assert not np.array_equal(sampled, greedy)
    np.testing.assert_array_equal(model.generate(prompt, 10, top_k=1, generator=np.random.default_rng(0)),
                                  greedy[:, :14])  # top-k = 1 is greedy
    with pytest.raises(ValueError, match="exceed max_len=40"):
        model.generate(prompt, 37)


def test_example_learns_more_than_character_frequencies():
    chars = 40000
    train, _, test = split_text(python_docstrings_corpus(max_chars=chars))
    counts = Counter(train)
    unigram_ppl = math.exp(-np.mean([math.log(counts.get(c, 0.5) / len(train)) for c in test]))
    main = runpy.run_path(str(EXAMPLE))["main"]
    result = main(chars=chars, steps=150, d_model=32, layers=2, context=32, batch_size=32, sample_chars=20, quiet=True)
    assert result["test_ppl"] < 0.9 * unigram_ppl, (result["test_ppl"], unigram_ppl)
    assert result["cache_same_tokens"]
    assert all(s.startswith("Return the ") and len(s) == len("Return the ") + 20 for s in result["samples"].values())
