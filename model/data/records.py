"""Dataclasses for AIDA/CoNLL documents, gold annotations and candidates."""
from __future__ import annotations

from dataclasses import dataclass, field

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class NerSpan:
    """A typed CoNLL entity: document tokens [start, end) (never crossing a sentence)."""

    start: int
    end: int
    ner_type: str


@dataclass(frozen=True)
class Candidate:
    """One candidate Wikipedia entity for a mention (fields from PPRforNED)."""

    title: str  # URL form: underscores, unescaped unicode ("Eu,_Seine-Maritime")
    wiki_id: int
    in_count: int
    out_count: int
    predicted_type: str


@dataclass
class LinkedMention:
    """A PPRforNED (= AIDA) mention aligned to document tokens [start, end).

    Offsets are document-level because about 0.3% of AIDA mentions cross a CoNLL
    sentence break (``Czech | Republic``). `entity` is the gold title or None for NIL.
    `candidates` are in a gold-independent order (`pprforned.candidate_sort_key`),
    never the file's order.
    """

    start: int
    end: int
    surface: str
    entity: str | None
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Document:
    """One AIDA/CoNLL document; `doc_id` is the AIDA id (1..1393)."""

    doc_id: int
    split: str
    sentences: list[list[str]]
    ner_spans: list[NerSpan] = field(default_factory=list)
    mentions: list[LinkedMention] = field(default_factory=list)

    @property
    def num_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)

    @property
    def tokens(self) -> list[str]:
        """All tokens of the document, sentences concatenated."""
        return [tok for sentence in self.sentences for tok in sentence]

    @property
    def sentence_starts(self) -> list[int]:
        """Document token index at which each sentence starts."""
        starts, total = [], 0
        for sentence in self.sentences:
            starts.append(total)
            total += len(sentence)
        return starts
