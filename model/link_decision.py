"""One mention's link decision, and the arithmetic every linking rule shares.

`LinkDecision` is what the decoder fills in and `model.linking.decide_links` decides;
`favoured` is how a rule raises the candidates it trusts (`model.linking`,
`model.place_linking`), `spelled` which candidates the mention spells.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model.kb.keys import spells
from model.kb.variants import singulars


@dataclass
class LinkDecision:
    """What the model decided for one mention."""

    start: int
    end: int
    ner_type: str
    ner_score: float
    entity: str | None = None
    el_score: float | None = None  # probability of the entity linked; None when NIL
    nil_score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)  # (title, probability) as last decided
    local: list[float] | None = None  # the sentence-level probabilities: the base of every decision
    words: tuple[str, ...] = ()  # the mention's tokens
    from_open_kb: bool = False  # the open knowledge base, not the AIDA dictionary, was asked for the candidates
    # Its one candidate is the title the whole multi-word surface spells ("Rico Lebrun" → Rico_Lebrun):
    # linked whatever P(NIL) says, which learned on AIDA that a surface the dictionary lacks is NIL.
    unique_name: bool = False
    one_name_title: str | None = None  # a one-word title redirects name: a person known by one name
    named_page: str | None = None  # the dictionary's candidate the surface names for sure (`CandidateSet.named_page`)
    famous_bearer: str | None = None  # the surname's famous bearer (`CandidateSet.famous_bearer`)
    places: frozenset[str] = frozenset()  # the candidates known as places (`CandidateSet.places`)
    # A place in capitals before a dateline's date ("NEW YORK 1996-08-31"): where the story was filed.
    dateline: bool = False
    given_span: bool = False  # the caller gave the span (D2KB) rather than the model finding it
    # A place right after a name and its comma ("Preston , Lancashire"): the region that places
    # the name (`mark_place_qualifiers`), so the place's own page is meant.
    place_qualifier: bool = False
    # The place qualifier after this mention's comma, as a name ("Lancashire"; "Illinois" for
    # "Ill."): the region Wikipedia's title of this place adds (`favour_the_qualified_place`).
    qualified_by: str | None = None
    # The words to look the mention up by when its context names what it is: "Rush" in "Rush,
    # Hancock and Shelby counties" is looked up as "Rush County" (`mark_listed_divisions`).
    lookup_words: tuple[str, ...] | None = None

    @property
    def surface(self) -> str:
        """The mention's words as one string (tokens joined by spaces)."""
        return " ".join(self.words)


def spelled(d: LinkDecision, forms: list[str] | None = None) -> list[bool]:
    """For each of `d`'s candidates, whether the mention (or any of `forms`, given instead)
    spells its title ("Lancashire" → `Lancashire`)."""
    return [any(spells(title, form) for form in forms or [d.surface]) for title, _ in d.candidates]


def spelled_common_noun(d: LinkDecision) -> list[bool]:
    """`spelled` for a common noun, whose plural spells its singular's page ("walls" → `Wall`)."""
    return spelled(d, [d.surface] + singulars(d.surface))


def favoured(probabilities: np.ndarray, chosen: list[bool], factor: float) -> np.ndarray:
    """`probabilities` with the `chosen` candidates' multiplied by `factor`, renormalised
    (unchanged when none or all are chosen: a factor for every candidate changes nothing). An
    infinite `factor` keeps the chosen alone, in their own proportions (equal when all of them
    had probability 0)."""
    if not any(chosen) or all(chosen):
        return probabilities
    if math.isinf(factor):
        raised = np.where(chosen, probabilities, 0.0)
        if raised.sum() <= 0:
            raised = np.asarray(chosen, dtype=np.float64)
    else:
        raised = probabilities * np.where(chosen, factor, 1.0)
    return raised / raised.sum()
