"""``save`` / ``load``: nested structures of Tensors and arrays in one safetensors file, never pickle.

A file holds every array under a flattened key (``"model/fc.weight"``) and the rest
of the structure as JSON in the safetensors ``__metadata__`` map::

    {"format": "nnlab", "format_version": "1", "tree": "<JSON of the structure>"}

The tree records what JSON alone would lose: int vs str dict keys (optimizer state is
keyed by int), lists vs tuples, Tensor vs ndarray leaves, NumPy scalars, Python ints of
any size (PCG64 states are 128-bit) and floats exactly (``repr``, so NaN and inf too).
A path ending in ``.npz`` gives an uncompressed NumPy archive instead, with the same
metadata stored as a string array and read back with ``allow_pickle=False``.

Loading parses JSON and raw array bytes only: a pickle, a truncated file or a crafted
header is rejected with a ``ValueError`` that names the path
and the reason. Writes are atomic: a temp file in the same directory, flushed and
fsynced, then ``os.replace``; a failure midway leaves any previous file untouched.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import struct
import zipfile
from typing import Any, BinaryIO

import numpy as np
import safetensors.numpy as st_numpy

from nnlab.autograd.tensor import Tensor
from nnlab.backend import check_device
from nnlab.io.torch_format import is_torch_zip, load_torch

__all__ = ["save", "load", "load_safetensors", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "nnlab"
FORMAT_VERSION = "1"
_NPZ_META_KEY = "__nnlab_metadata__"
# safetensors itself refuses headers above 100 MB; refusing earlier spares the JSON parser.
_MAX_HEADER_BYTES = 100_000_000
_WRITE_CHUNK = 1 << 24
# dtypes that safetensors stores natively (and npz round-trips without pickle).
_ARRAY_KINDS = "biuf"


# ---- encoding -------------------------------------------------------------------------------
class _Encoder:
    """Walks a structure, collecting arrays under unique flattened keys and building the tree."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _add_array(self, arr: np.ndarray, path: tuple[str, ...]) -> str:
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.itemsize > 8:
            raise TypeError(f"save: cannot store an array of dtype {arr.dtype} at {_where(path)}; "
                            "supported: bool, (u)int8-64, float16/32/64")
        base = "/".join(path) or "_"
        key, n = base, 1
        while key in self.arrays or key == "__metadata__":
            n += 1
            key = f"{base}#{n}"
        # safetensors stores little-endian C-ordered bytes; normalise here rather than trust callers.
        self.arrays[key] = arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)
        return key

    def encode(self, obj: Any, path: tuple[str, ...] = ()) -> dict:
        if isinstance(obj, Tensor):
            return {"type": "tensor", "key": self._add_array(obj.data, path)}
        if isinstance(obj, np.ndarray):
            return {"type": "ndarray", "key": self._add_array(obj, path)}
        if isinstance(obj, np.generic) and not isinstance(obj, (np.str_, np.bytes_)):
            return {"type": "npscalar", "key": self._add_array(np.asarray(obj), path)}
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": str(int(obj))}
        if isinstance(obj, float):
            return {"type": "float", "value": repr(float(obj))}
        if isinstance(obj, str):
            return {"type": "str", "value": obj}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if isinstance(k, str):
                    items.append(["str", k, self.encode(v, path + (k,))])
                elif isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
                    items.append(["int", str(int(k)), self.encode(v, path + (str(int(k)),))])
                else:
                    raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__} {k!r} at {_where(path)}")
            return {"type": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {"type": kind, "items": [self.encode(v, path + (str(i),)) for i, v in enumerate(obj)]}
        if hasattr(obj, "state_dict") and hasattr(obj, "parameters"):
            raise TypeError(f"save: cannot store a whole {type(obj).__name__} module at {_where(path)} (that would "
                            "need pickle); save its weights with nnlab.save(model.state_dict(), path) and load them "
                            "with model.load_state_dict(nnlab.load(path))")
        raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at {_where(path)}; "
                        "supported: Tensor, ndarray, NumPy scalar, int, float, bool, str, None, dict, list, tuple")


def _where(path: tuple[str, ...]) -> str:
    return "'" + "/".join(path) + "'" if path else "the top level"


