"""``nnlab`` on the command line: parse arguments, call the library, report.

    nnlab train [options]      train a model on bundled data (default LeNet-5 on the digits), write runs/<name>/
    nnlab train --resume RUN_DIR   continue an interrupted run from its last checkpoint
                               (--model vae | dcgan | dbn: the generative models, see nnlab.runs_generative)
    nnlab evaluate RUN_DIR     reload a run's model and report its accuracy
    nnlab summary [options]    print a model's layer table (or RUN_DIR's)
    nnlab explain              the seeds' backpropagation worked example, step by step
    nnlab export RUN_DIR F     write the run's model as ONNX file F, checked in onnxruntime
    nnlab train --model yolo --dataset shapes   train a YOLO detector on synthetic shapes (or faster_rcnn, mask_rcnn)
    nnlab train --model unet --dataset shapes-seg   train a U-Net (or unet-noskip, fcn) on synthetic class maps
    nnlab detect RUN_DIR IMAGE draw a detector run's boxes on an image
    nnlab rl ENV               train an RL agent (PPO / REINFORCE) on cartpole or gridworld, plot its curve
    nnlab tune [options]       hyperparameter search, trials in parallel workers sharing one Optuna study
    nnlab diagnose RUN_DIR     bias / variance / dev-overfitting report of a saved run
"""

from __future__ import annotations

import argparse
import os
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
    from nnlab.data import DATASETS, GRAPH_DATASETS
    from nnlab.models.detection.run import DETECTION_DATASETS, DETECTION_MODELS
    from nnlab.models.graph.run import GRAPH_MODELS
    from nnlab.models.segmentation.run import SEGMENTATION_DATASETS, SEGMENTATION_MODELS
    from nnlab.runs import MODELS
    from nnlab.runs_generative import GENERATIVE_MODELS

    d = _defaults()
    models = MODELS + GENERATIVE_MODELS + DETECTION_MODELS + GRAPH_MODELS + SEGMENTATION_MODELS
    p.add_argument("--model", choices=models, default=d.model, help=f"model to train (default {d.model})")
    p.add_argument("--dataset", choices=sorted(DATASETS) + list(DETECTION_DATASETS) + sorted(GRAPH_DATASETS)
                   + list(SEGMENTATION_DATASETS), default=d.dataset,
                   help=f"bundled dataset (default {d.dataset}; karate/sbm for the graph models)")
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
    t.add_argument("--epochs", type=_positive(int), default=None, help=f"maximum epochs (default {d.epochs}; yolo 10, faster_rcnn / mask_rcnn 8)")
    t.add_argument("--batch-size", type=_positive(int), default=None,
                   help=f"batch size (default: the model family's own; {d.batch_size} for the classifiers)")
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
    t.add_argument("--train-dev", type=float, default=d.train_dev, metavar="FRACTION",
                   help="hold out this share of the training split as a train-dev set, for nnlab diagnose (default 0)")
    t.add_argument("--out", default=d.out, help=f"folder for run folders (default {d.out})")
    t.add_argument("--name", default="", help="run folder name (default <model>-<dataset>)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--resume", metavar="RUN_DIR", nargs="?", const=True, default=None,
                   help="continue the run in RUN_DIR from its last checkpoint (its config.json decides the rest); "
                        "with --distributed and no RUN_DIR, the run named by --out/--name with these options")
    t.add_argument("--latent-dim", type=int, default=None, help="vae/dcgan: latent size (default 8 / 16)")
    t.add_argument("--k", type=int, default=1, help="dcgan: discriminator steps per generator step (default 1)")
    t.add_argument("--distributed", action="store_true", help="data parallel over the ranks of mpiexec -n P")

    e = sub.add_parser("evaluate", help="reload a run's model and report its loss and accuracy")
    e.add_argument("run_dir", help="a run folder written by 'nnlab train', e.g. runs/mlp-digits")

    s = sub.add_parser("summary", help="print a model's layers, output shapes and parameter counts")
    s.add_argument("run_dir", nargs="?", help="a run folder (default: the model the options describe)")
    _add_model_options(s)

    sub.add_parser("explain", help="the seeds' backpropagation worked example, step by step")

    x = sub.add_parser("export", help="write a run's model as ONNX (checked in onnxruntime)")
    x.add_argument("run_dir", help="a run folder written by 'nnlab train'")
    x.add_argument("output", help="the .onnx file to write")
    x.add_argument("--opset", type=int, default=18, help="ONNX opset, 18 to 26 (default 18)")
    de = sub.add_parser("detect", help="draw a detector run's boxes on an image (writes <image>_detections.png)")
    de.add_argument("run_dir", help="a run folder written by 'nnlab train --model yolo --dataset shapes'")
    de.add_argument("image", help="an image file (PNG, JPEG, ...)")
    de.add_argument("--out", default=None, help="output PNG (default <image>_detections.png)")
    de.add_argument("--conf", type=float, default=0.3, help="score threshold (default 0.3)")
    from nnlab.rl.run import add_rl_arguments

    add_rl_arguments(sub.add_parser("rl", help="train a reinforcement-learning agent (PPO, REINFORCE) and plot its curve"))
    _register_structuring(sub)
    return parser


