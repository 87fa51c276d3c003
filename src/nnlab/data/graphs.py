"""Graph data: the ``Graph`` record, batching many graphs into one, and a loader for edge lists / CSV files.

A graph is node features x (N, D), an edge index (2, E) of ``(source, target)`` rows
(both directions for an undirected edge), and labels — per node (N,) for node
classification, or one per graph for graph classification. Graph-level tasks batch
several graphs into one big disconnected graph: features stacked, edge indices offset by
the number of nodes before them, and a ``batch`` vector (N,) naming each node's graph,
which the readouts (``nn.global_mean_pool``) use to pool per graph.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from nnlab.backend import float32
from nnlab.ops.sparse import check_edge_index


@dataclass
class Graph:
    """One graph.

    Attributes:
        x: node features (N, D) float32.
        edge_index: (2, E) int64 ``(source, target)`` rows.
        y: node labels (N,) int64, a graph label (int), or None.
        masks: named boolean node masks (``"train"``, ``"test"`` ...) for semi-supervised node tasks.
        node_names: the original node labels (e.g. from a file), or None when nodes are 0..N−1.
        class_names: names of the label values, or None.
    """

    x: np.ndarray
    edge_index: np.ndarray
    y: np.ndarray | int | None = None
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    node_names: list | None = None
    class_names: list | None = None

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x)
        if self.x.ndim != 2:
            raise ValueError(f"Graph: x must be node features (N, D), got shape {self.x.shape}")
        self.edge_index = check_edge_index(self.edge_index, self.x.shape[0], "Graph")
        if isinstance(self.y, np.ndarray) and self.y.ndim == 1 and self.y.shape[0] != self.num_nodes:
            raise ValueError(f"Graph: node labels y have {self.y.shape[0]} entries for {self.num_nodes} nodes")
        for name, m in self.masks.items():
            if np.shape(m) != (self.num_nodes,):
                raise ValueError(f"Graph: mask {name!r} has shape {np.shape(m)}, expected ({self.num_nodes},)")

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    def degrees(self) -> np.ndarray:
        """In-degree of every node (for an undirected edge list, the degree)."""
        return np.bincount(self.edge_index[1], minlength=self.num_nodes)


@dataclass
class GraphBatch:
    """Several graphs as one disconnected graph.

    Attributes:
        x: (ΣN_g, D). edge_index: (2, ΣE_g), offset per graph. batch: (ΣN_g,) graph id of each node.
        y: (G,) graph labels (or stacked node labels). num_graphs: G.
    """

    x: np.ndarray
    edge_index: np.ndarray
    batch: np.ndarray
    y: np.ndarray | None
    num_graphs: int


def collate_graphs(graphs: Sequence[Graph]) -> GraphBatch:
    """Batch graphs into one: stack features, offset edge indices, record each node's graph.

    Usable as a ``DataLoader``'s ``collate_fn`` over a list of :class:`Graph`.
    """
    if not graphs:
        raise ValueError("collate_graphs: cannot batch an empty list of graphs")
    widths = {g.x.shape[1] for g in graphs}
    if len(widths) != 1:
        raise ValueError(f"collate_graphs: graphs have different feature widths {sorted(widths)}")
    sizes = np.array([g.num_nodes for g in graphs])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    x = np.concatenate([g.x for g in graphs])
    ei = np.concatenate([g.edge_index + off for g, off in zip(graphs, offsets)], axis=1)
    batch = np.repeat(np.arange(len(graphs)), sizes)
    ys = [g.y for g in graphs]
    y = None if any(v is None for v in ys) else np.concatenate([np.atleast_1d(np.asarray(v)) for v in ys]).astype(np.int64)
    return GraphBatch(x, ei, batch, y, len(graphs))


def undirected(edges: np.ndarray) -> np.ndarray:
    """An edge index listing each edge (2, E) in both directions, without duplicates or self-loops."""
    e = np.asarray(edges, dtype=np.int64)
    both = np.concatenate([e, e[::-1]], axis=1)
    both = both[:, both[0] != both[1]]
    return np.unique(both, axis=1) if both.size else both.reshape(2, 0)


def _read_rows(path: str | os.PathLike, delimiter: str | None, comments: str) -> list[list[str]]:
    rows = []
    with open(path, newline="") as f:
        if delimiter is None:
            sample = f.read(4096)
            f.seek(0)
            delimiter = "," if "," in sample else ("\t" if "\t" in sample else None)
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith(comments):
                continue
            cells = next(csv.reader([line], delimiter=delimiter)) if delimiter else line.split()
            cells = [c.strip() for c in cells]
            if len(cells) < 2:
                raise ValueError(f"load_edge_list: {path}, line {line_no}: expected 'source target [weight]', "
                                 f"got {line!r}")
            rows.append(cells)
    return rows


def load_edge_list(path: str | os.PathLike, delimiter: str | None = None, comments: str = "#",
                   directed: bool = False, labels_path: str | os.PathLike | None = None) -> Graph:
    """Read a graph users bring: an edge list (``a b`` per line) or a CSV (``source,target[,weight]``).

    Node names may be any strings; they are numbered in order of first appearance and
    kept in ``node_names``. A header row (first cell ``source``, ``src``, ``from``, ``node1``
    or ``u``) is skipped. Node features
    are the identity (one-hot node ids), as in Kipf & Welling's featureless graphs.

    Args:
        path: the file. delimiter: ``None`` to detect comma, tab or whitespace. comments: line prefix to skip.
        directed: keep edges one way; otherwise both directions are listed (default False).
        labels_path: optional ``node,label`` CSV; labels are numbered by sorted name
            (``class_names``), nodes without a label get −1.
    """
    rows = _read_rows(path, delimiter, comments)
    if rows and rows[0][0].lower() in ("source", "src", "from", "node1", "u") and len(rows) > 1:
        rows = rows[1:]
    if not rows:
        raise ValueError(f"load_edge_list: {path} holds no edges")
    ids: dict[str, int] = {}
    for r in rows:
        for name in r[:2]:
            ids.setdefault(name, len(ids))
    src = np.array([ids[r[0]] for r in rows], dtype=np.int64)
    dst = np.array([ids[r[1]] for r in rows], dtype=np.int64)
    ei = np.stack([src, dst]) if directed else undirected(np.stack([src, dst]))
    n = len(ids)
    y, class_names = None, None
    if labels_path is not None:
        label_rows = [r for r in _read_rows(labels_path, None, comments) if r[0] in ids]
        class_names = sorted({r[1] for r in label_rows})
        y = np.full(n, -1, dtype=np.int64)
        for r in label_rows:
            y[ids[r[0]]] = class_names.index(r[1])
    return Graph(np.eye(n, dtype=float32), ei, y, node_names=list(ids), class_names=class_names)
