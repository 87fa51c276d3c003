"""The two file formats on the byte level: safetensors and ``.npz``, written reproducibly, read by parsing.

**Detection by parsing.** A file is safetensors when it *parses* as one: an 8-byte
little-endian header length ``n`` that fits the file, then ``n`` bytes of a JSON object.
No byte prefix decides, since valid files can begin with any bytes (a 384-byte
header starts ``80 01``, which a pickle sniff would mistake for protocol 1). Only a file
that does not parse is then named by its signature: a zip archive (``.npz`` or a
PyTorch ``.pt``), a pickle, or neither.

**Reproducible bytes.** :func:`safetensors_bytes` writes the header itself, with sorted
JSON keys and a fixed data order (largest itemsize first, then by name, as the
safetensors library aligns them), so the same arrays and metadata give the same file
in every process (the library's own writer orders the metadata map by a randomly
seeded hash).

**Bounded ``.npz`` reading.** Each member's ``.npy`` header is parsed first; its
declared shape and dtype fix its size, which must match the zip entry's, and the sum
over the archive must stay within ``max_bytes`` (:data:`NPZ_MAX_BYTES`, 512 MiB by
default). No member is inflated past the size its header declares, so a
decompression bomb (1 MB inflating to 1 GiB) is refused before it is unpacked.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Callable, NoReturn

import numpy as np
import safetensors.numpy as st_numpy

__all__ = ["FormatError", "detect_format", "safetensors_bytes", "read_safetensors", "npz_bytes", "read_npz", "NPZ_MAX_BYTES",
           "MAX_HEADER_BYTES"]

Fail = Callable[[str], NoReturn]


class FormatError(ValueError):
    """A file that is not what it claims to be; the message names the file and the reason."""

# safetensors itself refuses headers above 100 MB; refusing earlier spares the JSON parser.
MAX_HEADER_BYTES = 100_000_000
#: The most bytes the members of an ``.npz`` archive may inflate to, together (``load(max_bytes=...)``).
NPZ_MAX_BYTES = 512 * 1024 * 1024
_DTYPES = {"b": "BOOL", "u1": "U8", "i1": "I8", "u2": "U16", "i2": "I16", "u4": "U32", "i4": "I32", "u8": "U64",
           "i8": "I64", "f2": "F16", "f4": "F32", "f8": "F64"}
_PICKLE_PROTOCOLS = range(2, 6)  # b"\x80" followed by the protocol number


def _dtype_code(dtype: np.dtype) -> str:
    return _DTYPES["b" if dtype.kind == "b" else f"{dtype.kind}{dtype.itemsize}"]


def safetensors_bytes(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """A safetensors file of ``arrays`` (little-endian, C order) whose bytes depend on nothing else.

    Args:
        arrays: name → array of bool, (u)int8–64 or float16/32/64.
        metadata: the ``__metadata__`` map, strings to strings.
    """
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header: dict = {"__metadata__": dict(sorted(metadata.items()))}
    offset = 0
    for name in order:
        arr = arrays[name]
        header[name] = {"dtype": _dtype_code(arr.dtype), "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # data starts 8-byte aligned, as the safetensors library pads
    parts = [struct.pack("<Q", len(raw)), raw]
    for name in order:
        arr = arrays[name]
        parts.append(np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False)).tobytes())
    return b"".join(parts)


def _safetensors_header(data: bytes) -> tuple[dict | None, str]:
    """The parsed header of ``data`` if it is a safetensors file, else None and why not."""
    if len(data) < 8:
        return None, f"the file has {len(data)} bytes, fewer than the 8-byte safetensors header length"
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        return None, (f"the header claims {n} bytes but the file has {len(data) - 8} after the length field "
                      "(truncated or not safetensors)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"the header is not valid JSON ({exc})"
    if not isinstance(header, dict):
        return None, "the header is not a JSON object"
    return header, ""


def detect_format(data: bytes) -> str:
    """``"safetensors"``, ``"zip"`` (``.npz`` or PyTorch ``.pt``), ``"pickle"`` or ``"unknown"``, by parsing."""
    if _safetensors_header(data)[0] is not None:
        return "safetensors"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if len(data) > 1 and data[0] == 0x80 and data[1] in _PICKLE_PROTOCOLS:
        return "pickle"
    return "unknown"


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "a damaged zip archive"
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "a zip archive holding a PyTorch .pt checkpoint (pickled; nnlab never unpickles)"
    return "a zip archive"


def not_safetensors_reason(data: bytes, kind: str) -> str:
    """Why ``data``, detected as ``kind``, cannot be read as safetensors."""
    if kind == "pickle":
        return "it is a Python pickle; nnlab never unpickles (untrusted pickles can run arbitrary code)"
    if kind == "zip":
        return f"it is {_zip_kind(data)}, not a safetensors file"
    return _safetensors_header(data)[1]


def read_safetensors(data: bytes, fail: Fail) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse and check the header, then let the safetensors library decode the arrays."""
    header, reason = _safetensors_header(data)
    if header is None:
        fail(not_safetensors_reason(data, detect_format(data)))
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        fail("__metadata__ is not a map of strings to strings")
    try:
        arrays = st_numpy.load(data)
    except Exception as exc:  # safetensors raises its own error type for bad offsets, dtypes, sizes
        fail(f"the safetensors data is corrupt ({exc})")
    return arrays, meta


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` archive of ``arrays`` with fixed member timestamps (reproducible)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in arrays:
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(arrays[name]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue())
    return buf.getvalue()


def _npy_header(f, name: str, fail: Fail) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            fail(f"member {name!r} has .npy format version {version}, expected 1.0 or 2.0")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
    except FormatError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        fail(f"the .npz archive is unreadable: member {name!r} has a bad .npy header ({exc})")
    if dtype.hasobject or dtype.kind not in "biufU":
        fail(f"member {name!r} holds dtype {dtype} (pickled objects or an unsupported type); nnlab never unpickles")
    return shape, fortran, dtype


def read_npz(data: bytes, fail: Fail, max_bytes: int = NPZ_MAX_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive, each checked against its header before it is inflated."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        fail(f"the .npz archive is unreadable ({exc})")
    arrays: dict[str, np.ndarray] = {}
    total = 0
    for info in infos:
        name = info.filename
        if not name.endswith(".npy"):
            fail(f"the archive holds {name!r}, which is not a .npy array (a PyTorch .pt or another zip?)")
        try:
            with zf.open(info) as f:
                shape, fortran, dtype = _npy_header(f, name, fail)
                nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if info.file_size != f.tell() + nbytes:
                    fail(f"member {name!r} inflates to {info.file_size} bytes but its header describes "
                         f"{f.tell() + nbytes} (shape {shape}, dtype {dtype})")
                total += nbytes
                if total > max_bytes:
                    fail(f"its arrays inflate to more than {max_bytes} bytes, the limit "
                         "(a decompression bomb? pass max_bytes= to load larger files)")
                raw = f.read(nbytes)
                if len(raw) != nbytes or f.read(1):
                    fail(f"member {name!r} does not hold the {nbytes} bytes its header describes")
        except FormatError:
            raise
        # zipfile raises NotImplementedError for a compression method it cannot read.
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            fail(f"the .npz archive is unreadable ({exc})")
        order = "F" if fortran else "C"
        arrays[name[: -len(".npy")]] = np.frombuffer(raw, dtype=dtype).reshape(shape, order=order)
    return arrays
