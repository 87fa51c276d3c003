"""Graph neural networks: a node classifier (GCN and its spatial/spectral variants) and a graph classifier.

Both train through the one ``Trainer`` with a step function (:mod:`nnlab.models.graph.training`).
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor

#: conv name → factory(in, out) for the models' ``conv`` argument.
CONVS = {
    "gcn": lambda i, o: nn.GCNConv(i, o),
    "sage": lambda i, o: nn.SAGEConv(i, o),
    "gat": lambda i, o: nn.GATConv(i, o, heads=1),
    "cheb": lambda i, o: nn.ChebConv(i, o, K=2),
}


def _make_convs(conv: str, widths: list[int]) -> nn.ModuleList:
    if conv not in CONVS:
        raise ValueError(f"graph model: unknown conv {conv!r}; choose one of {', '.join(CONVS)}")
    return nn.ModuleList([CONVS[conv](a, b) for a, b in zip(widths[:-1], widths[1:])])


class GCN(nn.Module):
    """Z = Â · ReLU(Â X W⁽⁰⁾) W⁽¹⁾ (Kipf & Welling's two-layer GCN), returning per-node logits.

    Dropout (p) precedes every layer, as in the paper; other layer types via ``conv``.

    Args:
        in_features: D. hidden: widths of the hidden layers (default (16,)). num_classes: C.
        conv: ``"gcn"`` (default), ``"sage"``, ``"gat"`` or ``"cheb"`` (K = 2). dropout: default 0.5.

    Shape:
        x (N, D), graph (2, E) / (N, N) → (N, C) logits.
    """

    def __init__(self, in_features: int, num_classes: int, hidden=(16,), conv: str = "gcn", dropout: float = 0.5):
        super().__init__()
        self.convs = _make_convs(conv, [in_features, *hidden, num_classes])
        self.dropout = dropout

    def forward(self, x: Tensor, graph) -> Tensor:
        h = x
        for i, conv in enumerate(self.convs):
            h = F.dropout(h, self.dropout, self.training)
            h = conv(h, graph)
            if i < len(self.convs) - 1:
                h = F.relu(h)
        return h


class GraphClassifier(nn.Module):
    """logits_g = W · READOUT_{i ∈ g}(h_i⁽ᴸ⁾) + b: graph convolutions, a per-graph readout, a linear head.

    Args:
        in_features: D. num_classes: C. hidden: width (default 32). layers: conv layers (default 3).
        conv: as :class:`GCN` (default ``"gcn"``). readout: ``"mean"`` (default), ``"sum"`` or ``"max"``.

    Shape:
        x (ΣN_g, D), graph (2, ΣE_g), batch (ΣN_g,) → (G, C).
    """

    READOUTS = {"mean": nn.global_mean_pool, "sum": nn.global_add_pool, "max": nn.global_max_pool}

    def __init__(self, in_features: int, num_classes: int, hidden: int = 32, layers: int = 3, conv: str = "gcn",
                 readout: str = "mean"):
        super().__init__()
        if readout not in self.READOUTS:
            raise ValueError(f"GraphClassifier: readout must be one of {', '.join(self.READOUTS)}, got {readout!r}")
        self.convs = _make_convs(conv, [in_features] + [hidden] * layers)
        self.readout = readout
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: Tensor, graph, batch, num_graphs: int | None = None) -> Tensor:
        h = x
        for conv in self.convs:
            h = F.relu(conv(h, graph))
        return self.head(self.READOUTS[self.readout](h, np.asarray(batch), num_graphs))
