"""Graph neural networks: GCN node classifiers (GCN / GraphSAGE / GAT / Chebyshev layers), graph classifiers,
their Trainer step functions and the ``nnlab train --model gcn`` run."""

from nnlab.models.graph.gcn import CONVS, GCN, GraphClassifier
from nnlab.models.graph.training import (
    NodeRun, graph_classification_step, load_graph_dataset, node_classification_step, train_graph_classifier,
    train_node_classifier,
)

__all__ = ["CONVS", "GCN", "GraphClassifier", "NodeRun", "node_classification_step", "graph_classification_step",
           "train_node_classifier", "train_graph_classifier", "load_graph_dataset"]
