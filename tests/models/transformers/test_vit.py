"""ViT: patches by convolution equal patches by reshaping, the torch twin gives the same logits and
gradients, attention maps come out per head, and the example trains on the digits to ≥ 95%."""

import runpy
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import nnlab
from nnlab.models.transformers.attention_maps import attention_maps, plot_attention
from nnlab.models.transformers.vit import PatchEmbedding, ViT
from tests.parity import assert_module_parity

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "vit_digits.py"


def test_patch_embedding_is_a_shared_linear_map_of_flattened_patches():
    nnlab.manual_seed(0)
    pe = PatchEmbedding(image_size=8, patch_size=4, in_channels=3, d_model=5, dtype=nnlab.float64)
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8))
    out = pe(nnlab.tensor(x)).detach().numpy()
    # Cut the image into 4×4 patches, row-major; flatten each as (C, P, P); multiply by W (D, C·P·P).
    patches = x.reshape(2, 3, 2, 4, 2, 4).transpose(0, 2, 4, 1, 3, 5).reshape(2, 4, 48)
    w = pe.proj.weight.detach().numpy().reshape(5, 48)
    np.testing.assert_allclose(out, patches @ w.T + pe.proj.bias.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert out.shape == (2, 4, 5) and pe.num_patches == 4


def test_shapes_parameter_count_and_errors():
    model = ViT(image_size=8, patch_size=2, in_channels=1, num_classes=10, d_model=32, depth=2, heads=4, mlp_dim=64)
    assert model(nnlab.randn(3, 1, 8, 8)).shape == (3, 10)
    D, F_, L = 32, 64, 16
    layer = 4 * D * D + 4 * D + 2 * D * F_ + F_ + D + 4 * D  # attention, MLP, two LayerNorms
    expected = (D * 4 + D) + D + (L + 1) * D + 2 * layer + 2 * D + (D * 10 + 10)
    assert sum(p.numel() for p in model.parameters()) == expected
    with pytest.raises(ValueError, match="not a multiple of patch_size"):
        ViT(image_size=8, patch_size=3)
    with pytest.raises(ValueError, match=r"expects input \(N, C, 8, 8\)"):
        model(nnlab.randn(1, 1, 6, 6))


class TorchViT(torch.nn.Module):
    """The same architecture in PyTorch, with the same state_dict names."""

    def __init__(self, d_model=16, depth=2, heads=2, mlp_dim=24):
        super().__init__()
        self.patch_embed = torch.nn.Module()
        self.patch_embed.proj = torch.nn.Conv2d(1, d_model, 2, stride=2)
        self.cls_token = torch.nn.Parameter(torch.randn(1, 1, d_model) * 0.02)
        self.pos_embed = torch.nn.Parameter(torch.randn(1, 17, d_model) * 0.02)
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, mlp_dim, dropout=0.0, activation="gelu",
                                                 batch_first=True, norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(d_model)
        self.head = torch.nn.Linear(d_model, 10)

    def forward(self, x):
        t = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), t], dim=1) + self.pos_embed
        return self.head(self.norm(self.encoder(t))[:, 0])


def test_matches_pytorch_after_copying_weights():
    torch.manual_seed(0)
    ref = TorchViT()
    model = ViT(image_size=8, patch_size=2, d_model=16, depth=2, heads=2, mlp_dim=24, dtype=nnlab.float64)
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    assert_module_parity(model, ref, x)


def test_attention_maps_per_layer_and_head(tmp_path):
    nnlab.manual_seed(0)
    model = ViT(d_model=16, depth=2, heads=2, mlp_dim=24)
    x = nnlab.randn(2, 1, 8, 8)
    with nnlab.no_grad():
        logits = model(x).detach().numpy()
    maps = attention_maps(model, x)
    assert sorted(maps) == ["encoder.layers.0.self_attn", "encoder.layers.1.self_attn"]
    w = maps["encoder.layers.1.self_attn"]
    assert w.shape == (2, 2, 17, 17)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
    # Recompute layer 0's weights by hand from its input: softmax(q kᵀ/√d) per head.
    attn = model.encoder.layers[0].self_attn
    h = model.encoder.layers[0].norm1(model.embed(x)).detach().numpy()
    wq, wk = attn.in_proj_weight.detach().numpy()[:16], attn.in_proj_weight.detach().numpy()[16:32]
    bq, bk = attn.in_proj_bias.detach().numpy()[:16], attn.in_proj_bias.detach().numpy()[16:32]
    q = (h @ wq.T + bq).reshape(2, 17, 2, 8).transpose(0, 2, 1, 3)
    k = (h @ wk.T + bk).reshape(2, 17, 2, 8).transpose(0, 2, 1, 3)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(8)
    p = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(maps["encoder.layers.0.self_attn"], p / p.sum(-1, keepdims=True), rtol=1e-4, atol=1e-6)
    # Capturing must not change what the model computes, and the model is restored afterwards.
    with nnlab.no_grad():
        np.testing.assert_allclose(model(x).detach().numpy(), logits, rtol=1e-6)
    assert "forward" not in attn.__dict__
    fig = plot_attention(w[0], x_labels=["cls"] + [f"p{i}" for i in range(16)], path=tmp_path / "att.png")
    assert len(fig.axes) == 2 * 2  # two heads, each with its colorbar
    assert (tmp_path / "att.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="3 x_labels for 17 positions"):
        plot_attention(w[0, 0], x_labels=["a", "b", "c"])


def test_example_trains_to_95_percent_on_digits():
    main = runpy.run_path(str(EXAMPLE))["main"]
    start = time.perf_counter()
    result = main(epochs=14, quiet=True)
    elapsed = time.perf_counter() - start
    assert result["test_accuracy"] >= 0.95, (result, elapsed)
