"""The link decision: which entity (or NIL) each mention of a document gets.

The decoder scores each mention's candidates from its sentence (`LinkDecision.local`)
and the NIL classifier says how likely the mention has no entity (`nil_score`).
`decide_links` is the one place where those become a link, for a whole document:
optionally re-ranked by document coherence (`model.coherence`), the best candidate
unless P(NIL) is above the calibrated threshold (its own for candidates of the open
knowledge base, calibrated for text the dictionary does not cover), then the person-name rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config import LinkingConfig


@dataclass
class LinkDecision:
    """What the model decided for one mention."""

    start: int
    end: int
    ner_type: str
    ner_score: float
    entity: str | None = None
    el_score: float | None = None
    nil_score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)  # (title, probability) as last decided
    local: list[float] | None = None  # the sentence-level probabilities: the base of every decision
    words: tuple[str, ...] = ()  # the mention's tokens
    from_open_kb: bool = False  # the open knowledge base, not the AIDA dictionary, was asked for the candidates


def decide_links(decisions: list[LinkDecision], linking: LinkingConfig, coherence=None) -> None:
    """Decide every link of one document's mentions in place.

    `coherence` (a `model.coherence.CoherenceReranker`) re-ranks the candidates when
    `linking.coherence_weight` > 0 and the document has at least two linkable mentions;
    a short person name then takes the entity of the full name (`person_coreference`).
    Deciding again with other settings starts from the same sentence-level scores.
    """
    linked = [d for d in decisions if d.candidates]
    for d in linked:
        if d.local is None:
            d.local = [p for _, p in d.candidates]
    use_coherence = coherence is not None and linking.coherence_weight > 0 and len(linked) >= 2
    if use_coherence:
        probabilities = coherence.rerank([d.candidates for d in linked], [d.local for d in linked],
                                         linking.coherence_weight)
    else:
        probabilities = [np.asarray(d.local, dtype=np.float64) for d in linked]
    for d, probs in zip(linked, probabilities):
        d.candidates = [(t, float(p)) for (t, _), p in zip(d.candidates, probs)]
        best = int(np.argmax(probs))
        d.el_score = float(probs[best])
        threshold = linking.open_nil_threshold if d.from_open_kb else linking.nil_threshold
        nil = d.nil_score is not None and d.nil_score > threshold
        d.entity = None if nil else d.candidates[best][0]
    if use_coherence:
        person_coreference(decisions)


def person_coreference(decisions: list[LinkDecision]) -> None:
    """A mention whose words occur inside a longer linked PER mention of the same document
    takes that person's entity ("Thorpe" after "Graham Thorpe"): if it is one of its own
    candidates, or, for a PER mention, if the surface was left to the open knowledge base
    (which knows a surname only as a surname page, or not at all: no evidence against the
    person). With the AIDA dictionary alone (the paper's setting) only the first applies."""
    people = sorted((d for d in decisions if d.ner_type == "PER" and d.entity is not None and d.words),
                    key=lambda d: -len(d.words))
    for d in decisions:
        if not d.words:
            continue
        for person in people:  # longest first: the fullest form of the name decides
            if len(person.words) <= len(d.words):
                break
            if not _contains(person.words, d.words):
                continue
            probability = dict(d.candidates).get(person.entity)
            if probability is not None and d.entity is not None:
                d.entity, d.el_score = person.entity, probability
                break
            if d.ner_type == "PER" and d.from_open_kb:
                # not among its candidates: the person's own confidence stands for it
                d.entity, d.el_score = person.entity, probability if probability is not None else person.el_score
                break


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))
