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
    t.add_argument("--out", default="runs/tune", help="folder for trial runs, table and plot (default runs/tune)")


def cmd_tune(args: argparse.Namespace) -> int:
    from nnlab.tune import importance, parse_space, plot_search, results_table, run_study

    specs = args.param or ["lr=log:1e-3:0.3", "momentum=beta:0.5:0.99"]
    space = dict(parse_space(p) for p in specs)
    os.makedirs(args.out, exist_ok=True)
    result = run_study(args.study, args.storage, "nnlab.tune.objectives:digits_error", space, args.trials,
                       workers=args.workers, sampler=args.sampler, seed=args.seed,
                       objective_kwargs={"model": args.model, "epochs": args.epochs, "out": args.out})
    print(results_table(result, top=10, extras=("dev_accuracy", "n_params", "seconds")))
    best = result.best
    print(f"best: trial {best.number}, dev error {best.value:.4f}, {best.params}")
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
