"""Files load what they saved: format detection by parsing, reproducible bytes, bounded .npz, atomic writes, locks."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import threading
import zipfile
import zlib

import numpy as np
import pytest
import safetensors.numpy as st_numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import models
from nnlab.io import DirLock, DirLockedError, atomic_open, atomic_write, clean_orphans, detect_format, load, save
from nnlab.io.atomic import temp_name
from nnlab.io.formats import safetensors_bytes


# ---- format detection by parsing -------------------------------------------------------------
def test_named_case_key_of_60_characters(tmp_path):
    path = tmp_path / "a.safetensors"
    nnlab.save({"w" * 60: nnlab.zeros(2)}, path)
    assert load(path)["w" * 60].tolist() == [0.0, 0.0]


def test_every_key_length_from_1_to_500_round_trips(tmp_path):
    path = tmp_path / "k.safetensors"
    pickle_like = 0
    for n in range(1, 501):
        save({"k" * n: nnlab.arange(3)}, path)
        pickle_like += path.read_bytes()[0] == 0x80
        assert load(path)["k" * n].tolist() == [0, 1, 2], n
    assert pickle_like > 0  # the range does cover headers whose length starts with byte 0x80


def test_files_written_by_the_safetensors_library_load_for_every_header_length(tmp_path):
    # The library pads its header to 8 bytes; 128, 384, 640 ... bytes begin 0x80 0x00-0x02.
    seen = set()
    for n in range(1, 400, 3):
        raw = st_numpy.save({"x" * n: np.arange(2, dtype=np.float32)})
        seen.add(raw[0])
        (tmp_path / "lib.safetensors").write_bytes(raw)
        assert detect_format(raw) == "safetensors"
        assert nnlab.io.load_safetensors(tmp_path / "lib.safetensors")["x" * n].tolist() == [0.0, 1.0]
    assert 0x80 in seen


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300)
_arrays = st.sampled_from(["float32", "float64", "int64", "uint8", "bool", "float16"]).flatmap(
    lambda dt: st.lists(st.integers(0, 4), min_size=0, max_size=3).map(
        lambda shape: np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape).astype(dt)))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, _arrays, min_size=1, max_size=4))
def test_any_library_written_file_is_detected_and_read(arrays):
    arrays = {k: v for k, v in arrays.items() if k != "__metadata__"}
    if not arrays:
        return
    raw = st_numpy.save(arrays)
    assert detect_format(raw) == "safetensors"
    back = st_numpy.load(raw)
    for k, v in arrays.items():
        assert np.array_equal(back[k], v)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, _arrays, min_size=0, max_size=4))
def test_any_state_saved_by_nnlab_loads_back(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("h") / "s.safetensors"
    save(arrays, path)
    back = load(path)
    assert list(back) == list(arrays)
    for k, v in arrays.items():
        assert back[k].dtype == v.dtype and np.array_equal(back[k], v)


def _zoo():
    yield "logreg", models.LogisticRegression(4, 3)
    yield "perceptron", models.Perceptron(4)
    yield "mlp", models.MLP((4, 8, 3), dropout=0.1)
    yield "lenet5", models.LeNet5(1, 10)
    yield "resnet18", models.resnet18(num_classes=10)
    yield "googlenet", models.googlenet(num_classes=10, aux_logits=True)
    yield "mobilenet", models.mobilenet_v1(alpha=0.25, num_classes=10, resolution=32)
    yield "keras_cnn", models.keras_cnn(input_size=32)
    yield "lm", models.RNNLanguageModel(20, 8, 16, num_layers=2, tie_weights=False)
    yield "char_lstm", models.char_lstm(20, 8, 16)
    yield "bengio", models.BengioNLM(20, 3)
    yield "classifier", models.SequenceClassifier(4, 8, 3, rnn_type="lstm", bidirectional=True)
    yield "tagger", models.SequenceTagger(4, 8, 3)
    yield "generator", models.SequenceGenerator(4, 12, 8)
    yield "encdec", models.RNNEncoderDecoder(10, 12)
    yield "forecaster", models.RNNForecaster()
    yield "transformer", models.Seq2SeqTransformer(10, 12, d_model=16, nhead=2, layers=1)
    yield "gpt", models.GPT(20, d_model=16, nhead=2, layers=2, max_len=16)
    yield "bert", models.BertForPreTraining(vocab_size=20, d_model=16, nhead=2, layers=1)
    yield "bert_cls", models.BertForSequenceClassification(models.BertModel(20, 16, 2, 1), 3)
    yield "vit", models.ViT(d_model=16, depth=1, heads=2, mlp_dim=16)
    yield "elmo", models.ELMo(20, 8, num_layers=1)
    yield "seq2seq_attention", models.AttentionSeq2Seq(10, 12, emb=8, enc_hidden=8, dec_hidden=16)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_every_model_of_the_zoo_round_trips(tmp_path, fmt):
    for name, model in _zoo():
        path = tmp_path / f"{name}.{fmt}"
        state = model.state_dict()
        save(state, path)
        back = load(path)
        assert list(back) == list(state), name
        for k in state:
            assert np.array_equal(back[k].array, state[k].array), (name, k)
        model.load_state_dict(back)


def test_evaluate_after_train_logreg_iris(tmp_path, capsys):
    from nnlab.cli import main

    assert main(["train", "--model", "logreg", "--dataset", "iris", "--out", str(tmp_path), "--quiet",
                 "--epochs", "3"]) == 0
    assert main(["evaluate", str(tmp_path / "logreg-iris")]) == 0
    assert "accuracy" in capsys.readouterr().out


# ---- reproducible bytes ---------------------------------------------------------------------------
_SAVE_SCRIPT = """
import sys, nnlab
from nnlab import nn, optim
nnlab.manual_seed(0)
m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
opt = optim.Adam(m.parameters(), lr=1e-3)
m(nnlab.randn(5, 3)).sum().backward(); opt.step()
nnlab.save({"model": m.state_dict(), "opt": opt.state_dict(), "meta": {"b": 1, "a": [1.5, None]}}, sys.argv[1])
nnlab.save(m.state_dict(), sys.argv[2])
"""


def test_the_same_state_writes_the_same_bytes_in_every_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONHASHSEED": "random"}
    outputs = []
    for i in range(2):
        a, b = tmp_path / f"{i}.safetensors", tmp_path / f"{i}.npz"
        subprocess.run([sys.executable, "-c", _SAVE_SCRIPT, str(a), str(b)], check=True, env=env, timeout=120)
        outputs.append((a.read_bytes(), b.read_bytes()))
    assert outputs[0] == outputs[1]


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_names, st.text(max_size=20), max_size=6), st.dictionaries(_names, _arrays, max_size=4))
def test_bytes_do_not_depend_on_insertion_order(meta, arrays):
    arrays = {k: v for k, v in arrays.items() if k != "__metadata__"}
    forward = safetensors_bytes(arrays, meta)
    backward = safetensors_bytes(dict(reversed(list(arrays.items()))), dict(reversed(list(meta.items()))))
    assert forward == backward
    back = st_numpy.load(forward)  # and the library reads what we write
    assert set(back) == set(arrays)


# ---- .npz decompression bombs ---------------------------------------------------------------------
def _npz_member(zf: zipfile.ZipFile, name: str, header: bytes, zeros: int) -> None:
    """Write ``header`` + ``zeros`` zero bytes as one deflated member, without building the bytes."""
    block = 1 << 20
    blocks, rest = divmod(zeros, block)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    chunk = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH) if blocks else b""
    # After a full flush the compressor starts afresh: every further block compresses to the same bytes.
    body = first + chunk * blocks + c.compress(bytes(rest)) + c.flush()
    crc = zlib.crc32(header)
    for _ in range(blocks):
        crc = zlib.crc32(bytes(block), crc)
    crc = zlib.crc32(bytes(rest), crc)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size, info.CRC = len(header) + zeros, len(body), crc
    info.header_offset = zf.fp.tell()
    zf.fp.write(info.FileHeader(zip64=True))
    zf.fp.write(body)
    zf.start_dir = zf.fp.tell()
    zf.filelist.append(info)
    zf.NameToInfo[name] = info


def _npy_header(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _bomb(path, shape, zeros):
    with zipfile.ZipFile(path, "w") as zf:
        _npz_member(zf, "w.npy", _npy_header(shape), zeros)
        meta = io.BytesIO()
        np.lib.format.write_array(meta, np.array('{"format": "nnlab", "format_version": "1", '
                                                 '"tree": "{\\"type\\":\\"ndarray\\",\\"key\\":\\"w\\"}"}'))
        zf.writestr("__nnlab_metadata__.npy", meta.getvalue())


def test_one_megabyte_inflating_to_one_gibibyte_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    _bomb(path, (1 << 28,), 1 << 30)
    assert path.stat().st_size < 1_200_000
    with pytest.raises(ValueError, match="inflate to more than .* the limit"):
        load(path)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 64), st.one_of(st.integers(-4, -1), st.integers(1, 4), st.integers(1, 64).map(lambda k: k << 20)))
def test_a_member_larger_or_smaller_than_its_header_declares_is_refused(tmp_path_factory, declared, delta):
    path = tmp_path_factory.mktemp("b") / "lie.npz"
    # The header says `declared` float32s; the member holds `delta` bytes more or fewer.
    _bomb(path, (declared,), declared * 4 + delta)
    with pytest.raises(ValueError, match="inflates to .* bytes but its header describes"):
        load(path)
    _bomb(path, (declared,), declared * 4)  # the honest file of the same shape loads
    assert load(path).shape == (declared,)


@pytest.mark.parametrize("limit, ok", [(10_000, True), (3_999, False)])
def test_the_npz_limit_is_a_stated_keyword(tmp_path, limit, ok):
    path = tmp_path / "w.npz"
    save({"w": np.zeros(1000, np.float32)}, path)
    if ok:
        assert load(path, max_bytes=limit)["w"].shape == (1000,)
    else:
        with pytest.raises(ValueError, match="limit"):
            load(path, max_bytes=limit)


# ---- atomic writes: one scheme, orphans, concurrency ---------------------------------------------
def test_overlapping_writes_of_one_path_all_succeed(tmp_path):
    path = tmp_path / "config.json"
    errors = []

    def writer(i):
        for j in range(60):
            try:
                atomic_write(path, f'{{"writer": {i}, "n": {j}}}')
            except Exception as exc:  # noqa: BLE001 - the test counts every failure
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["config.json"]
    assert path.read_text().startswith('{"writer": ')


def test_orphaned_temp_files_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "model.safetensors"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f".model.safetensors.{dead.pid}.0123456789ab.tmp"
    orphan.write_bytes(b"half a file")
    mine = tmp_path / f".model.safetensors.{os.getpid()}.aaaaaaaaaaaa.tmp"  # this process, not in flight
    mine.write_bytes(b"x")
    other = tmp_path / ".other.json.1.0123456789ab.tmp"  # another file's temp: not ours to touch
    other.write_bytes(b"y")
    save({"w": np.ones(2)}, target)
    assert sorted(os.listdir(tmp_path)) == sorted([".other.json.1.0123456789ab.tmp", "model.safetensors"])
    assert clean_orphans(target) == []


def test_every_writer_uses_the_one_temp_naming_scheme(tmp_path, monkeypatch):
    from nnlab.io import atomic
    from nnlab.text import Vocab
    from nnlab.train import History, plot_history

    names = []
    real = atomic.temp_name
    monkeypatch.setattr(atomic, "temp_name", lambda p: names.append(real(p)) or names[-1])
    h = History()
    h.append(0, {"loss": 1.0, "val_loss": 2.0})
    h.to_json(tmp_path / "history.json")
    plot_history(h, tmp_path / "curves.png")
    Vocab(["a", "b"]).save(tmp_path / "vocab.json")
    nnlab.io.save_checkpoint(tmp_path / "ckpt.safetensors", nnlab.nn.Linear(2, 2))
    from nnlab.io.run_folder import write_run_json as _write_json

    _write_json(str(tmp_path / "config.json"), {"a": 1})
    assert len(names) == 5
    pattern = r"^\.[\w.]+\.%d\.[0-9a-f]{12}\.tmp$" % os.getpid()
    for n in names:
        assert __import__("re").match(pattern, os.path.basename(n)), n
    assert temp_name("x") != temp_name("x")


def test_atomic_open_writes_nothing_when_the_block_fails(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("before")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert path.read_text() == "before" and os.listdir(tmp_path) == ["f.txt"]
    with atomic_open(path) as f:
        f.write("after")
    assert path.read_text() == "after"


# ---- the run-folder lock ----------------------------------------------------------------------------
def test_a_locked_folder_is_refused_until_released(tmp_path):
    first = DirLock(tmp_path / "run").acquire()
    with pytest.raises(DirLockedError, match=rf"in use by another process \(pid {os.getpid()}"):
        DirLock(tmp_path / "run").acquire()
    first.release()
    with DirLock(tmp_path / "run") as again:
        assert again.locked


def test_the_lock_dies_with_its_process(tmp_path):
    code = ("import sys, os; from nnlab.io import DirLock; DirLock(sys.argv[1]).acquire(); "
            "print('held', flush=True); sys.stdin.readline(); os._exit(0)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(DirLockedError, match=f"pid {proc.pid}"):
            DirLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait()
    with DirLock(tmp_path):  # killed, not released: the OS dropped the lock
        pass
