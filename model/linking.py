"""The link decision: which entity (or NIL) each mention of a document gets.

The decoder scores each mention's candidates from its sentence (`LinkDecision.local`)
and the NIL classifier says how likely the mention has no entity (`nil_score`).
`decide_links` is the one place where those become a link, for a whole document:
optionally re-ranked by document coherence (`model.coherence`), the best candidate
unless P(NIL) is above the calibrated threshold (its own for candidates of the open
knowledge base, calibrated for text the dictionary does not cover), then the person-name rule.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from model.candidates import ORGANISATION_TYPE, PERSON_TYPE, PLACE_TYPE
from model.config import LinkingConfig
from model.kb.places import ap_abbreviation, ap_state, country_keys, state_keys
from model.kb.keys import (ACRONYM_LENGTHS, acronym, has_parenthetical, is_acronym_surface, is_company_page, open_key,
                           place_disambiguator, same_name, singulars, spells, without_company_forms, without_disambiguator)


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
    given_span: bool = False  # the caller gave the span (D2KB) rather than the model finding it
    # A place right after a name and its comma ("Preston , Lancashire"): the region that places
    # the name (`mark_place_qualifiers`), so the place's own page is meant.
    place_qualifier: bool = False
    # The place qualifier after this mention's comma, as a name ("Lancashire"; "Illinois" for
    # "Ill."): the region Wikipedia's title of this place adds (`favour_the_qualified_place`).
    qualified_by: str | None = None

    @property
    def surface(self) -> str:
        """The mention's words as one string (tokens joined by spaces)."""
        return " ".join(self.words)


