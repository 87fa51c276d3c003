"""Masks in exported Transformers: ``<pad>`` masks computed in the graph from the input ids, causal masks fixed.

BERT and the seq2seq Transformer build their key-padding masks as ``ids == pad`` with
nnlab's comparison (a recorded primitive) and turn them into additive masks with
``Where``; the exporter writes ``Equal`` → ``Where`` → ``Add``, so an exported model
traced on a batch *without* padding masks the ``<pad>`` tokens of any later batch.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import nnlab
from nnlab.models import GPT, BertForPreTraining, Seq2SeqTransformer
from nnlab.onnx import ExportError, export

RTOL = 1e-5


def _padded(rows: int, length: int, lengths: list[int], seed: int, vocab: int = 20) -> np.ndarray:
    """Token ids in [3, vocab) with row i cut to ``lengths[i]`` real tokens, the rest ``<pad>`` (0)."""
    ids = np.random.default_rng(seed).integers(3, vocab, (rows, length))
    for i, n in enumerate(lengths):
        ids[i, n:] = 0
    return ids


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _close(out: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=RTOL * float(np.abs(ref).max()))


def test_exported_bert_masks_the_pads_of_any_batch(tmp_path):
    nnlab.manual_seed(0)
    model = BertForPreTraining(vocab_size=20, d_model=16, nhead=2, layers=2, max_len=16).eval()
    export(model, _padded(2, 7, [7, 7], 0), tmp_path / "bert.onnx", input_names=["ids"],
           output_names=["mlm", "nsp"], dynamic_axes={"ids": {0: "batch"}})  # traced without any <pad>
    ops = {n.op_type for n in onnx.load(str(tmp_path / "bert.onnx")).graph.node}
    assert {"Equal", "Where"} <= ops  # the mask is computed in the graph
    session = _session(tmp_path / "bert.onnx")
    ids = _padded(4, 7, [7, 5, 2, 4], 1)  # pads of different lengths
    with nnlab.no_grad():
        mlm, nsp = model(nnlab.from_numpy(ids))
    out_mlm, out_nsp = session.run(None, {"ids": ids})
    _close(out_mlm, mlm.array)
    _close(out_nsp, nsp.array)
    # The mask matters: the same row without its <pad> mask (an explicit all-ones attention mask) differs.
    with nnlab.no_grad():
        unmasked, _ = model(nnlab.from_numpy(ids), attention_mask=np.ones(ids.shape, np.int64))
    assert np.abs(unmasked.array[1, :5] - mlm.array[1, :5]).max() > 1e-3 * np.abs(mlm.array).max()


def test_exported_bert_takes_an_attention_mask_input(tmp_path):
    nnlab.manual_seed(1)
    model = BertForPreTraining(vocab_size=20, d_model=16, nhead=2, layers=1, max_len=16).eval()

    class WithMask(nnlab.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = model

        def forward(self, ids, mask):
            return self.bert(ids, attention_mask=mask)

    wrapped = WithMask().eval()
    ids, mask = _padded(2, 6, [6, 6], 2), np.ones((2, 6), np.int64)
    export(wrapped, (ids, mask), tmp_path / "m.onnx", input_names=["ids", "mask"],
           dynamic_axes={"ids": {0: "batch"}, "mask": {0: "batch"}})
    ids3 = _padded(3, 6, [3, 6, 5], 3)
    mask3 = (ids3 != 0).astype(np.int64)
    with nnlab.no_grad():
        refs = wrapped(nnlab.from_numpy(ids3), nnlab.from_numpy(mask3))
    for out, ref in zip(_session(tmp_path / "m.onnx").run(None, {"ids": ids3, "mask": mask3}), refs):
        _close(out, ref.array)


def test_exported_seq2seq_masks_the_source_pads(tmp_path):
    nnlab.manual_seed(0)
    model = Seq2SeqTransformer(20, 21, d_model=16, nhead=2, layers=1).eval()
    src, tgt = _padded(2, 7, [7, 7], 4), _padded(2, 5, [5, 5], 5, vocab=21)
    export(model, (src, tgt), tmp_path / "s2s.onnx", input_names=["src", "tgt"],
           dynamic_axes={"src": {0: "batch"}, "tgt": {0: "batch"}})
    src3, tgt3 = _padded(3, 7, [2, 7, 4], 6), _padded(3, 5, [5, 3, 1], 7, vocab=21)
    with nnlab.no_grad():
        ref = model(nnlab.from_numpy(src3), nnlab.from_numpy(tgt3)).array
    (out,) = _session(tmp_path / "s2s.onnx").run(None, {"src": src3, "tgt": tgt3})
    _close(out, ref)
    # Changing a source <pad> into a real token changes nnlab's output: the mask was doing work.
    src_other = src3.copy()
    src_other[0, 5] = 7
    with nnlab.no_grad():
        other = model(nnlab.from_numpy(src_other), nnlab.from_numpy(tgt3)).array
    assert np.abs(other[0] - ref[0]).max() > 1e-4 * np.abs(ref).max()


def test_exported_gpt_is_causal_and_refuses_a_dynamic_length(tmp_path):
    nnlab.manual_seed(0)
    model = GPT(20, d_model=16, nhead=2, layers=2, max_len=16).eval()
    ids = _padded(2, 7, [7, 7], 8)
    export(model, ids, tmp_path / "gpt.onnx", input_names=["ids"], dynamic_axes={"ids": {0: "batch"}})
    session = _session(tmp_path / "gpt.onnx")
    later = ids.copy()
    later[:, 5:] = (later[:, 5:] + 1) % 20  # change the last two tokens only
    (a,), (b,) = session.run(None, {"ids": ids}), session.run(None, {"ids": later})
    with nnlab.no_grad():
        ref = model(nnlab.from_numpy(later)).array
    _close(b, ref)
    np.testing.assert_array_equal(a[:, :5], b[:, :5])  # positions before the change do not see it
    assert np.abs(a[:, 5:] - b[:, 5:]).max() > 1e-4 * np.abs(a).max()
    # The causal mask is a constant of the traced length: a dynamic length is refused, not silently wrong.
    with pytest.raises(ExportError, match=r"shape \(7, 7\) that was computed outside nnlab's ops"):
        export(model, ids, tmp_path / "g2.onnx", input_names=["ids"], dynamic_axes={"ids": {0: "batch", 1: "time"}})


def test_a_mask_computed_with_nnlab_ops_is_exported(tmp_path):
    class Masked(nnlab.nn.Module):
        def forward(self, x):
            return x * (x > 0.5) + (x <= -0.5) * 2.0 + x.where(x != 0, x)  # comparisons, bool → float casts

    x = np.random.default_rng(0).standard_normal((2, 6)).astype(np.float32)
    export(Masked(), x, tmp_path / "m.onnx", input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    x3 = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    (out,) = _session(tmp_path / "m.onnx").run(None, {"x": x3})
    with nnlab.no_grad():
        _close(out, Masked()(nnlab.from_numpy(x3)).array)