def _cmd_train(args: argparse.Namespace) -> int:
    from nnlab.runs import RunConfig, read_config, resume_run, train_run
    from nnlab.runs_generative import GENERATIVE_MODELS, cli_train

    run_dir = args.resume if isinstance(args.resume, str) else None
    if run_dir is not None and not args.distributed:
        config = read_config(run_dir)
        print(f"nnlab train: resuming {run_dir} ({config.model} on {config.dataset}, seed {config.seed})")
        return _report(resume_run(run_dir, quiet=args.quiet))
    if args.resume is True and not args.distributed:
        raise ValueError("train: --resume needs the run folder (nnlab train --resume RUN_DIR)")
    from nnlab.models.detection.run import DETECTION_MODELS, train_detection_cli
    from nnlab.models.graph.run import GRAPH_MODELS, graph_train_command

    if args.model in DETECTION_MODELS:
        return train_detection_cli(args)
    if args.model in GRAPH_MODELS:
        return graph_train_command(args)
    from nnlab.models.segmentation.run import SEGMENTATION_MODELS, train_segmentation_cli

    if args.model in SEGMENTATION_MODELS:
        return train_segmentation_cli(args)
    args.epochs = args.epochs or _defaults().epochs
    if args.model in GENERATIVE_MODELS:
        return cli_train(args)
    config = read_config(run_dir) if run_dir is not None else RunConfig(
        model=args.model, dataset=args.dataset, hidden=args.hidden, activation=args.activation, dropout=args.dropout,
        optimizer=args.optimizer, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
        epochs=args.epochs, batch_size=args.batch_size or _defaults().batch_size, patience=args.patience, augment=args.augment, seed=args.seed,
        train_dev=args.train_dev, out=args.out, name=args.name,
    )  # fmt: skip
    if not args.distributed or os.environ.get("PMI_RANK", "0") == "0":  # one banner, from rank 0
        print(f"nnlab train: {config.model} on {config.dataset}, {config.optimizer} lr={config.lr}, seed {config.seed}")
    if args.distributed:
        from nnlab.distributed.launch import train_distributed

        result = train_distributed(config, quiet=args.quiet, resume=bool(args.resume))
        if result is None:  # ranks other than 0 report nothing
            return 0
    else:
        result = train_run(config, quiet=args.quiet)
    return _report(result)


def _report(result) -> int:
    m = result.metrics
    print(f"epochs run: {int(m['epochs_run'])} in {m['train_seconds']:.1f} s")
    print(f"train accuracy: {m['train_accuracy']:.4f}   dev accuracy: {m['dev_accuracy']:.4f}")
    print(f"test accuracy: {m['test_accuracy']:.4f}   (test loss {m['test_loss']:.4f})")
    print(f"saved: {result.run_dir}/ (model.safetensors, config.json, history.json, metrics.json, curves.png)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from nnlab.runs import evaluate_run

    m = evaluate_run(args.run_dir)
    for split in (s for s in ("train", "train_dev", "dev", "test") if f"{s}_loss" in m):
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


def _cmd_export(args: argparse.Namespace) -> int:
    from nnlab.runs_onnx import export_run

    m = export_run(args.run_dir, args.output, args.opset)
    print(f"wrote {args.output}; onnxruntime vs nnlab on test samples: max |diff| {m['max_abs_diff']:.2e} "
          f"(relative {m['max_rel_diff']:.1e}), same prediction {m['agreement']:.1%}")
    return 0


def _cmd_detect(args: argparse.Namespace) -> int:
    from nnlab.models.detection.run import detect_cli

    return detect_cli(args)


def _cmd_rl(args: argparse.Namespace) -> int:
    from nnlab.rl.run import rl_command

    return rl_command(args)


COMMANDS = {"train": _cmd_train, "evaluate": _cmd_evaluate, "summary": _cmd_summary, "explain": _cmd_explain,
            "export": _cmd_export, "detect": _cmd_detect, "rl": _cmd_rl}


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
    except (ValueError, TypeError, RuntimeError, OSError) as exc:
        # One line naming what failed and why; NNLAB_TRACEBACK=1 shows the traceback instead.
        if os.environ.get("NNLAB_TRACEBACK"):
            raise
        print(f"nnlab {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"nnlab {args.command}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"cannot write or read {exc.filename}: {exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
