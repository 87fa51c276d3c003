"""Vision Transformer (Dosovitskiy et al., 2021, "An Image is Worth 16x16 Words: Transformers
for Image Recognition at Scale"): an image cut into patches is a sequence of tokens."""

from __future__ import annotations

import numpy as np

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.ops.movement import cat


class PatchEmbedding(nn.Module):
    """tokens = flatten(Conv2d_{k=s=P}(x))ᵀ: each non-overlapping P×P patch → one D-vector.

    A convolution whose kernel and stride both equal the patch size is exactly
    "cut into patches, flatten each patch (C·P·P values) and apply one shared Linear":
    the two share weights through ``weight.reshape(D, C·P·P)``.

    Args:
        image_size: H = W of the input (must be a multiple of ``patch_size``).
        patch_size: P.
        in_channels: C.
        d_model: D, the token width.

    Shape:
        input (N, C, H, W); output (N, L, D) with L = (H / P)·(W / P) patches, row-major.

    Attributes:
        proj: Conv2d(C, D, kernel_size=P, stride=P), weight (D, C, P, P), PyTorch's default init.
    """

    def __init__(self, image_size: int, patch_size: int, in_channels: int, d_model: int, dtype=None):
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError(f"PatchEmbedding: image_size {image_size} is not a multiple of patch_size {patch_size}")
        self.image_size, self.patch_size = int(image_size), int(patch_size)
        self.num_patches = (image_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_channels, d_model, kernel_size=patch_size, stride=patch_size, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"PatchEmbedding: expects input (N, C, {self.image_size}, {self.image_size}), "
                             f"got shape {tuple(x.shape)}")
        y = self.proj(x)                                  # (N, D, H/P, W/P)
        return y.flatten(2).transpose(1, 2)               # (N, L, D)


class ViT(nn.Module):
    """logits = head(LN(Encoder([x_cls; E·patches] + E_pos))[:, 0]).

    The recipe of the paper: split the image into P×P patches, embed each linearly
    (:class:`PatchEmbedding`), prepend a learned class token, add learned position
    embeddings, run a pre-norm Transformer encoder (``nn.TransformerEncoderLayer`` with
    ``norm_first=True``, GELU MLP) and classify from the class token's final state.

    Args:
        image_size: H = W (default 8, the bundled digits).
        patch_size: P (default 2: a 4×4 grid of 16 patches for 8×8 digits).
        in_channels: C (default 1).
        num_classes: K (default 10).
        d_model: D (default 64).
        depth: encoder layers (default 4).
        heads: attention heads (default 4).
        mlp_dim: hidden width of each layer's MLP (default 128).
        dropout: dropout in attention and MLP (default 0.0).
        emb_dropout: dropout on the embedded tokens (default 0.0).
        dtype: parameter dtype (default float32).

    Shape:
        input (N, C, H, W); output (N, K) logits.

    Attributes:
        patch_embed: :class:`PatchEmbedding`.
        cls_token: (1, 1, D), N(0, 0.02²) truncated at ±2σ (the reference code's init).
        pos_embed: (1, L + 1, D), likewise.
        encoder: ``nn.TransformerEncoder`` of ``depth`` pre-norm layers.
        norm: final LayerNorm(D); head: Linear(D, K).
    """

    def __init__(self, image_size: int = 8, patch_size: int = 2, in_channels: int = 1, num_classes: int = 10,
                 d_model: int = 64, depth: int = 4, heads: int = 4, mlp_dim: int = 128, dropout: float = 0.0,
                 emb_dropout: float = 0.0, dtype=None):
        super().__init__()
        if d_model % heads != 0:
            raise ValueError(f"ViT: d_model={d_model} is not divisible by heads={heads}")
        dt = as_dtype(dtype)
        self.patch_embed = PatchEmbedding(image_size, patch_size, in_channels, d_model, dtype=dt)
        n_tokens = self.patch_embed.num_patches + 1
        self.cls_token = nn.Parameter(np.zeros((1, 1, d_model), dtype=dt))
        self.pos_embed = nn.Parameter(np.zeros((1, n_tokens, d_model), dtype=dt))
        self.dropout = nn.Dropout(emb_dropout)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=mlp_dim, dropout=dropout,
                                           activation="gelu", batch_first=True, norm_first=True, dtype=dt)
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d_model, dtype=dt)
        self.head = nn.Linear(d_model, num_classes, dtype=dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Class token and position embeddings ~ N(0, 0.02²) truncated at ±2σ; other layers keep their defaults."""
        nn.init.trunc_normal_(self.cls_token, std=0.02, a=-0.04, b=0.04)
        nn.init.trunc_normal_(self.pos_embed, std=0.02, a=-0.04, b=0.04)

    def embed(self, x: Tensor) -> Tensor:
        """The encoder's input: class token + patch tokens, plus position embeddings. (N, L+1, D)."""
        tokens = self.patch_embed(x)
        cls = self.cls_token.expand(tokens.shape[0], 1, tokens.shape[2])
        return self.dropout(cat([cls, tokens], dim=1) + self.pos_embed)

    def forward_features(self, x: Tensor) -> Tensor:
        """Final normalized token states (N, L+1, D)."""
        return self.norm(self.encoder(self.embed(x)))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.forward_features(x)[:, 0])
