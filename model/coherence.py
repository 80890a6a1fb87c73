"""Document coherence: re-rank each mention's candidates by how well they fit the document.

The Stack-LSTM links every mention from its own sentence, so "CHICAGO" in an ice-hockey
standings table goes to the baseball team that the prior favours. Entities of one
document are close in the Wikipedia link graph, and the graph part of the entity
vectors (DeepWalk) measures that. For mention i with local probabilities p_i(e):

    g_j   = sum_e p_j(e) * graph(e)                    (expected graph vector of mention j)
    coh_i(e) = graph(e) . mean_{j != i} g_j
    p_i'(e) ∝ p_i(e) * exp(weight * coh_i(e))

repeated for `rounds` rounds with the updated p' in g_j (the local p_i always stays the
base). `weight` is calibrated on validation (weight 0 = the local model unchanged).
Then a person named in full earlier or later ("Bill Clinton") lends its entity to the
short forms of the name ("Clinton") that have it among their candidates.
Beyond the paper: the global step of Ganea & Hofmann (2017) and Kolitsas et al. (2018)
in its simplest form, and their person-name coreference rule.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.data.entity_embeddings import GRAPH_DIM
from model.decoder import LinkDecision

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

    def rerank(self, decisions: list[LinkDecision], weight: float, nil_threshold: float) -> None:
        """Re-score the candidates of one document's mentions in place.

        Each decision's `local` probabilities (what the sentence-level model said) are the
        base, so calling this again with another weight starts from scratch. A mention
        keeps its NIL decision (`nil_score` > `nil_threshold`); a linked one takes the
        best candidate after re-ranking.
        """
        linked = [d for d in decisions if d.candidates]
        for d in linked:
            if d.local is None:
                d.local = [p for _, p in d.candidates]
        if weight <= 0 or len(linked) < 2:
            for d in linked:
                _assign(d, np.asarray(d.local), nil_threshold)
            return
        rows = [np.array([self.rows[t] for t, _ in d.candidates]) for d in linked]
        local = [np.asarray(d.local, dtype=np.float64) for d in linked]
        vectors = [self.vectors[r] for r in rows]
        probs = local
        for _ in range(self.rounds):
            expected = np.stack([p @ v for p, v in zip(probs, vectors)])  # (M, GRAPH_DIM)
            others = (expected.sum(0)[None, :] - expected) / (len(linked) - 1)
            updated = []
            for i, (p, v) in enumerate(zip(local, vectors)):
                logits = np.log(np.maximum(p, 1e-12)) + weight * (v @ others[i])
                z = np.exp(logits - logits.max())
                updated.append(z / z.sum())
            probs = updated
        for d, p in zip(linked, probs):
            _assign(d, p, nil_threshold)
        person_coreference(decisions)


def person_coreference(decisions: list[LinkDecision]) -> None:
    """A linked mention whose words occur inside a longer linked PER mention of the same
    document takes that person's entity, if it is one of its own candidates."""
    people = sorted((d for d in decisions if d.ner_type == "PER" and d.entity is not None and d.words),
                    key=lambda d: -len(d.words))
    for d in decisions:
        if d.entity is None or not d.words:
            continue
        for person in people:  # longest first: the fullest form of the name decides
            if len(person.words) <= len(d.words):
                break
            probability = dict(d.candidates).get(person.entity)
            if probability is not None and _contains(person.words, d.words):
                d.entity, d.el_score = person.entity, probability
                break


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def _assign(decision: LinkDecision, probs: np.ndarray, nil_threshold: float) -> None:
    decision.candidates = [(t, float(p)) for (t, _), p in zip(decision.candidates, probs)]
    best = int(np.argmax(probs))
    decision.el_score = float(probs[best])
    nil = decision.nil_score is not None and decision.nil_score > nil_threshold
    decision.entity = None if nil else decision.candidates[best][0]
