"""``nnlab train --model gcn --dataset karate``: train a node classifier and write a run folder.

The folder ``<out>/<model>-<dataset>/`` holds ``config.json``, ``model.safetensors``,
``history.json``, ``metrics.json`` and ``curves.png`` — the same files as the other runs.
"""

from __future__ import annotations

import json
import os

from nnlab.io import save
from nnlab.models.graph.gcn import CONVS
from nnlab.models.graph.training import load_graph_dataset, train_node_classifier
from nnlab.train import plot_history

#: ``--model`` names that train a graph model (one per layer type).
GRAPH_MODELS = tuple(CONVS)


def train_graph_run(model: str = "gcn", dataset: str = "karate", epochs: int = 200, lr: float | None = None,
                    weight_decay: float = 5e-4, seed: int = 0, out: str = "runs", name: str = "",
                    quiet: bool = False) -> tuple[str, dict]:
    """Train ``model`` (a :data:`GRAPH_MODELS` name) on a graph data set; returns (run folder, metrics).

    The CLI passes its ``--weight-decay``; 0 (its default) means Kipf & Welling's 5·10⁻⁴ here.
    """
    graph = load_graph_dataset(dataset)
    eval_mask = "test"
    run = train_node_classifier(graph, conv=model, epochs=epochs, lr=lr or 0.01, weight_decay=weight_decay,
                                eval_mask=eval_mask, seed=seed, quiet=quiet)
    run_dir = os.path.join(out, name or f"{model}-{dataset}")
    os.makedirs(run_dir, exist_ok=True)
    config = {"model": model, "dataset": dataset, "epochs": epochs, "lr": lr or 0.01, "weight_decay": weight_decay,
              "seed": seed}
    for fname, obj in (("config.json", config), ("metrics.json", run.metrics)):
        with open(os.path.join(run_dir, fname), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2)
    save(run.model.state_dict(), os.path.join(run_dir, "model.safetensors"))
    run.history.to_json(os.path.join(run_dir, "history.json"))
    plot_history(run.history, os.path.join(run_dir, "curves.png"))
    return run_dir, run.metrics


def graph_train_command(args) -> int:
    """The CLI's ``train`` for graph models: print the run's accuracies and where it was saved."""
    print(f"nnlab train: {args.model} on {args.dataset} (graph, one full-graph step per epoch), seed {args.seed}")
    run_dir, m = train_graph_run(args.model, args.dataset, args.epochs or 200, args.lr, args.weight_decay or 5e-4,
                                 args.seed, args.out, args.name, args.quiet)
    print(f"train accuracy (labelled nodes): {m['train_accuracy']:.4f}   test accuracy: {m['test_accuracy']:.4f}"
          f"   ({m['train_seconds']:.1f} s)")
    print(f"saved: {run_dir}/ (model.safetensors, config.json, history.json, metrics.json, curves.png)")
    return 0
