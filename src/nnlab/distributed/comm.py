"""The process group: rank and world size from ``MPI.COMM_WORLD``, collectives with a deadline, aborts.

Processes are started by ``mpiexec -n P python ...`` (the MPICH wheel of the
``distributed`` extra ships ``mpiexec`` next to the venv's ``python``), the way Horovod
runs: every process executes the same script, and ``MPI.COMM_WORLD`` tells each its
rank ``r ∈ {0..P-1}`` and the world size ``P``. A process not started by a launcher is a
world of one, so the same script runs unchanged on one process (no MPI import at all).

No hang: every collective here is non-blocking (``Iallreduce`` / ``Ibcast``) and polled
against a deadline (``NNLAB_DIST_TIMEOUT`` seconds, default 300); a rank whose peers do
not arrive in time aborts the whole job with a message naming the collective. A rank
that raises calls ``COMM_WORLD.Abort`` from :func:`install_abort_handler`'s excepthook,
and ``mpiexec`` itself ends the job when a rank is killed.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any

import numpy as np

__all__ = [
    "init", "get_rank", "get_world_size", "is_distributed", "is_main_process", "allreduce", "broadcast",
    "barrier", "abort", "install_abort_handler", "DistributedError", "timeout_seconds",
]

#: Environment variables that MPI launchers set in every process they start.
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "HYDRA_CONTROL_FD")

_comm: Any = None
_initialized = False


class DistributedError(RuntimeError):
    """A collective did not complete: a peer failed, hung or left."""


def _launched() -> bool:
    return any(v in os.environ for v in _LAUNCHER_VARS)


def init() -> tuple[int, int]:
    """Join the world (idempotent); returns ``(rank, world_size)``.

    Under ``mpiexec`` this imports mpi4py (which calls ``MPI_Init``) and installs the
    abort handler; elsewhere it is a world of one with no MPI at all.
    """
    global _comm, _initialized
    if not _initialized:
        if _launched():
            try:
                from mpi4py import MPI
            except ImportError as exc:
                raise ImportError("nnlab.distributed: running under an MPI launcher but mpi4py is missing: "
                                  "pip install 'nnlab[distributed]'") from exc
            _comm = MPI.COMM_WORLD
            if _comm.Get_size() > 1:
                install_abort_handler()
        _initialized = True
    return get_rank(), get_world_size()


def get_rank() -> int:
    """This process's rank (0 on a world of one)."""
    return 0 if _comm is None else _comm.Get_rank()


def get_world_size() -> int:
    """The number of processes P (1 when not started by a launcher)."""
    return 1 if _comm is None else _comm.Get_size()


def is_distributed() -> bool:
    return get_world_size() > 1


def is_main_process() -> bool:
    """Rank 0: the one process that writes checkpoints, histories and progress bars."""
    return get_rank() == 0


def timeout_seconds() -> float:
    """How long a collective waits for its peers (``NNLAB_DIST_TIMEOUT``, default 300 s)."""
    value = os.environ.get("NNLAB_DIST_TIMEOUT", "300")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"nnlab.distributed: NNLAB_DIST_TIMEOUT must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"nnlab.distributed: NNLAB_DIST_TIMEOUT must be positive, got {seconds}")
    return seconds


def _wait(request, what: str) -> None:
    """Poll a non-blocking request until it completes or the deadline passes (then abort the job)."""
    if request.Test():
        return
    deadline = time.monotonic() + timeout_seconds()
    spin_until = time.monotonic() + 0.002
    while not request.Test():
        now = time.monotonic()
        if now > deadline:
            abort(f"{what} timed out after {timeout_seconds():.0f} s on rank {get_rank()} of {get_world_size()}: "
                  "another rank failed, hung or exited early")
        if now > spin_until:  # spin briefly for latency, then yield the core to the other ranks
            time.sleep(0.0005)


def allreduce(array: np.ndarray, what: str = "allreduce") -> np.ndarray:
    """Sum ``array`` over all ranks, in place (a contiguous array); returns it."""
    if _comm is None or _comm.Get_size() == 1:
        return array
    if not array.flags.c_contiguous:
        raise ValueError(f"nnlab.distributed.{what}: the buffer must be C-contiguous (shape {array.shape})")
    from mpi4py import MPI

    _wait(_comm.Iallreduce(MPI.IN_PLACE, array, op=MPI.SUM), what)
    return array


def allreduce_start(array: np.ndarray):
    """Start an in-place sum over ranks; returns the request (None on a world of one) for :func:`wait`."""
    if _comm is None or _comm.Get_size() == 1:
        return None
    from mpi4py import MPI

    return _comm.Iallreduce(MPI.IN_PLACE, array, op=MPI.SUM)


def wait(request, what: str) -> None:
    """Complete a request from :func:`allreduce_start` within the deadline."""
    if request is not None:
        _wait(request, what)


def broadcast(array: np.ndarray, root: int = 0, what: str = "broadcast") -> np.ndarray:
    """Overwrite ``array`` (contiguous) on every rank with rank ``root``'s copy; returns it."""
    if _comm is None or _comm.Get_size() == 1:
        return array
    _wait(_comm.Ibcast(array, root=root), what)
    return array


def barrier(what: str = "barrier") -> None:
    """Wait until every rank arrives (within the deadline)."""
    if _comm is not None and _comm.Get_size() > 1:
        _wait(_comm.Ibarrier(), what)


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` and end every rank of the job (``MPI_Abort``); raises DistributedError on a world of one."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(2, f"nnlab.distributed: rank {get_rank()}: {message}; aborting all {get_world_size()} ranks\n".encode())
    if _comm is not None and _comm.Get_size() > 1:
        time.sleep(0.5)  # let mpiexec forward this rank's output before it tears the job down
        _comm.Abort(code)
        os._exit(code)  # MPI_Abort may return once the launcher has begun killing the job
    raise DistributedError(message)


def install_abort_handler() -> None:
    """Make an uncaught exception on any rank abort the job instead of leaving the others waiting."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
        else:
            traceback.print_exception(exc_type, exc, tb)
        abort(f"uncaught {exc_type.__name__}: {exc}")

    sys.excepthook = hook
