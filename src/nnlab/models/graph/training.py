"""Training graph models through the one ``Trainer`` with step functions.

Node classification on one graph is *transductive*: every epoch is one full-graph
forward pass, so the "loader" is the one-element list ``[graph]``; the step computes the
loss on the training mask (training) or the evaluation mask (evaluation). Graph
classification uses a ``DataLoader`` over graphs with :func:`nnlab.data.collate_graphs`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from nnlab import functional as F
from nnlab import optim
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, Graph, GraphBatch, collate_graphs
from nnlab.data.datasets.graph_sets import GRAPH_DATASETS
from nnlab.models.graph.gcn import GCN, GraphClassifier
from nnlab.ops.creation import as_tensor
from nnlab.train import History, Trainer


def node_classification_step(train_mask: str = "train", eval_mask: str = "test"):
    """A step function ``f(trainer, graph)``: cross-entropy and accuracy on the nodes of a mask.

    Returns ``{"loss": Tensor, "accuracy": float, "n": 1}`` — the loss Tensor is optimized by
    the Trainer in training; in evaluation it is computed on ``eval_mask``.
    """

    def step(trainer: Trainer, graph: Graph) -> dict:
        mask = graph.masks[train_mask if trainer.training else eval_mask]
        idx = np.flatnonzero(mask)
        logits = trainer.model(as_tensor(graph.x), graph.edge_index)[idx]
        target = graph.y[idx]
        loss = F.cross_entropy(logits, as_tensor(target))
        acc = float(np.mean(logits.array.argmax(1) == target))
        return {"loss": loss, "accuracy": acc, "n": 1}

    return step


def graph_classification_step(trainer: Trainer, batch: GraphBatch) -> dict:
    """A step function over a :class:`GraphBatch`: cross-entropy of the per-graph logits, and accuracy."""
    logits = trainer.model(as_tensor(batch.x), batch.edge_index, batch.batch, batch.num_graphs)
    loss = F.cross_entropy(logits, as_tensor(batch.y))
    return {"loss": loss, "accuracy": float(np.mean(logits.array.argmax(1) == batch.y)), "n": batch.num_graphs}


@dataclass
class NodeRun:
    """What :func:`train_node_classifier` produced."""

    model: GCN
    history: History
    metrics: dict[str, float] = field(default_factory=dict)


def train_node_classifier(graph: Graph, hidden=(16,), conv: str = "gcn", epochs: int = 200, lr: float = 0.01,
                          weight_decay: float = 5e-4, dropout: float = 0.5, eval_mask: str = "test", seed: int = 0,
                          quiet: bool = True) -> NodeRun:
    """Kipf & Welling's semi-supervised recipe: Adam, lr 0.01, weight decay 5·10⁻⁴, dropout 0.5, 200 epochs.

    Returns the model, the history (``loss``/``accuracy`` on the train mask, ``val_*`` on
    ``eval_mask``) and final metrics ``train_accuracy``, ``{eval_mask}_accuracy``, ``train_seconds``.
    """
    manual_seed(seed)
    num_classes = int(graph.y.max()) + 1
    model = GCN(graph.x.shape[1], num_classes, hidden=hidden, conv=conv, dropout=dropout)
    opt = optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    trainer = Trainer(model, optimizer=opt, step_fn=node_classification_step("train", eval_mask), quiet=quiet)
    start = time.perf_counter()
    history = trainer.fit([graph], [graph], epochs=epochs)
    seconds = time.perf_counter() - start
    final = trainer.evaluate([graph])
    trainer.step_fn = node_classification_step("train", "train")
    train_acc = trainer.evaluate([graph])["accuracy"]
    return NodeRun(model, history, {"train_accuracy": train_acc, f"{eval_mask}_accuracy": final["accuracy"],
                                    f"{eval_mask}_loss": final["loss"], "train_seconds": seconds})


def train_graph_classifier(graphs: list[Graph], test_fraction: float = 0.25, hidden: int = 32, layers: int = 3,
                           conv: str = "gcn", readout: str = "max", epochs: int = 30, batch_size: int = 16,
                           lr: float = 0.01, seed: int = 0, quiet: bool = True) -> tuple[GraphClassifier, History, dict]:
    """Train a :class:`GraphClassifier` on labelled graphs; returns the model, history and test accuracy.

    The first ``test_fraction`` of ``graphs`` is held out. The default readout is ``"max"``: on cycles vs
    trees with constant features the mean of the GCN-normalized features barely differs between the
    classes (measured: 0.47 test accuracy after 30 epochs with mean, 0.93 with max).
    """
    manual_seed(seed)
    n_test = max(1, int(len(graphs) * test_fraction))
    train, test = graphs[n_test:], graphs[:n_test]
    num_classes = int(max(int(g.y) for g in graphs)) + 1
    model = GraphClassifier(graphs[0].x.shape[1], num_classes, hidden=hidden, layers=layers, conv=conv, readout=readout)
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=lr), step_fn=graph_classification_step,
                      quiet=quiet)
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True, collate_fn=collate_graphs)
    test_loader = DataLoader(test, batch_size=batch_size, collate_fn=collate_graphs)
    history = trainer.fit(train_loader, test_loader, epochs=epochs)
    return model, history, {"test_accuracy": trainer.evaluate(test_loader)["accuracy"]}


def load_graph_dataset(name: str, **kwargs) -> Graph:
    """A node-classification graph by name (:data:`nnlab.data.GRAPH_DATASETS`)."""
    if name not in GRAPH_DATASETS:
        raise ValueError(f"unknown graph dataset {name!r}; choose one of {', '.join(GRAPH_DATASETS)}")
    return GRAPH_DATASETS[name](**kwargs)
