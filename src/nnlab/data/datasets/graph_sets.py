"""Graph data sets: Zachary's karate club (shipped with networkx), stochastic block models, cycles vs trees.

- ``load_karate_club``: 34 members of a karate club, 78 friendships; the club split in two
  (Zachary, 1977) and each member's side is the node label. The semi-supervised task of
  Kipf & Welling: one labelled member per side (the instructor, node 0, and the
  administrator, node 33), predict everyone else.
- ``make_sbm``: a stochastic block model — nodes in k communities, an edge between two
  nodes with probability p_in inside a community and p_out across; scales to 10⁵ nodes.
- ``make_cycles_vs_trees``: a graph-classification set — cycles C_n (label 1) against
  random trees on n nodes (label 0), with constant node features so only structure tells.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from nnlab.backend import float32
from nnlab.data.graphs import Graph, undirected


def load_karate_club(labelled: tuple[int, ...] = (0, 33)) -> Graph:
    """Zachary's karate club with identity features and a ``train`` mask on ``labelled`` (test: the rest).

    Labels: 0 for the instructor's side ("Mr. Hi"), 1 for the administrator's ("Officer").
    """
    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    edges = np.array(list(g.edges()), dtype=np.int64).T
    y = np.array([0 if g.nodes[i]["club"] == "Mr. Hi" else 1 for i in range(n)], dtype=np.int64)
    train = np.zeros(n, dtype=bool)
    for i in labelled:
        if not 0 <= i < n:
            raise ValueError(f"load_karate_club: labelled node {i} is outside [0, {n})")
        train[i] = True
    return Graph(np.eye(n, dtype=float32), undirected(edges), y, masks={"train": train, "test": ~train},
                 class_names=["Mr. Hi", "Officer"])


def _pairs(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, p: float, same: bool) -> np.ndarray:
    """Random edges between node sets a and b, each possible pair present with probability p.

    The count is drawn from its binomial and the endpoints uniformly (O(E), not O(|a||b|));
    the few repeated pairs this allows are dropped.
    """
    total = len(a) * (len(a) - 1) // 2 if same else len(a) * len(b)
    m = rng.binomial(total, p) if total else 0
    src, dst = a[rng.integers(0, len(a), m)], b[rng.integers(0, len(b), m)]
    return np.stack([src, dst])


def make_sbm(sizes=(50, 50), p_in: float = 0.1, p_out: float = 0.01, feature_dim: int = 8, feature_noise: float = 1.0,
             train_per_class: int = 5, seed: int = 0, dtype=float32) -> Graph:
    """A stochastic block model with noisy community features and a few labelled nodes per community.

    Node features are the community's random centre (feature_dim) plus N(0, feature_noise²)
    noise, so features alone are weak and the graph adds the signal. Masks: ``train``
    (``train_per_class`` per community), ``val`` (another 10 %), ``test`` (the rest).
    """
    if not 0 <= p_out <= 1 or not 0 <= p_in <= 1:
        raise ValueError(f"make_sbm: probabilities must lie in [0, 1], got p_in={p_in}, p_out={p_out}")
    rng = np.random.default_rng(seed)
    sizes = np.asarray(sizes, dtype=np.int64)
    y = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.r_[0, np.cumsum(sizes)]
    blocks = [np.arange(starts[i], starts[i + 1]) for i in range(len(sizes))]
    parts = [_pairs(rng, blocks[i], blocks[j], p_in if i == j else p_out, i == j)
             for i in range(len(sizes)) for j in range(i, len(sizes))]
    ei = undirected(np.concatenate(parts, axis=1))
    centres = rng.standard_normal((len(sizes), feature_dim))
    x = (centres[y] + feature_noise * rng.standard_normal((len(y), feature_dim))).astype(dtype)
    train, val = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for blk in blocks:
        order = rng.permutation(blk)
        train[order[:train_per_class]] = True
        val[order[train_per_class: train_per_class + max(1, len(blk) // 10)]] = True
    return Graph(x, ei, y, masks={"train": train, "val": val, "test": ~(train | val)})


def _random_tree(n: int, rng: np.random.Generator) -> np.ndarray:
    if n == 2:
        return np.array([[0], [1]])
    t = nx.from_prufer_sequence(rng.integers(0, n, n - 2).tolist())
    return np.array(list(t.edges()), dtype=np.int64).T


def make_cycles_vs_trees(num_graphs: int = 200, min_nodes: int = 6, max_nodes: int = 14, seed: int = 0,
                         dtype=float32) -> list[Graph]:
    """Cycles (label 1) and random trees (label 0) of n ∈ [min_nodes, max_nodes] nodes, half each.

    Every node has the feature 1: a model must count structure (trees have leaves of
    degree 1, cycles none) to tell them apart.
    """
    if min_nodes < 3 or max_nodes < min_nodes:
        raise ValueError(f"make_cycles_vs_trees: need 3 <= min_nodes <= max_nodes, got {min_nodes}, {max_nodes}")
    rng = np.random.default_rng(seed)
    graphs = []
    for i in range(num_graphs):
        n = int(rng.integers(min_nodes, max_nodes + 1))
        label = i % 2
        edges = np.stack([np.arange(n), (np.arange(n) + 1) % n]) if label else _random_tree(n, rng)
        graphs.append(Graph(np.ones((n, 1), dtype=dtype), undirected(edges), label))
    order = rng.permutation(num_graphs)
    return [graphs[i] for i in order]


#: Node-classification graphs by name, for ``nnlab train --model gcn --dataset NAME``.
GRAPH_DATASETS = {"karate": load_karate_club, "sbm": make_sbm}
