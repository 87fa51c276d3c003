"""IDX (MNIST) and CSV readers: exact round trips, hand-built bytes, clear errors."""

import gzip
import struct

import numpy as np
import pytest

from nnlab.data.datasets import CSVData, get_dataset, load_csv, load_mnist, mnist_splits, read_idx, write_idx

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", IDX_DTYPES)
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, a)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative and b.shape == a.shape
    np.testing.assert_array_equal(b, a)


def test_idx_reads_hand_built_bytes_and_detects_gzip_by_content(tmp_path):
    # Magic 0x00000803 (ubyte, 3 dims), dims 2 x 2 x 3 big-endian, then the data.
    data = bytes(range(12))
    raw = b"\x00\x00\x08\x03" + struct.pack(">III", 2, 2, 3) + data
    (tmp_path / "plain").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "plain"), np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    (tmp_path / "no_suffix").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(tmp_path / "no_suffix"), np.arange(12).reshape(2, 2, 3))
    # int32 big-endian: 0x00000102 = 258.
    raw32 = b"\x00\x00\x0c\x01" + struct.pack(">I", 2) + struct.pack(">ii", 258, -3)
    (tmp_path / "i32").write_bytes(raw32)
    np.testing.assert_array_equal(read_idx(tmp_path / "i32"), [258, -3])
    # write_idx produces exactly these bytes.
    write_idx(tmp_path / "w", np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    assert (tmp_path / "w").read_bytes() == raw


def test_idx_errors(tmp_path):
    good = b"\x00\x00\x08\x01" + struct.pack(">I", 4) + bytes(4)
    cases = {
        "bad_magic": (b"\x01\x00" + good[2:], "bad magic number"),
        "bad_code": (b"\x00\x00\x07\x01" + good[4:], "unknown data type code 0x07"),
        "short": (good[:-1], r"need 4 data bytes, the file has 3"),
        "long": (good + b"\x00", r"need 4 data bytes, the file has 5"),
        "header": (b"\x00\x00\x08\x02\x00\x00", "header announces 2 dims"),
        "tiny": (b"\x00\x00", "too short"),
        "gz": (gzip.compress(good)[:-6], "corrupted gzip"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=message):
            read_idx(tmp_path / name)
    with pytest.raises(TypeError, match="cannot store dtype int64"):
        write_idx(tmp_path / "x", np.zeros(2, dtype=np.int64))


def _fake_mnist(root, n_train=30, n_test=10):
    rng = np.random.default_rng(0)
    for prefix, n, gz in (("train", n_train, ".gz"), ("t10k", n_test, "")):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte{gz}", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte{gz}", labels)
    return images, labels


def test_load_mnist_from_local_folder(tmp_path):
    test_images, test_labels = _fake_mnist(tmp_path)
    X, y = load_mnist(tmp_path, train=False)
    assert X.shape == (10, 1, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X[:, 0], test_images / np.float32(255), rtol=1e-7)
    np.testing.assert_array_equal(y, test_labels)
    X, y = load_mnist(tmp_path, train=True, flatten=True)
    assert X.shape == (30, 784) and 0.0 <= X.min() and X.max() <= 1.0
    s = mnist_splits(tmp_path, dev_size=10)
    assert (len(s.y_train), len(s.y_dev), len(s.y_test)) == (20, 10, 10)
    np.testing.assert_array_equal(np.bincount(s.y_dev), np.ones(10))  # stratified
    assert get_dataset("mnist", root=tmp_path, split="test", dev_size=5)[0].shape == (10, 1, 28, 28)
    with pytest.raises(FileNotFoundError, match="never downloads"):
        load_mnist(tmp_path / "missing")


def test_mnist_default_root_from_environment(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    _fake_mnist(tmp_path / "mnist")
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    assert mnist_splits(dev_size=10, split="test")[0].shape == (10, 1, 28, 28)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="elsewhere"):
        get_dataset("mnist")


def test_load_mnist_count_mismatch(tmp_path):
    _fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(9, dtype=np.uint8))
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        load_mnist(tmp_path, train=False)


def test_csv_header_string_labels(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("sepal,petal,species\n1.5,2,setosa\n3,4.25,virginica\n5,,setosa\n")
    data = load_csv(path)
    assert isinstance(data, CSVData)
    X, y = data
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X[:2], [[1.5, 2.0], [3.0, 4.25]])
    assert X[2, 0] == 5.0 and np.isnan(X[2, 1])  # empty cell -> NaN
    np.testing.assert_array_equal(y, [0, 1, 0])
    assert data.class_names == ["setosa", "virginica"]
    assert data.feature_names == ["sepal", "petal"] and data.target_name == "species"


def test_csv_no_header_int_labels_named_and_float_targets(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("0.5;1;2\n1.5;0;3\n")
    X, y = load_csv(path, delimiter=";", target_column=1)
    np.testing.assert_array_equal(X, [[0.5, 2.0], [1.5, 3.0]])
    assert y.dtype == np.int64 and y.tolist() == [1, 0]
    data = load_csv(path, delimiter=";", target_column=0)
    assert data.y.dtype == np.float32 and data.y.tolist() == [0.5, 1.5] and data.class_names is None
    assert data.feature_names == ["column_1", "column_2"]
    named = tmp_path / "named.csv"
    named.write_text("label,a,b\n2,1,1\n7,0,1\n")
    d = load_csv(named, target_column="label")
    assert d.y.tolist() == [2, 7] and d.X.tolist() == [[1.0, 1.0], [0.0, 1.0]]
    assert load_csv(named, target_column=None).X.shape == (2, 3)


def test_csv_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n1,oops,1\n")
    with pytest.raises(ValueError, match=r"line 3: column 'b' has non-numeric value 'oops'"):
        load_csv(bad)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2,0\n\n1,2\n")
    with pytest.raises(ValueError, match="line 3: 2 fields, expected 3"):  # blank lines still count
        load_csv(ragged)
    with pytest.raises(KeyError, match="no column named 'z'"):
        load_csv(bad, target_column="z")
    with pytest.raises(IndexError, match="out of range"):
        load_csv(bad, target_column=5)