# ---- decoding -------------------------------------------------------------------------------
class _Decoder:
    """Rebuilds a structure from its tree, checking every node (the tree comes from a file)."""

    def __init__(self, arrays: dict[str, np.ndarray], fail) -> None:
        self.arrays = arrays
        self.fail = fail
        self.used: set[str] = set()

    def _array(self, node: dict) -> np.ndarray:
        key = node.get("key")
        if not isinstance(key, str) or key not in self.arrays:
            self.fail(f"the metadata refers to an array {key!r} that the file does not hold")
        self.used.add(key)
        arr = self.arrays[key]
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("="))
        # Arrays viewing the file buffer are read-only; tensors and state dicts need their own memory.
        return arr if arr.flags.writeable else arr.copy()

    def decode(self, node: Any) -> Any:
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            self.fail(f"malformed tree node {str(node)[:80]!r}")
        kind = node["type"]
        if kind == "tensor":
            return Tensor._wrap(self._array(node))
        if kind == "ndarray":
            return self._array(node)
        if kind == "npscalar":
            arr = self._array(node)
            if arr.shape != ():
                self.fail(f"scalar {node['key']!r} has shape {arr.shape}, expected ()")
            return arr[()]
        if kind == "none":
            return None
        value = node.get("value")
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "str" and isinstance(value, str):
            return value
        if kind == "int" and isinstance(value, str):
            return self._parse(int, value)
        if kind == "float" and isinstance(value, str):
            return self._parse(float, value)
        items = node.get("items")
        if kind in ("list", "tuple") and isinstance(items, list):
            out = [self.decode(v) for v in items]
            return tuple(out) if kind == "tuple" else out
        if kind == "dict" and isinstance(items, list):
            result: dict = {}
            for item in items:
                if not (isinstance(item, list) and len(item) == 3 and item[0] in ("str", "int") and isinstance(item[1], str)):
                    self.fail(f"malformed dict item {str(item)[:80]!r}")
                key = item[1] if item[0] == "str" else self._parse(int, item[1])
                result[key] = self.decode(item[2])
            return result
        self.fail(f"unknown or malformed tree node of type {kind!r}")

    def _parse(self, cast, text: str):
        try:
            return cast(text)
        except ValueError:
            self.fail(f"bad {cast.__name__} literal {text[:40]!r}")


# ---- files -----------------------------------------------------------------------------------
def _metadata(tree: dict) -> dict[str, str]:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tree": json.dumps(tree, separators=(",", ":"))}


