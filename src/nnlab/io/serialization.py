"""``save`` / ``load``: nested structures of Tensors and arrays in one safetensors file, never pickle.

A file holds every array under a flattened key (``"model/fc.weight"``) and the rest
of the structure as JSON in the safetensors ``__metadata__`` map::

    {"format": "nnlab", "format_version": "1", "tree": "<JSON of the structure>"}

The tree records what JSON alone would lose: int vs str dict keys (optimizer state is
keyed by int), lists vs tuples, Tensor vs ndarray leaves, NumPy scalars, Python ints of
any size (PCG64 states are 128-bit) and floats exactly (``repr``, so NaN and inf too).
A path ending in ``.npz`` gives an uncompressed NumPy archive instead, with the same
metadata stored as a string array; it is read back by parsing each ``.npy`` header,
never with pickle, and never inflated past what the headers declare
(:mod:`nnlab.io.formats`).

Loading parses JSON and raw array bytes only: a pickle, a
truncated file or a crafted header is rejected with a ``ValueError`` that names the path
and the reason. Writes are atomic (:func:`nnlab.io.atomic_write`: a temp file in the same
directory, fsynced, then ``os.replace``); a failure midway leaves any previous file
untouched. The bytes written depend only on the structure saved.
A PyTorch ``.pt`` archive is read by :mod:`nnlab.io.torch_format`, which admits only
tensor-rebuild records and executes nothing.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any, BinaryIO

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import check_device
from nnlab.io.atomic import atomic_write
from nnlab.io.formats import (NPZ_MAX_BYTES, FormatError, detect_format, not_safetensors_reason, npz_bytes,
                              read_npz, read_safetensors, safetensors_bytes)
from nnlab.ops.creation import from_numpy
from nnlab.io.torch_format import is_torch_zip, load_torch

__all__ = ["save", "load", "load_safetensors", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "nnlab"
FORMAT_VERSION = "1"
_NPZ_META_KEY = "__nnlab_metadata__"
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
            return {"type": "tensor", "key": self._add_array(obj.array, path)}
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
            return from_numpy(self._array(node))
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
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "tree": json.dumps(tree, separators=(",", ":"))}


def save(obj: Any, path: str | os.PathLike | BinaryIO) -> None:
    """Write a nested structure of Tensors, arrays and plain values to ``path``, atomically.

    The same structure gives the same bytes in every process (reproducible files).

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
        OSError: when the file cannot be written; a previous file at ``path`` is kept.
    """
    enc = _Encoder()
    tree = enc.encode(obj)
    meta = _metadata(tree)
    if hasattr(path, "write"):
        path.write(safetensors_bytes(enc.arrays, meta))
        return
    path = os.fspath(path)
    if path.endswith(".npz"):
        if _NPZ_META_KEY in enc.arrays:
            raise ValueError(f"save: the key {_NPZ_META_KEY!r} is reserved in .npz files")
        payload = npz_bytes({**enc.arrays, _NPZ_META_KEY: np.array(json.dumps(meta, sort_keys=True))})
    else:
        payload = safetensors_bytes(enc.arrays, meta)
    atomic_write(path, payload)


def _failer(path: str):
    def fail(reason: str):
        raise FormatError(f"load: {path!r} is not a valid nnlab file: {reason}")

    return fail


def _npz_metadata(arrays: dict[str, np.ndarray], fail) -> dict:
    raw = arrays.pop(_NPZ_META_KEY, None)
    if raw is None or raw.dtype.kind != "U" or raw.shape != ():
        fail(f"the archive has no {_NPZ_META_KEY!r} string entry (not written by nnlab.save)")
    try:
        meta = json.loads(str(raw))
    except (ValueError, RecursionError) as exc:
        fail(f"the metadata is not valid JSON ({exc})")
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        fail("the metadata is not a map of strings to strings")
    return meta


def _read(path: str, data: bytes, max_bytes: int) -> tuple[dict[str, np.ndarray], dict, Any]:
    """The arrays and metadata of an nnlab file, whichever of the two formats it parses as."""
    fail = _failer(path)
    kind = detect_format(data)
    if kind == "safetensors":
        return (*read_safetensors(data, fail), fail)
    if kind == "zip" and _zip_is_npz(data):
        arrays = read_npz(data, fail, max_bytes)
        for key, arr in arrays.items():
            if arr.dtype.kind == "U" and key != _NPZ_META_KEY:
                fail(f"array {key!r} holds strings (dtype {arr.dtype}); nnlab files hold numbers only")
        return arrays, _npz_metadata(arrays, fail), fail
    fail(not_safetensors_reason(data, kind))


def _zip_is_npz(data: bytes) -> bool:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        return bool(names) and all(n.endswith(".npy") for n in names)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return True  # let the npz reader name the damage


def load(path: str | os.PathLike | BinaryIO, map_location=None, weights_only: bool = True,
         max_bytes: int = NPZ_MAX_BYTES) -> Any:
    """Read back what :func:`save` wrote: the same structure, Tensors as Tensors.

    ``model.load_state_dict(nnlab.load(p))`` works directly. Tensors come back detached
    (``requires_grad=False``) with the dtype and shape they were saved with. The format
    is found by parsing the file (safetensors or ``.npz``), whatever its name. ``path`` may
    be a binary file object. A PyTorch ``.pt``/``.pth`` file (``torch.save`` of a state
    dict or an optimizer state dict) is read by :mod:`nnlab.io.torch_format`, which
    admits only tensor-rebuild records (PyTorch's ``weights_only=True``) and executes
    nothing. ``map_location`` may only name the CPU; ``weights_only=False`` is refused
    (nnlab never unpickles).

    Args:
        path: a file written by :func:`save` (or a binary file object).
        map_location: accepted for PyTorch's signature; only the CPU.
        weights_only: must stay True.
        max_bytes: the most an ``.npz`` archive's arrays may inflate to. Default:
            :data:`nnlab.io.formats.NPZ_MAX_BYTES` (512 MiB).

    Raises:
        ValueError: when ``path`` is not an nnlab file of this format version: a pickle,
            a PyTorch archive, a truncated or corrupt file, a decompression bomb, or a
            file whose header or metadata does not describe its contents. Nothing in the
            file is executed.
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
    arrays, meta, fail = _read(path, data, max_bytes)
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
    with open(path, "rb") as f:
        data = f.read()
    arrays, _ = read_safetensors(data, _failer(path))
    return {k: from_numpy(v if v.flags.writeable else v.copy()) for k, v in arrays.items()}
