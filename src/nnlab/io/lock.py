"""``DirLock``: one process at a time in a run folder, instead of last-writer-wins.

The lock is an OS advisory lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on
``<dir>/.nnlab.lock``; the file holds the owner's pid for the error message. The OS
drops the lock when its process exits, however it exits (a SIGKILL included), so a
crashed run never leaves a folder locked: a stale lock file is harmless.
"""

from __future__ import annotations

import os
from types import TracebackType

__all__ = ["DirLock", "DirLockedError", "LOCK_NAME"]

LOCK_NAME = ".nnlab.lock"

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class DirLockedError(RuntimeError):
    """Another process holds the lock of a folder."""


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        if exc.errno in (11, 13, 35, 36):  # EAGAIN / EACCES / EWOULDBLOCK / EDEADLK
            return False
        raise
    return True


class DirLock:
    """An exclusive lock on a folder, held from :meth:`acquire` (or ``with``) to :meth:`release`.

    Args:
        directory: the folder to lock; it is created if missing.

    Raises:
        DirLockedError: on :meth:`acquire`, when another process (or another ``DirLock``
            of this process) holds the folder; the message names the folder and the pid.
        OSError: when the folder cannot be created or written (read-only, full).
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = os.fspath(directory)
        self.path = os.path.join(self.directory, LOCK_NAME)
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "DirLock":
        if self._fd is not None:
            return self
        try:
            return self._acquire()
        except DirLockedError:
            raise
        except OSError as exc:
            if exc.errno is None or exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, self.path) from exc  # name the file, as the OS does for paths

    def _acquire(self) -> "DirLock":
        os.makedirs(self.directory, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise DirLockedError(f"{self.directory} is in use by another process (pid {holder}; lock file "
                                 f"{self.path}); wait for it to finish or choose another folder")
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        except OSError:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if fcntl is None:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)  # closing drops a flock

    def __enter__(self) -> "DirLock":
        return self.acquire()

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