def _write_atomic(path: str, payload: bytes) -> None:
    """Write ``payload`` to a temp file beside ``path``, fsync it, then rename it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view[:_WRITE_CHUNK])
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):
        # Persist the rename itself; best effort, some filesystems refuse to fsync a directory.
        try:
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass


def save(obj: Any, path: str | os.PathLike | BinaryIO) -> None:
    """Write a nested structure of Tensors, arrays and plain values to ``path``, atomically.

    Args:
        obj: a dict / list / tuple structure (e.g. ``model.state_dict()``,
            ``optimizer.state_dict()``, a whole checkpoint) whose leaves are Tensors,
            NumPy arrays or scalars, or Python ``int`` (any size), ``float``, ``bool``,
            ``str``, ``None``. Dict keys must be ``str`` or ``int``.
        path: destination: a path (a name ending in ``.npz`` writes a NumPy archive, anything
            else a safetensors file, written atomically) or a binary file object opened for
            writing (``io.BytesIO``, ``open(p, "wb")``), which gets the safetensors bytes.

    Raises:
        TypeError: for a leaf or key that cannot be stored; the message gives its place.
    """
    enc = _Encoder()
    tree = enc.encode(obj)
    meta = _metadata(tree)
    if hasattr(path, "write"):
        path.write(st_numpy.save(enc.arrays, metadata=meta))
        return
    path = os.fspath(path)
    if path.endswith(".npz"):
        for key in enc.arrays:
            if key == _NPZ_META_KEY:
                raise ValueError(f"save: the key {key!r} is reserved in .npz files")
        buf = io.BytesIO()
        np.savez(buf, **enc.arrays, **{_NPZ_META_KEY: np.array(json.dumps(meta))})
        payload = buf.getvalue()
    else:
        payload = st_numpy.save(enc.arrays, metadata=meta)
    _write_atomic(path, payload)


def _failer(path: str):
    def fail(reason: str):
        raise ValueError(f"load: {path!r} is not a valid nnlab file: {reason}")

    return fail


def _sniff(data: bytes, fail) -> None:
    """Name the common wrong formats up front instead of reporting a confusing header error."""
    if data[:1] == b"\x80" and len(data) > 1 and data[1] <= 5:
        fail("it is a Python pickle; nnlab never unpickles (untrusted pickles can run arbitrary code)")
    if data[:4] == b"PK\x03\x04":
        fail("it is a zip archive that is neither a PyTorch .pt file nor named *.npz")


def _read_safetensors(data: bytes, fail) -> tuple[dict[str, np.ndarray], dict]:
    """Parse and check the header, then let safetensors decode the arrays."""
    if len(data) < 8:
        fail(f"the file has {len(data)} bytes, fewer than the 8-byte safetensors header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER_BYTES or 8 + n > len(data):
        fail(f"the header claims {n} bytes but the file has {len(data) - 8} after the length field (truncated or not safetensors)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        fail(f"the header is not valid JSON ({exc})")
    if not isinstance(header, dict):
        fail("the header is not a JSON object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        fail("__metadata__ is not a map of strings to strings")
    try:
        arrays = st_numpy.load(data)
    except Exception as exc:  # safetensors raises its own error type for bad offsets, dtypes, sizes
        fail(f"the safetensors data is corrupt ({exc})")
    return arrays, meta


def _read_npz(data: bytes, fail) -> tuple[dict[str, np.ndarray], dict]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        fail(f"the .npz archive is unreadable or holds pickled objects ({exc})")
    raw = arrays.pop(_NPZ_META_KEY, None)
    if raw is None or raw.dtype.kind != "U" or raw.shape != ():
        fail(f"the archive has no {_NPZ_META_KEY!r} string entry (not written by nnlab.save)")
    try:
        meta = json.loads(str(raw))
    except (ValueError, RecursionError) as exc:
        fail(f"the metadata is not valid JSON ({exc})")
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        fail("the metadata is not a map of strings to strings")
    return arrays, meta


def _read(path: str, data: bytes) -> tuple[dict[str, np.ndarray], dict, Any]:
    fail = _failer(path)
    if path.endswith(".npz"):
        return (*_read_npz(data, fail), fail)
    _sniff(data, fail)
    return (*_read_safetensors(data, fail), fail)


def load(path: str | os.PathLike | BinaryIO, map_location=None, weights_only: bool = True) -> Any:
    """Read back what :func:`save` wrote: the same structure, Tensors as Tensors.

    ``model.load_state_dict(nnlab.load(p))`` works directly. Tensors come back detached
    (``requires_grad=False``) with the dtype and shape they were saved with. ``path`` may
    be a binary file object. A PyTorch ``.pt``/``.pth`` file (``torch.save`` of a state
    dict or an optimizer state dict) is read by :mod:`nnlab.io.torch_format`, which
    admits only tensor-rebuild records (PyTorch's ``weights_only=True``) and executes
    nothing. ``map_location`` may only name the CPU; ``weights_only=False`` is refused
    (nnlab never unpickles).

    Raises:
        ValueError: when ``path`` is not an nnlab file of this format version: a pickle,
            a PyTorch archive, a truncated or corrupt file, or a file whose header or
            metadata does not describe its contents. Nothing in the file is executed.
        FileNotFoundError: when ``path`` does not exist.
    """
    check_device(map_location if not callable(map_location) and not isinstance(map_location, dict) else None, "load")
    if not weights_only:
        raise ValueError("load: weights_only=False is refused: nnlab never unpickles (a pickle can run any code); "
                         "only tensors, state dicts and plain containers are read")
    if hasattr(path, "read"):
        data, path = path.read(), "<file object>"
    else:
        path = os.fspath(path)
        with open(path, "rb") as f:
            data = f.read()
    if is_torch_zip(data):
        return load_torch(data, path)
    arrays, meta, fail = _read(path, data)
    if meta.get("format") != FORMAT_NAME:
        fail(f"its metadata names format {meta.get('format')!r}, expected {FORMAT_NAME!r} "
             "(use nnlab.io.load_safetensors for plain safetensors files)")
    if meta.get("format_version") != FORMAT_VERSION:
        fail(f"format version {meta.get('format_version')!r} is not supported (this nnlab reads version {FORMAT_VERSION})")
    try:
        tree = json.loads(meta.get("tree", ""))
    except (ValueError, RecursionError) as exc:
        fail(f"the structure metadata is not valid JSON ({exc})")
    dec = _Decoder(arrays, fail)
    try:
        obj = dec.decode(tree)
    except RecursionError:
        fail("the structure is nested too deeply")
    unused = set(arrays) - dec.used
    if unused:
        fail(f"it holds arrays that the metadata does not describe: {sorted(unused)[:5]}")
    return obj


def load_safetensors(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read any safetensors file (e.g. one written by PyTorch or NumPy tools) as ``{name: Tensor}``.

    The ``__metadata__`` is ignored; the file is checked as in :func:`load`.
    """
    path = os.fspath(path)
    fail = _failer(path)
    with open(path, "rb") as f:
        data = f.read()
    _sniff(data, fail)
    arrays, _ = _read_safetensors(data, fail)
    return {k: Tensor._wrap(v if v.flags.writeable else v.copy()) for k, v in arrays.items()}
