"""Graph data: the Graph record, batching, the edge-list/CSV loader, karate club, SBM, cycles vs trees."""

import numpy as np
import pytest

from nnlab.data import Graph, collate_graphs, load_edge_list, load_karate_club, make_cycles_vs_trees, make_sbm


def test_karate_club():
    g = load_karate_club()
    assert g.num_nodes == 34 and g.num_edges == 2 * 78
    assert g.y[0] == 0 and g.y[33] == 1 and np.bincount(g.y).tolist() == [17, 17]
    assert np.flatnonzero(g.masks["train"]).tolist() == [0, 33] and g.masks["test"].sum() == 32
    assert g.degrees()[33] == 17 and g.degrees()[0] == 16


def test_sbm_is_assortative_and_seeded():
    g = make_sbm((60, 60), p_in=0.2, p_out=0.01, seed=3)
    same = g.y[g.edge_index[0]] == g.y[g.edge_index[1]]
    assert same.mean() > 0.85
    # expected within-block edges: 2 blocks × C(60, 2) × 0.2 = 708 (each listed twice)
    assert 500 < same.sum() / 2 < 900
    assert np.array_equal(make_sbm((60, 60), seed=3).edge_index, make_sbm((60, 60), seed=3).edge_index)
    assert not (g.masks["train"] & g.masks["test"]).any()


def test_cycles_vs_trees_structure():
    graphs = make_cycles_vs_trees(20, seed=1)
    assert sorted(int(g.y) for g in graphs) == [0] * 10 + [1] * 10
    for g in graphs:
        deg = g.degrees()
        n_edges = g.num_edges // 2
        if g.y == 1:
            assert np.all(deg == 2) and n_edges == g.num_nodes
        else:
            assert deg.min() == 1 and n_edges == g.num_nodes - 1


def test_collate_graphs_offsets_edges_and_records_membership():
    a = Graph(np.ones((2, 1)), np.array([[0, 1], [1, 0]]), 1)
    b = Graph(np.zeros((3, 1)), np.array([[0, 2], [2, 1]]), 0)
    batch = collate_graphs([a, b])
    assert batch.edge_index.tolist() == [[0, 1, 2, 4], [1, 0, 4, 3]]
    assert batch.batch.tolist() == [0, 0, 1, 1, 1] and batch.y.tolist() == [1, 0] and batch.num_graphs == 2
    with pytest.raises(ValueError, match="different feature widths"):
        collate_graphs([a, Graph(np.ones((1, 2)), np.zeros((2, 0), np.int64))])


def test_load_edge_list_and_csv(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("# friends\nalice bob\nbob carol\n\ncarol alice\ncarol dave\n")
    g = load_edge_list(path)
    assert g.node_names == ["alice", "bob", "carol", "dave"] and g.num_edges == 8
    assert g.degrees().tolist() == [2, 2, 3, 1] and g.x.shape == (4, 4)
    csv_path = tmp_path / "edges.csv"
    csv_path.write_text("source,target,weight\n1,2,0.5\n2,3,1.0\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("node,label\n1,red\n3,blue\n")
    g = load_edge_list(csv_path, directed=True, labels_path=labels)
    assert g.edge_index.tolist() == [[0, 1], [1, 2]]
    assert g.class_names == ["blue", "red"] and g.y.tolist() == [1, -1, 0]
    bad = tmp_path / "bad.txt"
    bad.write_text("a b\nlonely\n")
    with pytest.raises(ValueError, match="line 2: expected 'source target"):
        load_edge_list(bad)


def test_graph_rejects_bad_input():
    with pytest.raises(ValueError, match=r"Graph: edge_index holds node 3, outside \[0, 3\)"):
        Graph(np.ones((3, 1)), np.array([[0], [3]]))
    with pytest.raises(ValueError, match="node labels y have 2 entries for 3 nodes"):
        Graph(np.ones((3, 1)), np.zeros((2, 0), np.int64), np.array([0, 1]))
