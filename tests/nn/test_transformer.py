"""Transformer layers, stacks and positional encodings: torch parity, KV-cache decoding, values by hand."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
import nnlab.functional as F
from tests.parity import assert_module_parity, assert_parity, copy_weights, to_nnlab

T = torch.nn
rng = np.random.default_rng(0)
LAYER = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)


def _causal(n):
    return T.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
@pytest.mark.parametrize("batch_first,activation", [(False, "relu"), (True, "gelu")])
def test_encoder_layer_parity_train_mode(norm_first, batch_first, activation):
    kw = dict(LAYER, norm_first=norm_first, batch_first=batch_first, activation=activation)
    ours, theirs = nn.TransformerEncoderLayer(**kw).double(), T.TransformerEncoderLayer(**kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_module_parity(ours, theirs, rng.standard_normal((5, 3, 8)))


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_encoder_layer_parity_eval_with_masks(norm_first):
    ours, theirs = nn.TransformerEncoderLayer(**LAYER, norm_first=norm_first, batch_first=True).double(), \
        T.TransformerEncoderLayer(**LAYER, norm_first=norm_first, batch_first=True).double()
    copy_weights(ours, theirs)
    ours.eval(), theirs.eval()  # inputs require grad below, so torch takes its normal (not fast) path
    kpm = np.zeros((3, 5))
    kpm[1, 3:] = -np.inf  # a float padding mask, the same kind as the float causal mask (torch warns on mixing)
    assert_parity(
        lambda a: ours(a, src_mask=nnlab.tensor(_causal(5).numpy()), src_key_padding_mask=to_nnlab(kpm, False)),
        lambda a: theirs(a, src_mask=_causal(5), src_key_padding_mask=torch.from_numpy(kpm)),
        rng.standard_normal((3, 5, 8)))


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_parity(norm_first, batch_first):
    kw = dict(LAYER, norm_first=norm_first, batch_first=batch_first)
    ours, theirs = nn.TransformerDecoderLayer(**kw).double(), T.TransformerDecoderLayer(**kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    tgt, mem = rng.standard_normal((4, 3, 8)), rng.standard_normal((6, 3, 8))
    if batch_first:
        tgt, mem = tgt.transpose(1, 0, 2), mem.transpose(1, 0, 2)
    assert_module_parity(ours, theirs, tgt, mem)
    ours.eval(), theirs.eval()
    mkpm = np.zeros((3, 6), bool)
    mkpm[0, 4:] = True
    assert_parity(
        lambda a, b: ours(a, b, tgt_mask=nnlab.tensor(_causal(4).numpy()), memory_key_padding_mask=nnlab.tensor(mkpm),
                          tgt_is_causal=True),
        lambda a, b: theirs(a, b, tgt_mask=_causal(4), memory_key_padding_mask=torch.from_numpy(mkpm), tgt_is_causal=True),
        tgt, mem)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_full_transformer_parity_and_state_dict():
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0)
    ours, theirs = nn.Transformer(**kw), T.Transformer(**kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    ours.double()
    copy_weights(ours, theirs.double())
    src, tgt = rng.standard_normal((6, 2, 8)), rng.standard_normal((5, 2, 8))
    skpm = np.array([[False] * 6, [False] * 4 + [True] * 2])
    assert_parity(
        lambda a, b: ours(a, b, tgt_mask=nnlab.tensor(_causal(5).numpy()), src_key_padding_mask=nnlab.tensor(skpm),
                          memory_key_padding_mask=nnlab.tensor(skpm)),
        lambda a, b: theirs(a, b, tgt_mask=_causal(5), src_key_padding_mask=torch.from_numpy(skpm),
                            memory_key_padding_mask=torch.from_numpy(skpm)),
        src, tgt)


def test_generate_square_subsequent_mask_matches_torch():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.array, T.Transformer.generate_square_subsequent_mask(4).numpy())


def test_stacks_deep_copy_the_layer():
    layer = nn.TransformerEncoderLayer(**LAYER)
    enc = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8))
    ws = [m.linear1.weight for m in enc.layers]
    assert len({id(w) for w in ws}) == 3 and all(np.array_equal(w.array, layer.linear1.weight.array) for w in ws)
    ws[0].array += 1
    assert not np.array_equal(ws[0].array, ws[1].array)
    assert "norm.weight" in enc.state_dict() and "layers.2.self_attn.in_proj_weight" in enc.state_dict()


def test_float32_in_out_and_dropout_train_vs_eval():
    nnlab.manual_seed(0)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                           dropout=0.3, batch_first=True)
    src = nnlab.tensor(rng.standard_normal((2, 5, 8)).astype(np.float32))
    tgt = nnlab.tensor(rng.standard_normal((2, 4, 8)).astype(np.float32))
    out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    assert out.dtype == np.float32 and tuple(out.shape) == (2, 4, 8)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in model.parameters())
    model.eval()
    np.testing.assert_array_equal(model(src, tgt).array, model(src, tgt).array)
    assert not np.allclose(model.train()(src, tgt).array, model.eval()(src, tgt).array)


@pytest.mark.parametrize("batch_first", [False, True])
def test_kv_cache_step_by_step_equals_full_causal_recompute(batch_first):
    nnlab.manual_seed(1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(**LAYER, batch_first=batch_first, norm_first=True), 2,
                                norm=nn.LayerNorm(8)).eval()
    length, seq = 12, (1 if batch_first else 0)
    tgt = nnlab.tensor(rng.standard_normal((2, length, 8) if batch_first else (length, 2, 8)).astype(np.float32))
    mem = nnlab.tensor(rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32))
    with nnlab.no_grad():
        full = dec(tgt, mem, tgt_mask=nn.Transformer.generate_square_subsequent_mask(length))
        cache = nn.KVCache()
        steps = [dec(tgt[:, t : t + 1] if batch_first else tgt[t : t + 1], mem, cache=cache) for t in range(8)]
        assert cache.seq_len == 8
        chunk = dec(tgt[:, 8:] if batch_first else tgt[8:], mem, cache=cache)  # several new positions at once
    np.testing.assert_allclose(nnlab.cat(steps + [chunk], dim=seq).array, full.array, atol=1e-5)


def test_kv_cache_decoder_only_and_beam_reorder():
    nnlab.manual_seed(2)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**LAYER, batch_first=True), 2).eval()
    x = nnlab.tensor(rng.standard_normal((3, 6, 8)).astype(np.float32))
    with nnlab.no_grad():
        full = enc(x, mask=nn.Transformer.generate_square_subsequent_mask(6), is_causal=True)
        cache = nn.KVCache()
        first = enc(x[:, :4], cache=cache)
        cache.reorder_([2, 0])  # keep batch rows 2 and 0 (e.g. surviving beams)
        rest = enc(x[[2, 0], 4:], cache=cache)
    np.testing.assert_allclose(first.array, full.array[:, :4], atol=1e-5)
    np.testing.assert_allclose(rest.array, full.array[[2, 0], 4:], atol=1e-5)
    with pytest.raises(RuntimeError, match="no_grad"):
        enc(nnlab.tensor(x.array, requires_grad=True), cache=nn.KVCache())


def test_sinusoidal_values_by_hand_and_offset():
    pe = nn.SinusoidalPositionalEncoding(4, max_len=10)
    assert "pe" not in pe.state_dict() and tuple(pe.pe.shape) == (10, 4) and pe.pe.dtype == np.float32
    # PE(pos, 2i) = sin(pos / 10000^(2i/4)), PE(pos, 2i+1) = cos(...): frequencies 1 and 1/100
    np.testing.assert_allclose(pe.pe.array[0], [0, 1, 0, 1], atol=1e-7)
    np.testing.assert_allclose(pe.pe.array[1], [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)], rtol=1e-6)
    np.testing.assert_allclose(pe.pe.array[3], [np.sin(3), np.cos(3), np.sin(0.03), np.cos(0.03)], rtol=1e-6)
    x = nnlab.zeros(3, 2, 4)  # (L, N, D)
    np.testing.assert_allclose(pe(x, offset=2).array[:, 1], pe.pe.array[2:5])
    xb = nn.SinusoidalPositionalEncoding(4, max_len=10, batch_first=True)(nnlab.zeros(2, 3, 4))
    np.testing.assert_allclose(xb.array[1], pe.pe.array[:3])
    with pytest.raises(ValueError, match="max_len=10"):
        pe(nnlab.zeros(11, 1, 4))


def test_sinusoidal_shift_is_a_rotation_per_frequency_pair():
    d, k = 16, 5
    table = nn.positional.sinusoidal_table(40, d, dtype=np.float64)
    for i in range(d // 2):
        w = 10000.0 ** (-2 * i / d)
        rot = np.array([[np.cos(w * k), np.sin(w * k)], [-np.sin(w * k), np.cos(w * k)]])
        pair = table[:, 2 * i : 2 * i + 2]  # rows (sin ωp, cos ωp)
        np.testing.assert_allclose(pair[:-k] @ rot.T, pair[k:], atol=1e-10)  # same matrix for every p


def test_learned_positional_embedding():
    nnlab.manual_seed(0)
    pe = nn.LearnedPositionalEmbedding(6, 4, batch_first=True)
    assert list(pe.state_dict()) == ["weight"] and abs(pe.weight.array.std() - 0.02) < 0.01
    x = nnlab.tensor(np.ones((2, 3, 4), np.float32), requires_grad=True)
    y = pe(x, offset=1)
    np.testing.assert_allclose(y.array[0], 1 + pe.weight.array[1:4])
    y.sum().backward()
    np.testing.assert_allclose(pe.weight.grad.array, np.array([0, 2, 2, 2, 0, 0])[:, None] * np.ones(4))


def test_tiny_transformer_learns_to_copy():
    nnlab.manual_seed(0)
    vocab, d = 6, 16
    pos = nn.SinusoidalPositionalEncoding(d, 16, batch_first=True)
    model = nn.Transformer(d, 2, 1, 1, 32, dropout=0.0, batch_first=True)
    table = nn.Parameter(np.random.default_rng(0).standard_normal((vocab, d)).astype(np.float32))
    head = nn.Linear(d, vocab)
    params = list(model.parameters()) + [table] + list(head.parameters())
    opt = nnlab.optim.Adam(params, lr=1e-2)
    data = np.random.default_rng(1).integers(1, vocab, size=(32, 5))
    tgt_in = np.concatenate([np.zeros((32, 1), np.int64), data[:, :-1]], axis=1)  # shifted right, 0 = start
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    losses = []
    for _ in range(40):
        out = model(pos(table[data]), pos(table[tgt_in]), tgt_mask=mask)
        loss = F.cross_entropy(head(out).reshape(-1, vocab), nnlab.tensor(data.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
