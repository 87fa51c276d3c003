"""``nnlab tune`` and ``nnlab diagnose``: argument definitions and the run logic behind them."""

from __future__ import annotations

import argparse
import os


def add_tune_parser(sub) -> None:
    """Register ``nnlab tune`` on the CLI's subparsers."""
    t = sub.add_parser("tune", help="hyperparameter search on the digits, trials in parallel workers (Optuna)")
    t.add_argument("--param", action="append", default=[], metavar="NAME=KIND:LOW:HIGH",
                   help="a hyperparameter: lr=log:1e-3:0.3, dropout=uniform:0:0.5, optimizer=choice:sgd,adam "
                        "(default: lr=log:1e-3:0.3 and momentum=beta:0.5:0.99)")
    t.add_argument("--trials", type=int, default=8, help="trials in all (default 8)")
    t.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    t.add_argument("--sampler", default="tpe", help="tpe (Bayesian, default) or random")
    t.add_argument("--storage", default="sqlite:///runs/tune/study.db", help="Optuna storage URL "
                   "(SQLite file by default; postgresql://... to share a study between machines)")
    t.add_argument("--study", default="digits", help="study name (default digits)")
    t.add_argument("--model", default="mlp", help="model of each trial (default mlp)")
    t.add_argument("--epochs", type=int, default=5, help="epochs per trial (default 5)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--metric", choices=("error", "f1"), default="error",
                   help="what each trial minimizes: dev error, or 1 - the dev set's macro F1 (default error)")
    t.add_argument("--within", action="append", default=[], metavar="METRIC=BOUND",
                   help="a satisficing bound on the trials' extras, e.g. n_params=5000 or latency_ms=0.05: "
                        "report the best trial that meets every bound")
    t.add_argument("--train-dev", type=float, default=0.0, metavar="FRACTION",
                   help="each trial holds out this share of its training split as a train-dev set (default 0)")
    t.add_argument("--out", default="runs/tune", help="folder for trial runs, table and plot (default runs/tune)")


def _bounds(specs: list[str]) -> dict[str, float]:
    bounds = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        try:
            bounds[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"tune --within: expected METRIC=BOUND such as n_params=5000, got {spec!r}") from None
        if not sep or not name.strip():
            raise ValueError(f"tune --within: expected METRIC=BOUND such as n_params=5000, got {spec!r}")
    return bounds


def cmd_tune(args: argparse.Namespace) -> int:
    from nnlab.tune import importance, parse_space, plot_search, results_table, run_study
    from nnlab.tune.selection import satisficing_trial

    specs = args.param or ["lr=log:1e-3:0.3", "momentum=beta:0.5:0.99"]
    space = dict(parse_space(p) for p in specs)
    bounds = _bounds(args.within)
    os.makedirs(args.out, exist_ok=True)
    result = run_study(args.study, args.storage, "nnlab.tune.objectives:digits_error", space, args.trials,
                       workers=args.workers, sampler=args.sampler, seed=args.seed,
                       objective_kwargs={"model": args.model, "epochs": args.epochs, "out": args.out,
                                         "metric": args.metric, "train_dev": args.train_dev})
    print(results_table(result, top=10, extras=("dev_accuracy", "f1", "n_params", "latency_ms")))
    best = result.best
    label = "dev error" if args.metric == "error" else "1 - macro F1"
    print(f"best: trial {best.number}, {label} {best.value:.4f}, {best.params}")
    if bounds:
        pick = satisficing_trial(result, bounds)
        print(f"best within {', '.join(f'{k} <= {v:g}' for k, v in bounds.items())}: trial {pick.number}, "
              f"{label} {pick.value:.4f}, " + ", ".join(f"{k} {pick.extra[k]:.4g}" for k in bounds if k in pick.extra))
    if len(result.trials) >= 8:
        print("importance:", ", ".join(f"{k} {v:.2f}" for k, v in importance(result).items()))
    plot_search(result, os.path.join(args.out, "search.png"))
    print(f"{len(result.trials)} trials in study {args.study!r} at {args.storage}; plot {args.out}/search.png")
    return 0


def add_diagnose_parser(sub) -> None:
    """Register ``nnlab diagnose RUN_DIR``."""
    d = sub.add_parser("diagnose", help="bias / variance / mismatch report for a saved run")
    d.add_argument("run_dir", help="a run folder written by nnlab train")
    d.add_argument("--human", type=float, default=0.0,
                   help="human-level error as a fraction, the proxy for Bayes error (default 0)")


def cmd_diagnose(args: argparse.Namespace) -> int:
    from nnlab.diagnostics import diagnose
    from nnlab.runs import evaluate_run

    m = evaluate_run(args.run_dir)
    err = {s: 1.0 - m[f"{s}_accuracy"] for s in ("train", "train_dev", "dev", "test") if f"{s}_accuracy" in m}
    print("  ".join(f"{s.replace('_', '-')} error {v * 100:.2f} %" for s, v in err.items()),
          f" human {args.human * 100:.2f} %")
    if "train_dev" not in err:
        print("no train-dev set in this run (train with --train-dev 0.1 to separate variance from data mismatch)")
    print(diagnose(args.human, err["train"], err["dev"], train_dev=err.get("train_dev"), test=err.get("test")))
    return 0
