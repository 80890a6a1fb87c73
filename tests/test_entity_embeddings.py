"""Entity vectors: reproducible, and the link graph shapes the neighbourhoods."""
from __future__ import annotations

import numpy as np

from model.data.entity_embeddings import build_entity_matrix, graph_vectors, nearest_neighbours, random_walks
from model.embeddings.glove import GloveVectors


def two_communities() -> dict[str, set[str]]:
    """Two dense clusters joined by a single edge, plus an isolated node."""
    graph: dict[str, set[str]] = {}
    for prefix in ("Football", "Chemistry"):
        names = [f"{prefix}_{i}" for i in range(12)]
        for a in names:
            graph[a] = {b for b in names if b != a}
    graph["Football_0"].add("Chemistry_0")
    graph["Chemistry_0"].add("Football_0")
    graph["Lonely"] = set()
    return graph


def test_walks_follow_edges_and_isolated_nodes_walk_alone():
    graph = two_communities()
    walks = random_walks(graph, walks_per_node=2, length=6, seed=1)
    assert len(walks) == 2 * len(graph)
    for walk in walks:
        assert all(b in graph[a] for a, b in zip(walk, walk[1:]))
    assert ["Lonely"] in walks


def test_same_seed_same_vectors():
    graph = two_communities()
    first, second = graph_vectors(graph, dim=8, seed=4), graph_vectors(graph, dim=8, seed=4)
    assert all(np.array_equal(first[k], second[k]) for k in graph)


def test_graph_neighbours_come_from_the_same_community():
    graph = two_communities()
    titles = sorted(graph)
    glove = GloveVectors(["football", "chemistry"], np.eye(2, dtype=np.float32))
    matrix = build_entity_matrix(titles, ["UNK"] * len(titles), graph, glove, graph_dim=16, seed=2)
    assert matrix.shape == (len(titles), 16 + 2 + 1)
    neighbours = [t for t, _ in nearest_neighbours(matrix, titles, "Football_5", k=5)]
    assert all(t.startswith("Football_") for t in neighbours)
