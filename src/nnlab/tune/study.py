""""Caviar": many trials in parallel worker processes sharing one Optuna study.

Every worker opens the same study through Optuna's storage and asks it for trials, so the
trials of all workers land in one table and each is recorded exactly once:

- one machine: a SQLite file (``sqlite:///runs/tune.db``), nothing to start;
- several machines: any database URL Optuna accepts (``postgresql://user@host/db``,
  ``mysql://...``); start ``nnlab tune --storage URL --study NAME`` on each machine.

A worker that dies loses only the trial it was running (left RUNNING, or FAIL once its
heartbeat lapses); the others carry on. Samplers: ``"random"`` (the seeds' random search) and
``"tpe"`` (Optuna's Tree-structured Parzen Estimator — the seeds' "automated / Bayesian" search).

The objective is named ``"package.module:function"`` so that a fresh worker process can import
it; it is called as ``f(params, **objective_kwargs)`` and returns the score (or ``(score, extras)``).
"""

from __future__ import annotations

import importlib
import math
import multiprocessing as mp
import os
from typing import Any, Callable, Mapping

from nnlab.tune.search import SearchResult, TrialResult
from nnlab.tune.spaces import Space, make_space

SAMPLERS = ("tpe", "random")


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def check_storage(url: str) -> str:
    """Make sure ``url`` can be opened; for SQLite create the folder. Returns the URL.

    Raises:
        ValueError: naming the URL when it is not a database URL or the server cannot be reached.
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"tune: storage {url!r} is not a database URL (e.g. sqlite:///runs/tune.db)")
    if url.startswith("sqlite:///"):
        folder = os.path.dirname(url[len("sqlite:///"):])
        if folder:
            os.makedirs(folder, exist_ok=True)
        return url
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # driver missing, refused connection, bad credentials: one line naming the URL
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"tune: cannot reach storage {url!r}: {first}") from None
    return url


def make_sampler(name: str, seed: int | None = None):
    """Optuna's sampler for ``name`` ("tpe" or "random")."""
    optuna = _optuna()
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"tune: unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def create_study(name: str, storage: str, direction: str = "minimize", sampler: str = "tpe", seed: int | None = None):
    """Create (or open, if it exists) the study ``name`` in ``storage``."""
    optuna = _optuna()
    check_storage(storage)
    return optuna.create_study(study_name=name, storage=storage, direction=direction,
                               sampler=make_sampler(sampler, seed), load_if_exists=True)


def resolve_objective(ref: str | Callable) -> Callable:
    """The function a ``"module:function"`` reference names (a callable passes through)."""
    if callable(ref):
        return ref
    mod, _, fn = str(ref).partition(":")
    if not mod or not fn:
        raise ValueError(f"tune: objective must be 'module:function', got {ref!r}")
    try:
        return getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"tune: cannot import objective {ref!r}: {exc}") from None


def _optuna_objective(fn: Callable, spaces: Mapping[str, Space], kwargs: Mapping[str, Any]):
    def objective(trial) -> float:
        params = {n: s.suggest(trial, n) for n, s in spaces.items()}
        trial.set_user_attr("params", params)
        out = fn(dict(params), **kwargs)
        value, extra = (out[0], dict(out[1])) if isinstance(out, tuple) else (out, {})
        for k, v in extra.items():
            trial.set_user_attr(k, float(v))
        trial.set_user_attr("worker", os.getpid())
        return float(value)

    return objective


def run_worker(study_name: str, storage: str, objective: str | Callable, space: Mapping[str, Any],
               n_trials: int, direction: str = "minimize", sampler: str = "tpe", seed: int | None = None,
               objective_kwargs: Mapping[str, Any] | None = None) -> int:
    """One worker: open the shared study and run ``n_trials`` trials in it. Returns the trials run."""
    study = create_study(study_name, storage, direction, sampler, seed)
    fn = resolve_objective(objective)
    study.optimize(_optuna_objective(fn, make_space(space), objective_kwargs or {}), n_trials=n_trials)
    return n_trials


def _worker_main(args: tuple) -> int:
    return run_worker(*args)


def run_study(study_name: str, storage: str, objective: str | Callable, space: Mapping[str, Any], n_trials: int,
              workers: int = 1, direction: str = "minimize", sampler: str = "tpe", seed: int = 0,
              objective_kwargs: Mapping[str, Any] | None = None) -> SearchResult:
    """Run ``n_trials`` trials split over ``workers`` processes sharing one study; return all its trials.

    Args:
        study_name: the study's name in ``storage`` (trials add up across calls and machines).
        storage: a database URL (``sqlite:///path.db``, ``postgresql://...``).
        objective: ``"module:function"`` (required with ``workers > 1``) or a callable.
        space: ``{name: Space | spec}``.
        n_trials: trials in all, divided as evenly as possible among the workers.
        workers: worker processes (1 runs in this process). Default: 1.
        direction, sampler, seed: see :func:`create_study`; worker i uses seed ``seed + i``.
        objective_kwargs: extra keyword arguments of the objective (e.g. epochs).
    """
    if workers < 1 or n_trials < 1:
        raise ValueError(f"tune: workers and n_trials must be >= 1, got workers={workers}, n_trials={n_trials}")
    spaces = make_space(space)
    create_study(study_name, storage, direction, sampler, seed)  # fail fast, before any process starts
    shares = [n_trials // workers + (i < n_trials % workers) for i in range(workers)]
    jobs = [(study_name, storage, objective, spaces, k, direction, sampler, seed + i, objective_kwargs)
            for i, k in enumerate(shares) if k > 0]
    if workers == 1:
        _worker_main(jobs[0])
    else:
        if callable(objective):
            raise ValueError("tune: with workers > 1 the objective must be named 'module:function'")
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=_worker_main, args=(job,)) for job in jobs]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        dead = [p.exitcode for p in procs if p.exitcode != 0]
        if dead:  # the other workers' trials are kept in the study
            print(f"tune: {len(dead)} worker(s) exited with status {dead}; their running trials are lost")
    return load_study(study_name, storage, spaces)


def load_study(study_name: str, storage: str, space: Mapping[str, Space] | None = None) -> SearchResult:
    """The finished trials of a stored study as a :class:`SearchResult` (params in the space's own units)."""
    optuna = _optuna()
    check_storage(storage)
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        raise ValueError(f"tune: no study named {study_name!r} in {storage!r}") from None
    direction = "maximize" if study.direction == optuna.study.StudyDirection.MAXIMIZE else "minimize"
    trials = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        attrs = dict(t.user_attrs)
        params = attrs.pop("params", t.params)
        extra = {k: float(v) for k, v in attrs.items() if isinstance(v, (int, float)) and math.isfinite(v)}
        trials.append(TrialResult(t.number, params, float(t.value), extra))
    return SearchResult(trials, direction, dict(space or {}))
