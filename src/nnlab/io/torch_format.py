"""Read PyTorch ``.pt`` / ``.pth`` files (``torch.save``'s zip format) without unpickling.

A PyTorch file is a zip archive holding ``<name>/data.pkl`` — a pickle describing the
structure — and one raw little-endian buffer per storage under ``<name>/data/<key>``.
Unpickling runs whatever callables the pickle names, so this reader never does: it walks
the opcode stream with :func:`pickletools.genops` and interprets a small stack machine
that admits only what PyTorch's own ``weights_only=True`` admits for state dicts —

* the globals ``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2``,
  ``torch._utils._rebuild_parameter`` and the ``torch.*Storage`` types, each mapped to a
  function written here (nothing from the file is imported or called);
* persistent ids ``("storage", <type>, <key>, <location>, <numel>)``;
* dicts, lists, tuples, strings, numbers, booleans and None.

Any other global (``os.system``, ``builtins.eval``, ...), any other way of building an
object, or a malformed stream is refused with a ``ValueError`` that names it, before
anything is built.
"""

from __future__ import annotations

import io
import pickletools  # an opcode reader: it parses the stream, it never unpickles
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy

_STORAGES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "LongStorage": np.int64,
    "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _Global:
    def __init__(self, name: str):
        self.name = name


class _Mark:
    pass


_MARK = _Mark()


def is_torch_zip(data: bytes) -> bool:
    """Whether ``data`` is a zip archive with a ``*/data.pkl`` entry (torch.save's format)."""
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def load_torch(data: bytes, where: str = "<bytes>") -> Any:
    """Decode the bytes of a ``torch.save`` file into nested dicts/lists of nnlab Tensors.

    Raises:
        ValueError: the archive is malformed or its pickle asks for anything beyond
            tensor rebuilding and plain containers (nothing is executed).
    """

    def fail(reason: str):
        raise ValueError(f"load: {where!r} is refused as a PyTorch file: {reason}")

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        fail(f"not a zip archive ({exc})")
    with z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            fail(f"expected one data.pkl entry, found {len(pkl)}")
        prefix = pkl[0][: -len("data.pkl")]
        order = prefix + "byteorder"
        if order in names and z.read(order).strip() not in (b"little", b""):
            fail(f"big-endian archives are not supported (byteorder {z.read(order)!r})")
        stream = z.read(pkl[0])

        def storage(key: str, dtype, numel: int) -> np.ndarray:
            entry = f"{prefix}data/{key}"
            if entry not in names:
                fail(f"the pickle refers to storage {key!r}, which the archive does not hold")
            raw = z.read(entry)
            itemsize = np.dtype(dtype).itemsize
            if len(raw) < numel * itemsize:
                fail(f"storage {key!r} holds {len(raw)} bytes, {numel * itemsize} expected")
            return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=numel)

        return _interpret(stream, storage, fail)


def _rebuild_tensor(fail, args) -> Tensor:
    if not isinstance(args, tuple) or len(args) < 4:
        fail(f"_rebuild_tensor_v2 got {len(args) if isinstance(args, tuple) else type(args).__name__} arguments")
    store, offset, size, stride = args[:4]
    if not isinstance(store, np.ndarray) or not all(isinstance(v, int) for v in (offset, *size, *stride)):
        fail("_rebuild_tensor_v2 got arguments of the wrong types")
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        fail(f"tensor of size {size} with stride {stride} at offset {offset} is malformed")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset - 1
    if last >= store.size:
        fail(f"tensor of size {size}, stride {stride}, offset {offset} reaches past its storage of {store.size}")
    if not all(size):
        return from_numpy(np.zeros(size, dtype=store.dtype.newbyteorder("=")))
    view = np.lib.stride_tricks.as_strided(store[offset:], shape=size,
                                           strides=tuple(s * store.itemsize for s in stride))
    return from_numpy(np.array(view, dtype=store.dtype.newbyteorder("="), copy=True))


def _call(fn: _Global, args, fail):
    if not isinstance(args, tuple):
        fail(f"REDUCE of {fn.name} got non-tuple arguments")
    if fn.name == "collections OrderedDict":
        if args:
            fail("OrderedDict called with arguments")
        return OrderedDict()
    if fn.name == "torch._utils _rebuild_tensor_v2":
        return _rebuild_tensor(fail, args)
    if fn.name == "torch._utils _rebuild_parameter":
        if len(args) < 2 or not isinstance(args[0], Tensor):
            fail("_rebuild_parameter got malformed arguments")
        return args[0]
    fail(f"the global {fn.name.replace(' ', '.')} cannot be called")


