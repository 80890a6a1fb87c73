"""Entity vectors learned from what is available here (Wikipedia2Vec is not).

Three gold-free parts, concatenated and L2-normalised part by part:
- graph: skip-gram (gensim Word2Vec) over random walks on the Wikipedia link graph
  that PPRforNED's ``links`` fields reveal among each document's candidates (DeepWalk);
- title: mean GloVe vector of the title's words (what the page is called);
- type: one-hot of PPRforNED's ``predictedType`` (PER/ORG/GPE/UNK...).
"""
from __future__ import annotations

import logging
import random
import re
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from model.data.pprforned import document_paths, read_document
from model.embeddings.glove import GloveVectors

log = logging.getLogger(__name__)
GRAPH_DIM = 64  # the graph part comes first in every entity vector (model.coherence reads it)
_WORD = re.compile(r"\w+", re.UNICODE)


def read_link_graph(ppr_dir: Path) -> dict[str, set[str]]:
    """Undirected title graph: an edge wherever one candidate's page links to another's."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in document_paths(ppr_dir).values():
        id_to_title: dict[int, str] = {}
        entities = read_document(path)
        for entity in entities:
            for cand in entity.candidates:
                id_to_title[cand.wiki_id] = cand.title
                graph[cand.title]  # every candidate is a node, linked or not
        for entity in entities:
            for source_id, targets in entity.links.items():
                source = id_to_title[source_id]
                for target_id in targets:
                    target = id_to_title.get(target_id)
                    if target and target != source:
                        graph[source].add(target)
                        graph[target].add(source)
    return dict(graph)


def random_walks(graph: dict[str, set[str]], walks_per_node: int, length: int, seed: int) -> list[list[str]]:
    """Uniform random walks (DeepWalk); isolated nodes give one-node walks."""
    rng = random.Random(seed)
    neighbours = {node: sorted(adj) for node, adj in graph.items()}
    nodes = sorted(graph)
    walks = []
    for _ in range(walks_per_node):
        rng.shuffle(nodes)
        for node in nodes:
            walk = [node]
            while len(walk) < length and neighbours[walk[-1]]:
                walk.append(rng.choice(neighbours[walk[-1]]))
            walks.append(walk)
    return walks


def graph_vectors(graph: dict[str, set[str]], dim: int = 64, seed: int = 1, walks_per_node: int = 10,
                  walk_length: int = 20, epochs: int = 3) -> dict[str, np.ndarray]:
    """DeepWalk vectors for every node of `graph`."""
    from gensim.models import Word2Vec

    walks = random_walks(graph, walks_per_node, walk_length, seed)
    log.info("training skip-gram on %d walks", len(walks))
    # One worker and a stable hash: the same seed gives the same vectors in every process
    # (gensim seeds each vector with hashfxn, by default Python's salted str hash).
    w2v = Word2Vec(walks, vector_size=dim, window=5, min_count=1, sg=1, negative=5,
                   workers=1, epochs=epochs, seed=seed, hashfxn=_stable_hash)
    return {node: w2v.wv[node] for node in graph}


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def title_vector(title: str, glove: GloveVectors) -> np.ndarray:
    """Mean GloVe vector of the title's words (zeros when none is known)."""
    words = [w.lower() for w in _WORD.findall(title.replace("_", " "))]
    vectors = [glove.vector(w) for w in words if glove.has(w)]
    return np.mean(vectors, axis=0) if vectors else np.zeros(glove.dim, dtype=np.float32)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-8)


def build_entity_matrix(titles: list[str], types: list[str], graph: dict[str, set[str]],
                        glove: GloveVectors, graph_dim: int = GRAPH_DIM, seed: int = 1) -> np.ndarray:
    """``[graph; title; type]`` for each title, rows aligned with `titles`."""
    walks = graph_vectors(graph, dim=graph_dim, seed=seed)
    graph_part = np.stack([walks.get(t, np.zeros(graph_dim, dtype=np.float32)) for t in titles])
    title_part = np.stack([title_vector(t, glove) for t in titles])
    type_names = sorted(set(types))
    type_part = np.zeros((len(titles), len(type_names)), dtype=np.float32)
    for row, kind in enumerate(types):
        type_part[row, type_names.index(kind)] = 1.0
    return np.concatenate([_unit_rows(graph_part), _unit_rows(title_part), type_part], axis=1).astype(np.float32)


def nearest_neighbours(matrix: np.ndarray, titles: list[str], title: str, k: int = 5) -> list[tuple[str, float]]:
    """Cosine nearest neighbours of `title` (for sanity checks)."""
    unit = _unit_rows(matrix)
    row = titles.index(title)
    sims = unit @ unit[row]
    order = [i for i in np.argsort(-sims) if i != row][:k]
    return [(titles[i], float(sims[i])) for i in order]