def decide_links(decisions: list[LinkDecision], linking: LinkingConfig, coherence=None, text: str | None = None) -> None:
    """Decide every link of one document's mentions in place.

    `coherence` (a `model.coherence.CoherenceReranker`) re-ranks the candidates when
    `linking.coherence_weight` > 0 and the document has at least two linkable mentions;
    given the document's `text`, a candidate whose place disambiguator it names gains
    (`favour_named_disambiguators`), a name followed by its place keeps the candidates that
    add that place (`favour_the_qualified_place`), a place qualifier's own page gains
    (`favour_the_place_itself`), an organisation's company page (`favour_company_pages`), the
    page a lowercase mention spells (`favour_common_nouns`) and a person's candidates that are
    no place (`favour_people`);
    the best candidate links unless P(NIL) is above the threshold (`nil_threshold`), or whatever
    P(NIL) says when it is a unique name, a common noun the caller asked for, a company named with
    its legal forms or the page the surface names for sure (`named_page`: AIDA's annotators left
    "Turkey" NIL, the NIL classifier learned it);
    then a short or abbreviated name takes the entity of the full name
    (`document_coreference`), and a lone surname the open knowledge base cannot place stays
    NIL (`is_lone_name`).
    Deciding again with other settings starts from the same sentence-level scores.
    """
    for d in decisions:
        if not d.candidates:  # an earlier decision's coreference may have linked it
            d.entity = d.el_score = None
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
    if text is not None:
        seen: dict[str, int] = {}  # the document's counts, by disambiguator
        probabilities = [favour_named_disambiguators(d, probs, text, seen) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_the_qualified_place(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_the_place_itself(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_company_pages(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_common_nouns(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_people(d, probs) for d, probs in zip(linked, probabilities)]
    for d, probs in zip(linked, probabilities):
        d.candidates = [(t, float(p)) for (t, _), p in zip(d.candidates, probs)]
        best = int(np.argmax(probs))
        d.el_score = float(probs[best])
        threshold = nil_threshold(d, linking)
        sure = (d.unique_name or _asked_common_noun(d) or _named_company(d, d.candidates[best][0])
                or d.candidates[best][0] == d.named_page)
        nil = d.nil_score is not None and d.nil_score > threshold and not sure
        d.entity = None if nil else d.candidates[best][0]
    resolved = document_coreference(decisions)
    for d in decisions:
        if id(d) not in resolved and is_lone_name(d):
            d.entity = None
        if d.entity is None:  # NIL: the decision's score is nil_score; no entity has an EL score
            d.el_score = None


# How much more a candidate becomes when the document names its disambiguator
# (`favour_named_disambiguators`). The dictionary's candidates keep their priors' say; among
# the open knowledge base's, whose priors are guesses, such a candidate wins outright. Chosen
# on WNED-WIKI D2KB and AIDA validation (open): ×10 53.59 / 87.33, ×100 54.19 / 87.33, ×1000
# 54.64 / 87.27 for both kinds; ×10⁶ for both 55.06 / 86.92; ×100 and ×10⁶ 54.85 / 87.33.
DISAMBIGUATOR_NAMED_FACTOR = {False: 100.0, True: 1e6}  # by LinkDecision.from_open_kb


def favour_named_disambiguators(d: LinkDecision, probabilities: np.ndarray, text: str,
                                seen: dict[str, int]) -> np.ndarray:
    """`d`'s candidate probabilities, those whose title's place disambiguator the document's
    `text` names (`model.kb.keys.place_disambiguator`: "Killen,_Alabama" where the text says
    "Alabama", "Preston,_Lancashire" in "Preston, Lancashire") multiplied by
    `DISAMBIGUATOR_NAMED_FACTOR`, renormalised. Wikipedia tells namesakes apart by where
    they are; a text about one says so somewhere, and the EL scorer cannot read it: the
    open knowledge base's namesakes have no entity vector of their own. A place ending in
    "a" is named by its adjective too ("Tasmanian": WNED-WIKI 55.49 → 55.68). When the text names
    several candidates' places, those it names most often gain ("Lauderdale County" in a
    text about a road in Alabama that ends at the Tennessee line). A mention that is the
    disambiguator itself names that place, not something in it ("Maine" is not
    `Rockland,_Maine`). `seen` caches the document's counts by disambiguator."""
    counts = [0 if where is None or spells(where, d.surface) else _times_named(text, where, seen)
              for where in (place_disambiguator(title) for title, _ in d.candidates)]
    most = max(counts, default=0)
    most_named = [most > 0 and c == most for c in counts]
    return _favoured(probabilities, most_named, DISAMBIGUATOR_NAMED_FACTOR[d.from_open_kb])


def _times_named(text: str, name: str, seen: dict[str, int]) -> int:
    """How often `text` holds `name` (or, for a name ending in "a", its adjective in "-an") as
    whole words, or a US state's news-agency abbreviation with its dot ("N.Y.", "Ore.")."""
    if name not in seen:
        adjective = "n?" if name.endswith("a") else ""  # Tasmania → Tasmanian, California → Californian
        seen[name] = len(re.findall(r"(?<!\w)" + re.escape(name) + adjective + r"(?!\w)", text))
        abbreviation = ap_abbreviation(name)  # "Albany, N.Y.", "Portland, Ore.": the state, as news writes it
        if abbreviation:
            seen[name] += len(re.findall(r"(?<![\w.])" + re.escape(abbreviation.rstrip(".")) + r"\.", text))
    return seen[name]


# How much more the page a place qualifier spells becomes (`favour_the_place_itself`). Chosen
# on WNED-WIKI D2KB and AIDA validation (open): ×10 54.95 / 87.38, ×100 55.01 / 87.40, ×10⁶
# 54.65 / 87.38 (OKE 60.85 but 61.22 at ×10⁶).
PLACE_QUALIFIER_FACTOR = 100.0


def mark_place_qualifiers(words: Sequence[str], decisions: Sequence[LinkDecision]) -> None:
    """Set `place_qualifier` on each LOC mention of one sentence (`words`; decisions in its
    token offsets) that follows another mention and a comma: "Preston , [Lancashire]",
    "Auburn , [New York]", "The Oval , [London]"; and `qualified_by` on the mention before it,
    a US state's news-agency abbreviation spelled out ("Springfield , Ill" → "Illinois")."""
    before = {d.end: d for d in decisions}
    for d in decisions:
        d.place_qualifier = (d.ner_type == PLACE_TYPE and d.start >= 2 and words[d.start - 1] == ","
                             and d.start - 1 in before)
        if d.place_qualifier:
            before[d.start - 1].qualified_by = ap_state(d.surface, qualifier=True) or d.surface


def favour_the_qualified_place(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a mention a place qualifier follows ("Springfield , Ill", "Milwaukee , Wisconsin"),
    only the candidates that are in that place by their title (`Springfield,_Illinois`) or
    that the mention spells (`Milwaukee`: a large city's page has no qualifier), when there
    are any in that place: the text says which namesake it is, however much the priors favour
    another (`Springfield,_Massachusetts` at 0.9995, `Milwaukee_Brewers`). Not for a region
    itself: "Ohio , Kentucky" is a list, not `Ohio_County,_Kentucky`; nor when no candidate is
    in that place: "Carthage , Morristown" is a list of towns."""
    if d.qualified_by is None or open_key(d.surface) in state_keys() | country_keys():
        return probabilities
    where = d.qualified_by.casefold()
    in_place = [(place_disambiguator(title) or "").casefold() == where for title, _ in d.candidates]
    if not any(in_place):  # no namesake there: a list of places ("Carthage , Morristown"), not a place and its region
        return probabilities
    return _favoured(probabilities, [here or spells(title, d.surface) for (title, _), here in zip(d.candidates, in_place)],
                     math.inf)


def favour_the_place_itself(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a place qualifier, the candidate whose title the mention spells — the place's own
    page — multiplied by `PLACE_QUALIFIER_FACTOR`, renormalised: after "Preston," the
    county `Lancashire`, not `Lancashire_County_Cricket_Club`; after "Auburn," the state
    `New_York`, not `New_York_City`, which the EL scorer prefers for a bare "New York"."""
    if not d.place_qualifier:
        return probabilities
    return _favoured(probabilities, _spelled(d), PLACE_QUALIFIER_FACTOR)


# How much more an organisation's company page becomes (`favour_company_pages`). The EL
# scorer, trained on AIDA's dictionary, puts the word's own page far above it ("Tesla":
# `Tesla,_Inc.` at 0.011): × 100 puts it first. Dev suite and AIDA validation unchanged (they
# name few companies by a bare word); `open_world_check` 35 → 36.
COMPANY_PAGE_FACTOR = 100.0


def favour_company_pages(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For an organisation left to the open knowledge base, the company's page
    (`model.kb.keys.is_company_page`: "Tesla" → `Tesla,_Inc.`, "Chevron" →
    `Chevron_Corporation`) × `COMPANY_PAGE_FACTOR`, renormalised."""
    if d.ner_type != ORGANISATION_TYPE or not d.from_open_kb:
        return probabilities
    name = without_company_forms(d.surface) or d.surface  # "Tesla Inc" names the company Tesla
    return _favoured(probabilities, [is_company_page(title, name) for title, _ in d.candidates], COMPANY_PAGE_FACTOR)


# How much more the page a lowercase mention spells becomes (`favour_common_nouns`): it wins
# outright. Spotlight D2KB / WNED-WIKI D2KB 62.40 / 55.66 before; × 10 64.70 / 55.91, × 100
# 65.68 / 56.09, × 10⁴ 66.34 / 56.17, × 10⁶ 66.34 / 56.23; A2KB rows and AIDA unchanged. A
# finite factor lost to a dictionary prior of 10⁻¹² ("building" → `Building_(magazine)`), so
# the spelled pages alone stay.
COMMON_NOUN_FACTOR = math.inf


def favour_common_nouns(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a mention in lowercase (a common noun: "rugby league", "oak"), the candidates whose
    title it spells, in the singular too ("walls" → `Wall`), × `COMMON_NOUN_FACTOR`,
    renormalised: the thing itself, not a namesake place (`Oak,_West_Virginia`) or a broader
    page (`Rugby_football`)."""
    if not d.surface.islower():
        return probabilities
    return _favoured(probabilities, _spelled_common_noun(d), COMMON_NOUN_FACTOR)


def _asked_common_noun(d: LinkDecision) -> bool:
    """A span the caller gave (D2KB) in lowercase that spells one of its candidates' titles
    ("cancer" → `Cancer`): the caller asks for that page, which AIDA's NIL classifier, trained
    on names, refuses."""
    return d.given_span and d.surface.islower() and any(_spelled_common_noun(d))


def _spelled_common_noun(d: LinkDecision) -> list[bool]:
    """`_spelled` for a common noun, whose plural spells its singular's page ("walls" → `Wall`)."""
    return _spelled(d, [d.surface] + singulars(d.surface))


# How much more a person's candidates that are no place become (`favour_people`). It changes
# the top candidate of 30 AIDA validation mentions (surname pages over namesake towns, then NIL
# as lone names) and of 30 in the dev suite, with no change to any row.
PERSON_FACTOR = 100.0


def favour_people(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a person left to the open knowledge base, the candidates that are no namesake
    place of the name (`Obama,_Fukui`, `Paul,_Cornwall`: a comma and a capitalised place
    after it) × `PERSON_FACTOR`, renormalised: "Obama" → `Barack_Obama`."""
    if d.ner_type != PERSON_TYPE or not d.from_open_kb:
        return probabilities
    return _favoured(probabilities, [not _comma_place(title) for title, _ in d.candidates], PERSON_FACTOR)


def _comma_place(title: str) -> bool:
    """Whether `title` names a place by the place after its comma (`Obama,_Fukui`)."""
    return not has_parenthetical(title) and place_disambiguator(title) is not None


def _named_company(d: LinkDecision, title: str) -> bool:
    """An organisation named with its legal forms whose `title` is that company's page ("Tesla
    Inc" → `Tesla,_Inc.`): linked whatever P(NIL) says, like a unique name, though the word's
    own page and namesakes are candidates too. Among the dictionary's candidates also when the
    title is the bare name (`same_name`: "Texaco Inc" → `Texaco`, refused at P(NIL) 0.97;
    AIDA validation unchanged, `--kb aida` 88.39 → 88.40); not among the open knowledge
    base's, which knows many a bare name as something else: AIDA validation 87.42 → 87.32
    (11 more links its gold calls NIL)."""
    name = without_company_forms(d.surface)
    if d.ner_type != ORGANISATION_TYPE or name is None:
        return False
    if not d.from_open_kb:
        return is_company_page(title, name) or same_name(title, name)
    return is_company_page(title, name)


def _spelled(d: LinkDecision, forms: list[str] | None = None) -> list[bool]:
    """For each of `d`'s candidates, whether the mention (or any of `forms`, given instead)
    spells its title ("Lancashire" → `Lancashire`)."""
    return [any(spells(title, form) for form in forms or [d.surface]) for title, _ in d.candidates]


def _favoured(probabilities: np.ndarray, chosen: list[bool], factor: float) -> np.ndarray:
    """`probabilities` with the `chosen` candidates' multiplied by `factor`, renormalised
    (unchanged when none is chosen). An infinite `factor` keeps the chosen alone, in their
    own proportions (equal when all of them had probability 0)."""
    if not any(chosen):
        return probabilities
    if math.isinf(factor):
        favoured = np.where(chosen, probabilities, 0.0)
        if favoured.sum() <= 0:
            favoured = np.asarray(chosen, dtype=np.float64)
    else:
        favoured = probabilities * np.where(chosen, factor, 1.0)
    return favoured / favoured.sum()


def is_lone_name(d: LinkDecision) -> bool:
    """A one-word PER mention left to the open knowledge base, linked to a one-word title, that
    no fuller name of the document explains ("Fleming" → the surname page Fleming, "Duran" →
    Duran,_Ecuador): the open knowledge base knows a lone surname as a surname page, a place
    or a namesake, so it stays NIL. A redirect to a full name (Obama → Barack_Obama), a
    person's page (Madonna_(entertainer)) or the one page of a name that redirects name
    (`model.candidates.one_name_title`: "Rihanna", "Jay-Z") links."""
    if not (d.from_open_kb and d.ner_type == PERSON_TYPE and len(d.words) == 1 and d.entity) or d.surface.islower():
        return False  # a word in lowercase is no name: a common noun the NER typed as a person
    if d.entity == d.one_name_title:
        return False  # redirects name it: a person known by one name ("Rihanna", "Jay-Z")
    return not has_parenthetical(d.entity) and "_" not in without_disambiguator(d.entity)


def nil_threshold(d: LinkDecision, linking: LinkingConfig) -> float:
    """The P(NIL) above which mention `d` is not linked: the dictionary's, the open knowledge
    base's, or the open knowledge base's on a span the caller gave."""
    if not d.from_open_kb:
        return linking.nil_threshold
    if d.given_span and linking.given_span_open_nil_threshold is not None:
        return linking.given_span_open_nil_threshold
    return linking.open_nil_threshold


def document_coreference(decisions: list[LinkDecision]) -> set[int]:
    """A mention that repeats part of a longer linked mention of the same document ("Thorpe"
    after "Graham Thorpe", "Goldman" after "Goldman Sachs Group Inc"), or abbreviates it
    ("IMF" beside "International Monetary Fund", `model.kb.keys.acronym`), takes that entity:

    * when the entity is among its own candidates, the mention was linked or left to the open
      knowledge base, and the longer mention names a person or (for a surface left to the
      open knowledge base) has its NER type; with the dictionary, other types measured worse
      on AIDA validation (89.11 → 88.92);
    * when it is not among them, if the surface was left to the open knowledge base and both
      mentions have the same NER type: the open knowledge base knows a short name as a
      surname or a common word, or not at all, which is no evidence against the longer one.
      Not for a place: a place inside a longer place's name is that other place's
      surroundings ("Burgas" beside "Burgas Airport", "Oregon" beside "St. Helens, Oregon");
      nor for a name of several words that spells a candidate's title, a page of its own
      ("Louisiana State University" beside "Louisiana State University System", `_has_own_page`);
    * whatever its candidates, a one-word mention typed as a person that is the first word of
      a longer organisation's name, when no person of the document is named with it
      (`_names_the_company`: "Goldman" after "Goldman Sachs"; AIDA validation +1, WNED-WIKI +1).

    With the AIDA dictionary alone (the paper's setting) only the first and last apply, the
    first to persons. Returns the ids of the decisions it linked."""
    fuller = sorted((d for d in decisions if d.entity is not None and d.words), key=lambda d: -len(d.words))
    persons = [d.words for d in decisions if d.ner_type == "PER" and len(d.words) > 1]
    resolved = set()
    for d in decisions:
        if not d.words:
            continue
        for full in fuller:  # longest first: the fullest form of the name decides
            if len(full.words) <= len(d.words):
                break
            if not (_contains(full.words, d.words) or _abbreviates(d.words, full.words)):
                continue
            if _names_the_company(d, full, persons):
                d.entity, d.el_score = full.entity, full.el_score
                resolved.add(id(d))
                break
            probability = dict(d.candidates).get(full.entity)
            same_type = d.ner_type == full.ner_type
            if probability is not None and (full.ner_type == "PER" or same_type and d.from_open_kb) and (
                    d.entity is not None or d.from_open_kb):
                d.entity, d.el_score = full.entity, probability
                resolved.add(id(d))
                break
            if d.from_open_kb and same_type and d.ner_type != PLACE_TYPE and not _has_own_page(d):
                # not among its candidates: the longer mention's confidence stands for it
                d.entity, d.el_score = full.entity, full.el_score
                resolved.add(id(d))
                break
    return resolved


def _has_own_page(d: LinkDecision) -> bool:
    """Whether `d`, of several words or in lowercase, spells the title of one of its candidates:
    a page of that very name ("Louisiana State University" beside "Louisiana State University
    System", "cricket" in "cricketer" beside "first-class cricket")."""
    if d.surface.islower():
        return any(_spelled_common_noun(d))
    return len(d.words) > 1 and any(_spelled(d))


def _names_the_company(d: LinkDecision, full: LinkDecision, persons: list[tuple[str, ...]]) -> bool:
    """Whether `d`, one word the model typed as a person, is the first word of the longer
    organisation mention `full` and of none of the document's multi-word person mentions
    (`persons`): a company called by its founder's name ("Goldman", "Morgan") that the NER
    reads as a surname, since CoNLL's persons are named so."""
    return (d.ner_type == PERSON_TYPE and full.ner_type == ORGANISATION_TYPE and len(d.words) == 1
            and full.words[0] == d.words[0] and not any(_contains(person, d.words) for person in persons))


def _abbreviates(short: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether `short` is one token written as an acronym of `longer`'s words."""
    if len(short) != 1 or not is_acronym_surface(short[0], longest=ACRONYM_LENGTHS[1]):
        return False
    return acronym("_".join(longer)) == short[0].replace(".", "").upper()


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))
