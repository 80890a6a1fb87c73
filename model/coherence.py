"""Document coherence: re-rank each mention's candidates by how well they fit the document.

The Stack-LSTM links every mention from its own sentence, so "CHICAGO" in an ice-hockey
standings table goes to the baseball team that the prior favours. Entities of one
document are close in the Wikipedia link graph, and the graph part of the entity
vectors (DeepWalk) measures that. For mention i with local probabilities p_i(e):

    g_j   = sum_e p_j(e) * graph(e)                    (expected graph vector of mention j)
    coh_i(e) = graph(e) . mean_{j != i} g_j
    p_i'(e) ∝ p_i(e) * exp(weight * coh_i(e))

repeated for `rounds` rounds with the updated p' in g_j (the local p_i always stays the
base). `weight` is calibrated on validation (weight 0 = the local model unchanged);
`model.linking.decide_links` applies it, then lets a person named in full ("Bill
Clinton") lend its entity to the short forms of the name ("Clinton").
Beyond the paper: the global step of Ganea & Hofmann (2017) and Kolitsas et al. (2018)
in its simplest form, and their person-name coreference rule.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.data.entity_embeddings import GRAPH_DIM

WEIGHTS = (0.0, 8.0, 16.0, 24.0, 32.0, 48.0)  # the grid calibrate_linking searches


@dataclass
class CoherenceReranker:
    """Unit graph vectors of the entity table, looked up by title."""

    vectors: np.ndarray  # (entities, GRAPH_DIM), rows unit length (zero for isolated pages)
    rows: dict[str, int]
    rounds: int = 2

    @classmethod
    def from_entity_vectors(cls, entity_vectors: np.ndarray, titles: list[str], rounds: int = 2) -> "CoherenceReranker":
        graph = np.asarray(entity_vectors[:, :GRAPH_DIM], dtype=np.float32)
        norms = np.linalg.norm(graph, axis=1, keepdims=True)
        return cls(graph / np.where(norms > 0, norms, 1.0), {t: i for i, t in enumerate(titles)}, rounds)

    def graph_vectors(self, titles: list[str]) -> np.ndarray:
        """Unit graph vectors of `titles`; zero for entities outside the link graph (an
        open-knowledge-base entity), which neither lends nor gains coherence."""
        zero = np.zeros(self.vectors.shape[1], dtype=self.vectors.dtype)
        return np.stack([self.vectors[self.rows[t]] if t in self.rows else zero for t in titles])

    def rerank(self, candidates: list[list[tuple[str, float]]], local: list[list[float]],
               weight: float) -> list[np.ndarray]:
        """Coherence-adjusted probabilities of each mention's candidates (one document's
        linkable mentions, at least two): `local` are the sentence-level probabilities,
        always the base, so re-ranking again with another weight starts from scratch."""
        base = [np.asarray(p, dtype=np.float64) for p in local]
        vectors = [self.graph_vectors([t for t, _ in c]) for c in candidates]
        in_graph = [np.linalg.norm(v, axis=1) > 0 for v in vectors]  # once: the rounds do not change it
        probs = base
        for _ in range(self.rounds):
            expected = np.stack([p @ v for p, v in zip(probs, vectors)])  # (M, GRAPH_DIM)
            others = (expected.sum(0)[None, :] - expected) / (len(base) - 1)
            updated = []
            for i, (p, v) in enumerate(zip(base, vectors)):
                logits = np.log(np.maximum(p, 1e-12)) + weight * imputed_coherence(v @ others[i], in_graph[i], p)
                z = np.exp(logits - logits.max())
                updated.append(z / z.sum())
            probs = updated
        return probs


def imputed_coherence(coherence: np.ndarray, known: np.ndarray, local: np.ndarray) -> np.ndarray:
    """`coherence` of one mention's candidates, where a candidate without a graph vector (not
    `known`: an entity of the open knowledge base) takes the local-probability-weighted mean of
    those with one: what the graph cannot tell neither gains nor loses against its neighbours,
    where a zero would rank any candidate the graph places near the document above it
    ("Obama" near "Netanyahu": the table's `Obama,_Fukui` over `Barack_Obama`)."""
    if known.all() or not known.any():
        return coherence
    weights = local[known]
    mean = float(weights @ coherence[known] / weights.sum()) if weights.sum() > 0 else float(coherence[known].mean())
    return np.where(known, coherence, mean)
