"""nnlab.save / nnlab.io.load: exact round trips of every leaf type, safe rejection, atomic writes."""

from __future__ import annotations

import json
import os
import pickle
import struct

import numpy as np
import pytest
import safetensors.numpy as st_numpy

from nnlab.autograd import Tensor
from nnlab.io import atomic
from nnlab.io.serialization import load, load_safetensors, save


def _structure():
    rng = np.random.default_rng(0)
    return {
        "weights": {"fc.weight": Tensor(rng.standard_normal((3, 4)).astype(np.float32)),
                    "fc.bias": Tensor(np.zeros(3, np.float64), dtype=np.float64)},
        "state": {0: {"step": 7, "exp_avg": Tensor(np.arange(4, dtype=np.float32))}, 12: {"momentum": None}},
        "groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 12], "nesterov": False, "name": "body"}],
        "mask": np.array([[True, False], [False, True]]),
        "counts": np.array([2**62, -5], dtype=np.int64),
        "bytes": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "half": np.array([1.5, -2.0], dtype=np.float16),
        "empty": np.zeros((0, 3), np.float32),
        "rng": {"bit_generator": "PCG64", "state": {"state": 2**127 + 12345, "inc": 2**100 - 1}, "has_uint32": 0},
        "np_scalars": (np.float32(0.1), np.int64(-3), np.bool_(True), np.float64(1 / 3)),
        "floats": [float("nan"), float("inf"), -0.0, 0.1, 1e-320],
        "neg_big": -(2**200),
        "nested_empty": {"list": [], "tuple": (), "dict": {}},
        "a/b": 1,
        "a": {"b": Tensor(np.ones(2, np.float32))},
        "top": Tensor(np.float32(2.5)),
    }


def _assert_same(a, b, where="root"):
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), where
        assert [type(k) for k in a] == [type(k) for k in b], where
        for k in a:
            _assert_same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}/{i}")
    elif isinstance(a, Tensor):
        _assert_same(a.array, b.array, where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, float):
        assert (a == b and np.signbit(a) == np.signbit(b)) or (a != a and b != b), where
    else:
        assert a == b, where


@pytest.mark.parametrize("name", ["obj.safetensors", "obj.npz", "obj.bin"])
def test_round_trip_every_leaf_type(tmp_path, name):
    obj = _structure()
    path = tmp_path / name
    save(obj, path)
    back = load(path)
    _assert_same(obj, back)
    assert back["weights"]["fc.weight"].requires_grad is False
    # Loaded arrays own writable memory: a state dict can be modified in place.
    back["weights"]["fc.weight"].array[0, 0] = 42.0
    back["mask"][0, 0] = False


def test_top_level_leaf_and_list(tmp_path):
    save(Tensor(np.arange(3, dtype=np.int64)), tmp_path / "t.safetensors")
    t = load(tmp_path / "t.safetensors")
    assert isinstance(t, Tensor) and t.dtype == np.int64 and t.tolist() == [0, 1, 2]
    save([1, "x", None], tmp_path / "l.safetensors")
    assert load(tmp_path / "l.safetensors") == [1, "x", None]


def test_arrays_stored_under_readable_flat_keys(tmp_path):
    path = tmp_path / "m.safetensors"
    save({"model": {"fc.weight": Tensor(np.ones((2, 2), np.float32))}, "opt": {"state": {3: {"buf": np.zeros(2)}}}}, path)
    flat = load_safetensors(path)
    assert sorted(flat) == ["model/fc.weight", "opt/state/3/buf"]
    assert flat["model/fc.weight"].dtype == np.float32


def test_non_contiguous_and_big_endian_arrays(tmp_path):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    obj = {"t": base.T, "be": np.arange(3, dtype=">i4")}
    save(obj, tmp_path / "x.safetensors")
    back = load(tmp_path / "x.safetensors")
    assert np.array_equal(back["t"], base.T)
    assert back["be"].tolist() == [0, 1, 2] and back["be"].dtype == np.int32


@pytest.mark.parametrize("bad, msg", [
    ({"x": {1, 2}}, "type set at 'x'"),
    ({(1, 2): 3}, "dict keys must be str or int"),
    ({"c": np.array([1 + 2j])}, "dtype complex128 at 'c'"),
    ({"o": np.array([object()], dtype=object)}, "dtype object"),
])
def test_unsupported_values_are_rejected_before_writing(tmp_path, bad, msg):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=msg):
        save(bad, path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []


# ---- rejection of unsafe or broken files ---------------------------------------------------------
def _reject(path, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        load(path)
    assert str(path) in str(info.value)


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_rejects_pickle_without_unpickling(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"w": _Boom()}, protocol=4))
    _reject(path, "pickle")
    npz_named = tmp_path / "model.npz"
    npz_named.write_bytes(pickle.dumps([1, 2, 3]))
    _reject(npz_named, "pickle")  # the content decides, not the name


