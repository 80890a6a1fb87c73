"""What a candidate source answers: a mention's candidates (`CandidateSet`), the protocol
every source follows (`CandidateSource`), and the NER and PPRforNED type names they read.
Shared by `model.candidates` and `model.open_candidates`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

UNKNOWN_TYPE = "UNK"  # PPRforNED's predicted type for an entity it cannot type
PLACE_TYPE = "LOC"
PERSON_TYPE = "PER"
ORGANISATION_TYPE = "ORG"
# PPRforNED's entity types (`predicted_type`) that are no person (most entities are UNK: unknown).
PLACE_ENTITY_TYPE = "GPE"  # PPRforNED's type of a geopolitical entity: a country, a region, a city
NOT_PEOPLE = (PLACE_ENTITY_TYPE, "ORG")


@dataclass
class CandidateSet:
    """A mention's candidates, best prior first."""

    titles: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # entity-table rows; -1 for an entity outside the table
    priors: list[float] = field(default_factory=list)
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # vector of each -1 row, by candidate index
    from_open_kb: bool = False  # the open knowledge base proposed them (its own NIL threshold decides)
    unique_name: bool = False  # one candidate, whose title the whole surface spells (`is_unique_name`; model.linking)
    # The one-word title the surface spells when redirects name it (`ONE_NAME_REDIRECTS`): a person known by one name.
    one_name_title: str | None = None
    # Among the dictionary's candidates, the page the surface names for sure (`LayeredCandidates`):
    # the established page it spells ("Turkey", "Interpol"), or the entity AIDA's training linked
    # its abbreviation written the other way to ("UK" → "U.K." → United_Kingdom). AIDA's annotators
    # left such names NIL where their knowledge base lacked them, which the NIL classifier learned.
    # Among the open knowledge base's, an organisation's redirect to a longer title beginning with
    # its name ("Alibaba" → Alibaba_Group; `model.open_candidates.redirected_longer_name`).
    named_page: str | None = None
    # A one-word person's famous bearer of that surname (`model.kb.surnames`: "Merkel" →
    # Angela_Merkel), among the candidates; what a lone surname links (`model.linking`).
    famous_bearer: str | None = None
    # The candidates known as places: PPRforNED's type GPE, the open knowledge base's cities with
    # their people (`model.kb.places`); what a dateline names (`model.linking.favour_dateline_places`).
    places: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.titles)


class CandidateSource(Protocol):
    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        """The candidates of the mention made of `tokens`, typed `ner_type` by the model (if known)."""
