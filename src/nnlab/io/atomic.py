"""Atomic file writes: every file nnlab writes appears whole or not at all.

The one scheme, used by every writer (model files, checkpoints, run folders' JSON,
history, vocabularies, plots): write a temp file beside the target, flush and
``fsync`` it, then ``os.replace`` it over the target and ``fsync`` the directory.
A reader never sees half a file; a crash or a full disk midway leaves the previous
file untouched.

Temp files are named ``.<name>.<pid>.<random>.tmp``, so concurrent writers of one
path (threads or processes) never share a temp file, and the last ``os.replace``
wins whole. A writer killed between creating its temp file and the rename leaves an
orphan; the next write of the same path removes the orphans whose process is gone
(or that are older than a day, for a pid reused since).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import threading
import time
from typing import IO, Iterator

__all__ = ["atomic_write", "atomic_open", "temp_name", "clean_orphans"]

_WRITE_CHUNK = 1 << 24
#: Temp files older than this are orphans even when their pid belongs to a live process.
ORPHAN_AGE_SECONDS = 24 * 3600
_live: set[str] = set()  # this process's temp files still being written
_live_lock = threading.Lock()


def temp_name(path: str) -> str:
    """A fresh temp-file path beside ``path``: ``<dir>/.<name>.<pid>.<12 hex>.tmp``."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else (or the platform cannot tell): keep it
    return True


def clean_orphans(path: str | os.PathLike) -> list[str]:
    """Remove temp files of ``path`` left by writers that died before their rename.

    A temp file is an orphan when its process no longer runs, when it is this process's
    but no write of it is in flight, or when it is older than :data:`ORPHAN_AGE_SECONDS`.

    Returns:
        The paths removed.
    """
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{12}}\.tmp$")
    removed = []
    try:
        entries = os.listdir(directory)
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = pattern.match(entry)
        if m is None:
            continue
        full = os.path.join(directory, entry)
        pid = int(m.group(1))
        with _live_lock:
            in_flight = full in _live
        if in_flight:
            continue
        try:
            old = now - os.stat(full).st_mtime > ORPHAN_AGE_SECONDS
        except OSError:
            continue
        if pid == os.getpid() or not _pid_alive(pid) or old:
            with contextlib.suppress(OSError):
                os.unlink(full)
                removed.append(full)
    return removed


def _fsync_directory(directory: str) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    # Persist the rename itself; best effort, some filesystems refuse to fsync a directory.
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def atomic_write(path: str | os.PathLike, data: bytes | bytearray | memoryview | str, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, ``os.replace``).

    Args:
        path: the destination; its directory must exist.
        data: bytes, or text encoded with ``encoding``.
        encoding: for text. Default: ``"utf-8"``.

    Raises:
        OSError: when the directory is not writable or the disk is full; any previous
            file at ``path`` is then unchanged and no temp file is left.
    """
    path = os.fspath(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    clean_orphans(path)
    tmp = temp_name(path)
    with _live_lock:
        _live.add(tmp)
    fd = -1
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        view = memoryview(payload).cast("B")
        while view:
            written = os.write(fd, view[:_WRITE_CHUNK])
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            # Name the file the caller asked for, not the temp file: "[Errno 28] No space left ...: 'runs/x/config.json'".
            raise OSError(exc.errno, exc.strerror or str(exc), path) from exc
        raise
    finally:
        with _live_lock:
            _live.discard(tmp)
    _fsync_directory(os.path.dirname(os.path.abspath(path)))


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """``with atomic_open(p) as f: ...``: a file object whose content lands at ``p`` atomically.

    What is written goes to memory; when the block ends without an exception it is
    written with :func:`atomic_write`. When the block raises, ``p`` is left untouched.
    For writers that want a file object (``json.dump``, ``fig.savefig``, ``csv``).

    Args:
        path: the destination.
        mode: ``"w"`` (text) or ``"wb"`` (bytes). Default: ``"w"``.
        encoding: for text mode. Default: ``"utf-8"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    buf: IO = io.StringIO() if mode == "w" else io.BytesIO()
    yield buf
    atomic_write(path, buf.getvalue(), encoding=encoding)