def _interpret(stream: bytes, storage, fail) -> Any:  # noqa: C901 - one opcode per branch
    stack: list = []
    memo: dict[int, Any] = {}

    def pop_mark() -> list:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1:]
                del stack[i:]
                return items
        fail("MARK missing")

    try:
        ops = list(pickletools.genops(stream))
    except Exception as exc:  # a truncated or garbled stream: genops raises ValueError and others
        fail(f"the pickle stream is malformed ({exc})")
    for op, arg, _pos in ops:
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            if len(stack) != 1:
                fail(f"the stream stops with {len(stack)} values on the stack")
            return stack[0]
        if name in ("GLOBAL", "STACK_GLOBAL"):
            if name == "STACK_GLOBAL":
                if len(stack) < 2 or not all(isinstance(s, str) for s in stack[-2:]):
                    fail("STACK_GLOBAL without two names")
                mod, qual = stack.pop(-2), stack.pop()
                arg = f"{mod} {qual}"
            mod, _, qual = arg.partition(" ")
            allowed = arg in ("collections OrderedDict", "torch._utils _rebuild_tensor_v2",
                              "torch._utils _rebuild_parameter") or (mod == "torch" and qual in _STORAGES)
            if not allowed:
                fail(f"it names the global {mod}.{qual}; only tensor-rebuild records, storages and plain "
                     "containers are admitted (what torch.load(weights_only=True) allows)")
            stack.append(_Global(arg))
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            if not stack:
                fail("PUT on an empty stack")
            memo[int(arg)] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            if int(arg) not in memo:
                fail(f"GET of unknown memo entry {arg}")
            stack.append(memo[int(arg)])
        elif name == "MARK":
            stack.append(_MARK)
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name == "TUPLE":
            stack.append(tuple(pop_mark()))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            if len(stack) < n:
                fail(f"{name} on a stack of {len(stack)}")
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name in ("LIST", "DICT"):
            items = pop_mark()
            stack.append(items if name == "LIST" else dict(zip(items[::2], items[1::2])))
        elif name in ("SETITEM", "SETITEMS"):
            items = [stack.pop(-2), stack.pop()] if name == "SETITEM" else pop_mark()
            if not stack or not isinstance(stack[-1], dict) or len(items) % 2:
                fail(f"{name} on something that is not a dict")
            for k, v in zip(items[::2], items[1::2]):
                if not isinstance(k, (str, int, float, bool, tuple)) and k is not None:
                    fail(f"dict key of type {type(k).__name__}")
                stack[-1][k] = v
        elif name in ("APPEND", "APPENDS"):
            items = [stack.pop()] if name == "APPEND" else pop_mark()
            if not stack or not isinstance(stack[-1], list):
                fail(f"{name} on something that is not a list")
            stack[-1].extend(items)
        elif name in ("BININT", "BININT1", "BININT2", "LONG1", "LONG4", "INT", "LONG", "BINFLOAT", "FLOAT",
                      "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE"):
            if name == "INT" and arg in (True, False):
                arg = bool(arg)
            stack.append(arg)
        elif name in ("NEWTRUE", "NEWFALSE"):
            stack.append(name == "NEWTRUE")
        elif name == "NONE":
            stack.append(None)
        elif name == "BINPERSID":
            pid = stack.pop() if stack else None
            if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                    or not isinstance(pid[1], _Global) or not isinstance(pid[2], str) or not isinstance(pid[4], int)):
                fail(f"unexpected persistent id {pid!r}")
            # the location (pid[3]) is ignored: tensors saved from a GPU load onto the CPU
            stack.append(storage(pid[2], _STORAGES[pid[1].name.split(" ")[1]], pid[4]))
        elif name == "REDUCE":
            if len(stack) < 2 or not isinstance(stack[-2], _Global):
                fail("REDUCE of something that is not an admitted global")
            args = stack.pop()
            fn = stack.pop()
            stack.append(_call(fn, args, fail))
        elif name == "BUILD":
            state = stack.pop() if stack else None
            if not stack or not isinstance(stack[-1], OrderedDict) or not isinstance(state, dict):
                fail("BUILD of something other than a state dict's metadata")
            # a state dict's ``_metadata`` (per-module versions): kept as an attribute-free no-op
        else:
            fail(f"the opcode {name} is not admitted")
        if len(stack) > 1_000_000:
            fail("the stack grows without bound")
    fail("the stream ends without STOP")
