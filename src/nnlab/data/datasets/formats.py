"""Readers for real data formats on local disk: MNIST's IDX files and CSV tables.

Nothing is downloaded: point :func:`load_mnist` at a folder that holds the four
standard files (plain or ``.gz``), e.g. ``train-images-idx3-ubyte.gz``.
"""

from __future__ import annotations

import csv
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.backend import as_dtype, float32
from nnlab.data.datasets.container import DEFAULT_SEED, DatasetSplits, select_split
from nnlab.data.splits import train_dev_split
from nnlab.io.atomic import atomic_write

# IDX type codes → big-endian numpy dtypes (Yann LeCun's format description).
_IDX_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_OF_DTYPE = {np.dtype(v).newbyteorder("=").str: k for k, v in _IDX_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzip-compressed or not, into a native-endian array.

    Layout: magic ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian uint32 sizes,
    then the big-endian data. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64. Compression is detected from the content
    (gzip's magic bytes), not from the file name.

    Args:
        path: the file.

    Raises:
        ValueError: bad magic number, unknown type code, or a data size that does not
            match the header's dimensions.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {path}: corrupted gzip stream ({e})") from None
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path}: only {len(raw)} bytes, too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {path}: bad magic number {raw[:4].hex()}; IDX files start with 0x0000")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_CODES:
        known = [hex(c) for c in _IDX_CODES]
        raise ValueError(f"read_idx: {path}: unknown data type code 0x{code:02X}; expected one of {known}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path}: header announces {ndim} dims but the file has only {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_CODES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"read_idx: {path}: dims {shape} of {dtype.newbyteorder('=')} need {expected} data bytes, "
            f"the file has {len(raw) - header}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when ``compress`` (default: name ends in .gz).

    Args:
        path: the file to write.
        array: uint8, int8, int16, int32, float32 or float64 data, at most 255 dims.
        compress: gzip the file. Default: None (when ``path`` ends with ".gz").
    """
    a = np.asarray(array)
    key = a.dtype.newbyteorder("=").str
    if key not in _IDX_OF_DTYPE:
        raise TypeError(
            f"write_idx: IDX cannot store dtype {a.dtype}; use uint8, int8, int16, int32, float32 or float64"
        )
    if a.ndim > 255:
        raise ValueError(f"write_idx: IDX holds at most 255 dims, got {a.ndim}")
    code = _IDX_OF_DTYPE[key]
    body = bytes([0, 0, code, a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    body += np.ascontiguousarray(a, dtype=_IDX_CODES[code]).tobytes()
    if compress is None:
        compress = str(path).endswith(".gz")
    # mtime=0: the same array gives the same bytes; written atomically like every nnlab file.
    atomic_write(path, gzip.compress(body, mtime=0) if compress else body)


_MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(root: Path, stem: str) -> Path:
    # Also accept the "train-images.idx3-ubyte" spelling some mirrors use.
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]
    for name in names:
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"load_mnist: none of {names} found in {root} (nnlab never downloads; put the files there)")


def load_mnist(
    root: str | os.PathLike, train: bool = True, flatten: bool = False, dtype=float32
) -> tuple[np.ndarray, np.ndarray]:
    """Read MNIST (or Fashion-MNIST, same file names) from a local folder.

    Args:
        root: the folder holding ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
            ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]``.
        train: the 60,000 training images, else the 10,000 test images. Default: True.
        flatten: return :math:`(N, H \\cdot W)` vectors instead of :math:`(N, 1, H, W)` images. Default: False.
        dtype: feature dtype; pixels are scaled to [0, 1] by /255. Default: float32.

    Shape:
        - X: :math:`(N, 1, 28, 28)` (or :math:`(N, 784)`); y: :math:`(N)`, int64.
    """
    root = Path(root)
    images_path, labels_path = (_find(root, stem) for stem in _MNIST_FILES[bool(train)])
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(f"load_mnist: expected images (N, H, W) and labels (N), got {images.shape} and {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"load_mnist: {images.shape[0]} images but {labels.shape[0]} labels in {root}")
    dt = as_dtype(dtype)
    X = images.astype(dt) / dt.type(255)
    X = X.reshape(len(X), -1) if flatten else X[:, None]
    return X, labels.astype(np.int64)


def default_mnist_root() -> Path:
    """Where MNIST is looked for without an explicit root: ``$NNLAB_DATA_DIR/mnist``, else ``./data/mnist``."""
    return Path(os.environ.get("NNLAB_DATA_DIR", "data")) / "mnist"


def mnist_splits(
    root: str | os.PathLike | None = None, split: str | None = None, *, dev_size: int = 5000, flatten: bool = False,
    seed: int = DEFAULT_SEED, dtype=float32,
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """MNIST as :class:`DatasetSplits`: train = 60k − ``dev_size``, a stratified dev set, the official 10k test.

    Args:
        root: folder with the four IDX files (see :func:`load_mnist`). Default: None
            (:func:`default_mnist_root`, so ``nnlab train --dataset mnist`` works once the files are there).
        split: None for all splits, or "train"/"dev"/"test" for ``(X, y)``. Default: None.
        dev_size: training images held out as dev. Default: 5000.
        flatten: flat vectors instead of images. Default: False.
        seed: dev split seed. Default: 0.
        dtype: Default: float32.
    """
    root = default_mnist_root() if root is None else root
    X, y = load_mnist(root, train=True, flatten=flatten, dtype=dtype)
    X_te, y_te = load_mnist(root, train=False, flatten=flatten, dtype=dtype)
    if not 0 < dev_size < len(y):
        raise ValueError(f"mnist_splits: dev_size must be in (0, {len(y)}), got {dev_size}")
    X_tr, y_tr, X_dev, y_dev = train_dev_split(X, y, dev_size / len(y), seed=seed)
    splits = DatasetSplits(
        X_tr, y_tr, X_dev, y_dev, X_te, y_te, class_names=[str(d) for d in range(10)], name="mnist"
    )
    return select_split(splits, split)


@dataclass
class CSVData:
    """A table read by :func:`load_csv`; unpacks as ``X, y = load_csv(...)``.

    Attributes:
        X: features :math:`(N, D)`, float32 by default.
        y: targets :math:`(N)` (int64 class indices, or floats for regression), None without a target.
        feature_names: D column names (``column_<i>`` without a header).
        target_name: the target column's name, or None.
        class_names: for string labels, the class names in index order (sorted); else None.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target_name: str | None = None
    class_names: list[str] | None = None

    def __iter__(self):
        return iter((self.X, self.y))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _to_float(column: list[str], name: str, lines: list[int], path) -> np.ndarray:
    try:
        return np.array([float(v) if v.strip() else np.nan for v in column], dtype=np.float64)
    except ValueError:
        for v, line in zip(column, lines):
            if v.strip() and not _is_number(v):
                message = f"load_csv: {path}, line {line}: column {name!r} has non-numeric value {v!r}"
                raise ValueError(message) from None
        raise


def load_csv(
    path: str | os.PathLike,
    target_column: int | str | None = -1,
    header: bool | str = "auto",
    delimiter: str = ",",
    dtype=float32,
) -> CSVData:
    """Read a numeric CSV table into features and (optional) target, with the csv module.

    Empty cells become NaN. The target column becomes int64 when all its values are
    integers (kept as they are), class indices when any is not a number (classes
    sorted by name, names kept in ``class_names``), else float (regression).

    Args:
        path: the CSV file.
        target_column: index (negative counts from the end) or header name of the
            target, or None for no target. Default: -1 (the last column).
        header: True, False, or "auto": the first row is a header when one of its cells
            is not a number where the second row's is. Default: "auto".
        delimiter: the field separator. Default: ",".
        dtype: feature dtype. Default: float32.
    """
    rows: list[list[str]] = []
    lines: list[int] = []  # the file line of each kept row, for error messages
    with open(path, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for r in reader:
            if r and any(c.strip() for c in r):
                rows.append(r)
                lines.append(reader.line_num)
    if not rows:
        raise ValueError(f"load_csv: {path} has no rows")
    if header == "auto":
        header = len(rows) > 1 and any(
            not _is_number(a) and _is_number(b) for a, b in zip(rows[0], rows[1])
        )
    names = [c.strip() for c in rows[0]] if header else [f"column_{i}" for i in range(len(rows[0]))]
    body = rows[1:] if header else rows
    body_lines = lines[1:] if header else lines
    width = len(names)
    for r, line in zip(body, body_lines):
        if len(r) != width:
            raise ValueError(f"load_csv: {path}, line {line}: {len(r)} fields, expected {width}")
    columns = [list(c) for c in zip(*body)] if body else [[] for _ in range(width)]
    t: int | None = None
    if target_column is not None:
        if isinstance(target_column, str):
            if target_column not in names:
                raise KeyError(f"load_csv: no column named {target_column!r}; columns are {names}")
            t = names.index(target_column)
        else:
            if not -width <= target_column < width:
                raise IndexError(f"load_csv: target_column {target_column} out of range for {width} columns")
            t = target_column % width
    feature_idx = [i for i in range(width) if i != t]
    dt = as_dtype(dtype)
    X = np.zeros((len(body), len(feature_idx)), dtype=np.float64)
    for j, i in enumerate(feature_idx):
        X[:, j] = _to_float(columns[i], names[i], body_lines, path)
    y, class_names = None, None
    if t is not None:
        values = [v.strip() for v in columns[t]]
        if all(_is_number(v) for v in values):
            yf = np.array([float(v) for v in values], dtype=np.float64)
            y = yf.astype(np.int64) if np.all(yf == np.round(yf)) else yf.astype(dt)
        else:
            class_names = sorted(set(values))
            lookup = {c: i for i, c in enumerate(class_names)}
            y = np.array([lookup[v] for v in values], dtype=np.int64)
    return CSVData(
        X.astype(dt), y, [names[i] for i in feature_idx], names[t] if t is not None else None, class_names
    )
