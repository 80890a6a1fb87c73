"""Records exchanged between the model and its callers (server, scripts).

`model/` knows tensors and documents; these dataclasses are the only thing the
server sees of it. Offsets are Python string indices (Unicode code points) into
the text that was annotated; converting them to other units is the NIF layer's job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

NER_TYPES: tuple[str, ...] = ("PER", "LOC", "ORG", "MISC")


@dataclass(frozen=True)
class Token:
    """A CoNLL-like token with its exact code-point span in the source text."""

    text: str
    start: int
    end: int


@dataclass
class Mention:
    """One detected (or given) mention and what the model decided about it.

    `entity` is a Wikipedia page title in URL form with underscores
    (``"Eu,_Seine-Maritime"``, unescaped unicode), or None when the mention is NIL
    (not linked / not in the knowledge base).

    Scores: `ner_score` is the probability of the mention's NER decision; `el_score` the
    linking probability of `entity` among the candidates (None for NIL: no entity was
    chosen); `nil_score` the NIL classifier's probability that the mention has no entity
    (None without a NIL classifier or without candidates). `candidates` are the most
    probable candidates, most probable first, with the probabilities `el_score` is one of.
    """

    start: int
    end: int
    surface: str
    ner_type: str | None
    entity: str | None
    ner_score: float = 1.0
    el_score: float | None = None
    nil_score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)


class AnnotatorLike(Protocol):
    """What the server needs from a loaded model."""

    def annotate(self, text: str) -> list[Mention]:
        """Detect, type and link every mention in `text` (A2KB)."""

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        """`annotate` of each text, in one call (a model may batch them); the same answers.

        This default (inherited by classes that subclass the protocol) calls `annotate`."""
        return [self.annotate(text) for text in texts]

    def link(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        """Link exactly the given code-point spans of `text` (D2KB); one Mention per span, same order."""