def test_rejects_a_zip_that_is_not_a_torch_file(tmp_path):
    import zipfile

    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    _reject(path, "zip archive")


def test_rejects_npz_with_object_arrays(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    _reject(path, "pickled")


def test_rejects_npz_not_written_by_nnlab(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.ones(2))
    _reject(path, "__nnlab_metadata__")


def test_rejects_truncated_files(tmp_path):
    path = tmp_path / "x.safetensors"
    save({"w": np.arange(100, dtype=np.float32)}, path)
    data = path.read_bytes()
    for cut in (4, 20, len(data) - 10):
        path.write_bytes(data[:cut])
        _reject(path, "not a valid nnlab file")
    npz = tmp_path / "x.npz"
    save({"w": np.arange(100, dtype=np.float32)}, npz)
    npz.write_bytes(npz.read_bytes()[:-30])
    _reject(npz, "unreadable")


def _craft(path, header: dict, body: bytes = b""):
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + body)


def _meta(tree, version="1", fmt="nnlab"):
    return {"format": fmt, "format_version": version, "tree": json.dumps(tree)}


@pytest.mark.parametrize("header, body, pattern", [
    ({"__metadata__": _meta({"type": "int", "value": "1"}, version="2")}, b"", "format version '2'"),
    ({"__metadata__": _meta({"type": "int", "value": "1"}, fmt="pt")}, b"", "format 'pt'"),
    ({}, b"", "format None"),
    ({"__metadata__": {"format": "nnlab", "format_version": "1", "tree": "{not json"}}, b"", "not valid JSON"),
    ({"__metadata__": _meta({"type": "eval", "value": "__import__('os')"})}, b"", "unknown or malformed"),
    ({"__metadata__": _meta({"type": "int", "value": "12abc"})}, b"", "bad int literal"),
    ({"__metadata__": _meta({"type": "dict", "items": [["float", "1", {"type": "none"}]]})}, b"", "malformed dict item"),
    ({"__metadata__": _meta({"type": "tensor", "key": "missing"})}, b"", "does not hold"),
    ({"__metadata__": {"format": 1}}, b"", "map of strings"),
    ({"__metadata__": _meta({"type": "none"}), "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
     b"\0" * 8, "does not describe"),
    ({"__metadata__": _meta({"type": "tensor", "key": "w"}), "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}},
     b"\0" * 8, "corrupt"),
    ({"__metadata__": _meta({"type": "tensor", "key": "w"}), "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 800]}},
     b"\0" * 8, "corrupt"),
])
def test_rejects_crafted_headers(tmp_path, header, body, pattern):
    path = tmp_path / "crafted.safetensors"
    _craft(path, header, body)
    _reject(path, pattern)


def test_rejects_non_json_header_and_deep_nesting(tmp_path):
    path = tmp_path / "x.safetensors"
    raw = b"\xff\xfe garbage"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    _reject(path, "not valid JSON")
    # A tree nested deeper than the parser allows must fail cleanly, not crash.
    text = '{"type":"list","items":[' * 3000 + '{"type":"none"}' + "]}" * 3000
    _craft(path, {"__metadata__": {"format": "nnlab", "format_version": "1", "tree": text}})
    _reject(path, "not valid JSON|nested too deeply")


def test_plain_safetensors_file_loads_flat(tmp_path):
    path = tmp_path / "plain.safetensors"
    st_numpy.save_file({"w": np.ones((2, 2), np.float32)}, str(path), metadata={"format": "pt"})
    flat = load_safetensors(path)
    assert list(flat) == ["w"] and isinstance(flat["w"], Tensor) and flat["w"].array.sum() == 4
    _reject(path, "format 'pt'")


# ---- atomic writes --------------------------------------------------------------------------------
def _previous(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.arange(3, dtype=np.float32)}, path)
    return path, path.read_bytes()


def test_failure_mid_write_keeps_previous_file(tmp_path, monkeypatch):
    path, before = _previous(tmp_path)
    real_write = os.write

    def half_then_disk_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", half_then_disk_full)
    with pytest.raises(OSError, match="No space"):
        save({"w": np.arange(1000, dtype=np.float32)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # the temp file is gone
    assert load(path)["w"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failure_before_rename_keeps_previous_file(tmp_path, monkeypatch, step):
    path, before = _previous(tmp_path)

    def boom(*args):
        raise OSError(5, f"{step} failed")

    monkeypatch.setattr(atomic.os, step, boom)
    with pytest.raises(OSError, match=f"{step} failed"):
        save({"w": np.zeros(5)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_overwrite_replaces_whole_file(tmp_path):
    path, _ = _previous(tmp_path)
    save({"v": 1}, path)
    assert load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
