"""Worker processes for ``DataLoader(num_workers=k)``: samples fetched and collated in parallel.

The parent draws the batches of indices (so the order is exactly that of
``num_workers=0``), deals them round-robin to ``k`` processes through one task queue
each, keeps ``prefetch_factor·k`` batches in flight and yields results in batch order.
Each worker seeds nnlab's global generator with ``base_seed + worker_id`` (``base_seed``
drawn from the parent's generator once per epoch), then runs ``worker_init_fn(worker_id)``.
An exception in a worker comes back to the parent and is raised there naming the worker
and carrying its traceback; a worker that dies is detected (no hang).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnlab.backend import default_generator, manual_seed

_POLL_S = 0.1


@dataclass
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: its id, the count, its seed and the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its :class:`WorkerInfo`; in the main process: None."""
    return _worker_info


class _Failure:
    def __init__(self, worker_id: int, exc: BaseException):
        self.worker_id = worker_id
        self.kind = type(exc).__name__
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _worker_loop(worker_id: int, num_workers: int, dataset, fetch: Callable, tasks, results,
                 worker_init_fn: Callable | None) -> None:
    global _worker_info
    seed = None
    initialized = False
    while True:
        msg = tasks.get()
        if msg is None:
            return
        epoch, batch_no, indices, base_seed = msg
        if base_seed != seed:  # a new epoch: reseed (persistent workers see several)
            seed = base_seed
            manual_seed(int(seed + worker_id) % 2**63)
            _worker_info = WorkerInfo(worker_id, num_workers, int(seed + worker_id), dataset)
            if not initialized and worker_init_fn is not None:
                try:
                    worker_init_fn(worker_id)
                except BaseException as exc:  # noqa: BLE001 - sent to the parent
                    results.put((epoch, batch_no, _Failure(worker_id, exc)))
                    continue
            initialized = True
        try:
            out = fetch(indices)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            out = _Failure(worker_id, exc)
        results.put((epoch, batch_no, out))


class WorkerPool:
    """``num_workers`` processes serving batches of indices for one loader (kept across epochs if persistent)."""

    def __init__(self, dataset, fetch: Callable, num_workers: int, worker_init_fn, context: str | None):
        ctx = mp.get_context(context or ("fork" if "fork" in mp.get_all_start_methods() else "spawn"))
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(num_workers)]
        self.procs = [
            ctx.Process(target=_worker_loop, args=(i, num_workers, dataset, fetch, self.tasks[i], self.results,
                                                   worker_init_fn), daemon=True)
            for i in range(num_workers)
        ]
        for p in self.procs:
            p.start()
        self.epoch = 0

    def run(self, batches, prefetch: int, timeout: float):
        """Yield the fetched batches in order; raise a worker's exception naming the worker."""
        self.epoch += 1
        epoch = self.epoch
        batches = list(batches)  # draw the order first, as num_workers=0 does, then the workers' seed
        base_seed = int(default_generator().integers(0, 2**62))
        it = enumerate(batches)
        sent = received = 0
        pending: dict[int, Any] = {}
        n = len(self.procs)

        def send() -> bool:
            nonlocal sent
            nxt = next(it, None)
            if nxt is None:
                return False
            k, indices = nxt
            self.tasks[k % n].put((epoch, k, np.asarray(indices, dtype=np.int64), base_seed))
            sent += 1
            return True

        more = True
        while more and sent < prefetch * n:
            more = send()
        waited = 0.0
        while received < sent:
            while received not in pending:
                try:
                    ep, k, out = self.results.get(timeout=_POLL_S)
                except queue.Empty:
                    waited += _POLL_S
                    self._check_alive()
                    if timeout and waited >= timeout:
                        raise RuntimeError(f"DataLoader timed out after {timeout} s waiting for batch {received}")
                    continue
                if ep == epoch:
                    pending[k] = out
            waited = 0.0
            out = pending.pop(received)
            received += 1
            if isinstance(out, _Failure):
                raise RuntimeError(f"DataLoader worker {out.worker_id}: caught {out.kind} while fetching a batch.\n"
                                   f"Original traceback in the worker:\n{out.text}")
            if more:
                more = send()
            yield out

    def _check_alive(self) -> None:
        for i, p in enumerate(self.procs):
            if not p.is_alive():
                raise RuntimeError(f"DataLoader worker {i} (pid {p.pid}) exited unexpectedly with exit code "
                                   f"{p.exitcode}")

    def close(self) -> None:
        for q, p in zip(self.tasks, self.procs):
            if p.is_alive():
                q.put(None)
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join()
        for q in self.tasks + [self.results]:
            q.close()
            q.join_thread()
        self.procs = []

    def __del__(self):
        if getattr(self, "procs", None):
            self.close()
