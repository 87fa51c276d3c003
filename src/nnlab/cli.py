"""``nnlab`` on the command line: parse arguments, call the library, report.

    nnlab train [options]      train a model on bundled data (default LeNet-5 on the digits), write runs/<name>/
    nnlab evaluate RUN_DIR     reload a run's model and report its accuracy
    nnlab summary [options]    print a model's layer table (or RUN_DIR's)
    nnlab explain              the seeds' backpropagation worked example, step by step
    nnlab tune [options]       hyperparameter search, trials in parallel workers sharing one Optuna study
    nnlab diagnose RUN_DIR     bias / variance / dev-overfitting report of a saved run
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from nnlab import __version__

_DEFAULTS = None


def _defaults():
    global _DEFAULTS
    if _DEFAULTS is None:
        from nnlab.runs import RunConfig

        _DEFAULTS = RunConfig()
    return _DEFAULTS


def _int_list(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 256,128, got {text!r}") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive layer widths such as 256,128, got {text!r}")
    return sizes


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive value, got {text!r}")
        return value

    return parse


def _add_model_options(p: argparse.ArgumentParser) -> None:
    from nnlab.data import DATASETS
    from nnlab.runs import MODELS

    d = _defaults()
    p.add_argument("--model", choices=MODELS, default=d.model, help=f"model to train (default {d.model})")
    p.add_argument("--dataset", choices=sorted(DATASETS), default=d.dataset, help=f"bundled dataset (default {d.dataset})")
    p.add_argument("--hidden", type=_int_list, default=d.hidden, help="MLP hidden widths, e.g. 256,128 (default 256)")
    p.add_argument("--activation", default=d.activation, help=f"MLP hidden activation (default {d.activation})")
    p.add_argument("--dropout", type=float, default=d.dropout, help=f"MLP dropout probability (default {d.dropout})")


def build_parser() -> argparse.ArgumentParser:
    from nnlab.runs import OPTIMIZERS

    d = _defaults()
    parser = argparse.ArgumentParser(prog="nnlab", description="nnlab: deep learning from the ground up on NumPy.")
    parser.add_argument("--version", action="version", version=f"nnlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a model on bundled data (default: LeNet-5 on the digits)")
    _add_model_options(t)
    t.add_argument("--epochs", type=_positive(int), default=d.epochs, help=f"maximum epochs (default {d.epochs})")
    t.add_argument("--batch-size", type=_positive(int), default=d.batch_size, help=f"batch size (default {d.batch_size})")
    t.add_argument("--optimizer", choices=list(OPTIMIZERS), default=d.optimizer, help=f"(default {d.optimizer})")
    t.add_argument("--lr", type=_positive(float), default=None,
                   help="learning rate (default: 0.05 for sgd, 1e-3 for adam/adamw/rmsprop, 1e-2 adagrad, 1.0 adadelta)")
    t.add_argument("--momentum", type=float, default=d.momentum, help=f"SGD/RMSprop momentum (default {d.momentum})")
    t.add_argument("--weight-decay", type=float, default=d.weight_decay, help="L2 weight decay (default 0)")
    t.add_argument("--patience", type=int, default=d.patience,
                   help=f"early-stopping patience in epochs, 0 = off (default {d.patience})")
    t.add_argument("--no-augment", dest="augment", action="store_false",
                   help="no random 2-pixel shifts of the training images (image models only)")
    t.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    t.add_argument("--out", default=d.out, help=f"folder for run folders (default {d.out})")
    t.add_argument("--name", default="", help="run folder name (default <model>-<dataset>)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="reload a run's model and report its loss and accuracy")
    e.add_argument("run_dir", help="a run folder written by 'nnlab train', e.g. runs/mlp-digits")

    s = sub.add_parser("summary", help="print a model's layers, output shapes and parameter counts")
    s.add_argument("run_dir", nargs="?", help="a run folder (default: the model the options describe)")
    _add_model_options(s)

    sub.add_parser("explain", help="the seeds' backpropagation worked example, step by step")
    _register_structuring(sub)
    return parser


def _cmd_train(args: argparse.Namespace) -> int:
    from nnlab.runs import RunConfig, train_run

    config = RunConfig(
        model=args.model, dataset=args.dataset, hidden=args.hidden, activation=args.activation, dropout=args.dropout,
        optimizer=args.optimizer, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
        epochs=args.epochs, batch_size=args.batch_size, patience=args.patience, augment=args.augment, seed=args.seed,
        out=args.out, name=args.name,
    )  # fmt: skip
    print(f"nnlab train: {config.model} on {config.dataset}, {config.optimizer} lr={config.lr}, seed {config.seed}")
    result = train_run(config, quiet=args.quiet)
    m = result.metrics
    print(f"epochs run: {int(m['epochs_run'])} in {m['train_seconds']:.1f} s")
    print(f"train accuracy: {m['train_accuracy']:.4f}   dev accuracy: {m['dev_accuracy']:.4f}")
    print(f"test accuracy: {m['test_accuracy']:.4f}   (test loss {m['test_loss']:.4f})")
    print(f"saved: {result.run_dir}/ (model.safetensors, config.json, history.json, metrics.json, curves.png)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from nnlab.runs import evaluate_run

    m = evaluate_run(args.run_dir)
    for split in ("train", "dev", "test"):
        print(f"{split:>5}: loss {m[f'{split}_loss']:.4f}  accuracy {m[f'{split}_accuracy']:.4f}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from nnlab.nn import summary
    from nnlab.runs import RunConfig, build_model, load_data, load_run

    if args.run_dir:
        _, model, data = load_run(args.run_dir)
    else:
        config = RunConfig(model=args.model, dataset=args.dataset, hidden=args.hidden, activation=args.activation,
                           dropout=args.dropout)
        data = load_data(config)
        model = build_model(config, data.input_shape, data.num_classes)
    summary(model, data.input_shape)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from nnlab.explain import seed_example

    print(seed_example())
    return 0


COMMANDS = {"train": _cmd_train, "evaluate": _cmd_evaluate, "summary": _cmd_summary, "explain": _cmd_explain}


def _register_structuring(sub) -> None:
    from nnlab.tune.command import add_diagnose_parser, add_tune_parser, cmd_diagnose, cmd_tune

    add_tune_parser(sub)
    add_diagnose_parser(sub)
    COMMANDS.update({"tune": cmd_tune, "diagnose": cmd_diagnose})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nnlab`` and ``python -m nnlab``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError, TypeError) as exc:
        print(f"nnlab {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"nnlab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
