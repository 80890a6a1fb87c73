"""Within-document coreference: a short or abbreviated name takes the entity of the full
name the same document links (`document_coreference`, run by `model.linking.decide_links`)."""
from __future__ import annotations

from model.candidate_set import ORGANISATION_TYPE, PERSON_TYPE, PLACE_TYPE
from model.kb.keys import ACRONYM_LENGTHS, acronym, is_acronym_surface
from model.link_decision import LinkDecision, spelled, spelled_common_noun


MIN_CLIPPING = 3  # "Fed" for "Federal Reserve"; two letters are an abbreviation of anything


def document_coreference(decisions: list[LinkDecision]) -> set[int]:
    """A mention that repeats part of a longer linked mention of the same document ("Thorpe"
    after "Graham Thorpe", "Goldman" after "Goldman Sachs Group Inc"), or abbreviates it
    ("IMF" beside "International Monetary Fund", `model.kb.keys.acronym`) or cuts its first word
    short ("Fed" after "Federal Reserve", `_clips`), takes that entity:

    * when the entity is among its own candidates, the mention was linked or left to the open
      knowledge base, and the longer mention names a person or has its NER type, for a surface
      left to the open knowledge base or an organisation called by the first words of its
      name (`_begins_company`: "Samsung" after "Samsung Electronics") or its clipping; with the dictionary,
      every other type measured worse on AIDA validation (89.11 → 88.92; "Stirling" beside
      "East Stirling");
    * when it is not among them, if both mentions have the same NER type and the surface was
      left to the open knowledge base (which knows a short name as a surname or a common word,
      or not at all: no evidence against the longer one) or is a company's first word with no
      page of its own (`_shortens_company`, dictionary surfaces too).
      Not for a place: a place inside a longer place's name is that other place's
      surroundings ("Burgas" beside "Burgas Airport", "Oregon" beside "St. Helens, Oregon");
      nor for a name of several words that spells a candidate's title, a page of its own
      ("Louisiana State University" beside "Louisiana State University System", `_has_own_page`);
    * whatever its candidates, a one-word mention typed as a person that is the first word of
      a longer organisation's name, when no person of the document is named with it
      (`_names_the_company`: "Goldman" after "Goldman Sachs"; AIDA validation +1, WNED-WIKI +1).

    With the AIDA dictionary alone (the paper's setting) the first applies to persons; the
    company's first word and the last apply too. Returns the ids of the decisions it linked."""
    fuller = sorted((d for d in decisions if d.entity is not None and d.words), key=lambda d: -len(d.words))
    persons = [d.words for d in decisions if d.ner_type == PERSON_TYPE and len(d.words) > 1]
    resolved = set()
    for d in decisions:
        if not d.words:
            continue
        for full in fuller:  # longest first: the fullest form of the name decides
            if len(full.words) <= len(d.words):
                break
            clipped = _clips(d.words, full.words)  # only with the entity among its candidates
            if not (_contains(full.words, d.words) or _abbreviates(d.words, full.words) or clipped):
                continue
            if _names_the_company(d, full, persons):
                d.entity, d.el_score = full.entity, full.el_score
                resolved.add(id(d))
                break
            probability = dict(d.candidates).get(full.entity)
            same_type = d.ner_type == full.ner_type
            takes_type = full.ner_type == PERSON_TYPE or same_type and (d.from_open_kb or _begins_company(d, full)
                                                                  or clipped)
            if probability is not None and takes_type and (d.entity is not None or d.from_open_kb):
                d.entity, d.el_score = full.entity, probability
                resolved.add(id(d))
                break
            left_open = d.from_open_kb and not _has_own_page(d)
            if same_type and d.ner_type != PLACE_TYPE and not clipped and (left_open or _shortens_company(d, full)):
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
        return any(spelled_common_noun(d))
    return len(d.words) > 1 and any(spelled(d))


def _shortens_company(d: LinkDecision, full: LinkDecision) -> bool:
    """Whether `d`, one word spelling none of its candidates' titles, is the first word of the
    organisation `full`: a company called by its first word ("Goldman" after "Goldman Sachs
    Group Inc") that AIDA's dictionary knows only as other things named with it
    (`William_Goldman`). A word with a page of its own is not ("Nottinghamshire" beside
    "Nottinghamshire Cricket Board": WNED-WIKI -3 without this condition)."""
    return len(d.words) == 1 and _begins_company(d, full) and not any(spelled(d))


def _names_the_company(d: LinkDecision, full: LinkDecision, persons: list[tuple[str, ...]]) -> bool:
    """Whether `d`, one word the model typed as a person, is the first word of the longer
    organisation mention `full` and of none of the document's multi-word person mentions
    (`persons`): a company called by its founder's name ("Goldman", "Morgan") that the NER
    reads as a surname, since CoNLL's persons are named so."""
    return (d.ner_type == PERSON_TYPE and len(d.words) == 1 and _begins_company(d, full)
            and not any(_contains(person, d.words) for person in persons))


def _begins_company(d: LinkDecision, full: LinkDecision) -> bool:
    """Whether `full` is an organisation whose name begins with `d`'s words: a company called
    by the first words of its name ("Samsung" after "Samsung Electronics"), not a team named
    inside another's ("Stirling" beside "East Stirling")."""
    return full.ner_type == ORGANISATION_TYPE and full.words[:len(d.words)] == d.words


def _abbreviates(short: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether `short` is one token written as an acronym of `longer`'s words."""
    if len(short) != 1 or not is_acronym_surface(short[0], longest=ACRONYM_LENGTHS[1]):
        return False
    return acronym("_".join(longer)) == short[0].replace(".", "").upper()


def _clips(short: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether `short` is one capitalised word of at least `MIN_CLIPPING` letters that cuts the
    first word of `longer` short: news calls the Federal Reserve "the Fed"."""
    if len(short) != 1 or len(short[0]) < MIN_CLIPPING or not short[0].isalpha() or not short[0].istitle():
        return False
    return len(longer[0]) > len(short[0]) and longer[0].startswith(short[0])


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))
