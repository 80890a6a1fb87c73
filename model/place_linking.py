"""What a text says of places, for the link decision (`model.linking.decide_links`).

Wikipedia tells namesake places apart by where they are ("Killen,_Alabama"), and a text
about one says so: somewhere in the document (`favour_named_disambiguators`), or right after
the name and its comma ("Springfield, Ill.": `mark_place_qualifiers`,
`favour_the_qualified_place`), where the place after the comma is that region's own page
(`favour_the_place_itself`).
"""
from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from model.candidate_set import PLACE_TYPE
from model.kb.keys import open_key, place_disambiguator, spells
from model.kb.places import ap_abbreviation, ap_state, country_keys, state_keys
from model.link_decision import LinkDecision, favoured, spelled


# How much more a candidate becomes when the document names its disambiguator
# (`favour_named_disambiguators`). The dictionary's candidates keep their priors' say; among
# the open knowledge base's, whose priors are guesses, such a candidate wins outright. Chosen
# on WNED-WIKI D2KB and AIDA validation (open): ×10 53.59 / 87.33, ×100 54.19 / 87.33, ×1000
# 54.64 / 87.27 for both kinds; ×10⁶ for both 55.06 / 86.92; ×100 and ×10⁶ 54.85 / 87.33.
DISAMBIGUATOR_NAMED_FACTOR = {False: 100.0, True: 1e6}  # by LinkDecision.from_open_kb


def favour_named_disambiguators(d: LinkDecision, probabilities: np.ndarray, text: str,
                                seen: dict[str, list[int]]) -> np.ndarray:
    """`d`'s candidate probabilities, those whose title's place disambiguator the document's
    `text` names (`model.kb.keys.place_disambiguator`: "Killen,_Alabama" where the text says
    "Alabama", "Preston,_Lancashire" in "Preston, Lancashire") multiplied by
    `DISAMBIGUATOR_NAMED_FACTOR`, renormalised. Wikipedia tells namesakes apart by where
    they are; a text about one says so somewhere, and the EL scorer cannot read it: the
    open knowledge base's namesakes have no entity vector of their own. A place ending in
    "a" is named by its adjective too ("Tasmanian": WNED-WIKI 55.49 → 55.68). When the text
    names several candidates' places, those it names most often gain, and of places named as
    often the one it names first, which a text about a place says at its start ("Lauderdale
    County" in a text about a road in Alabama that ends at the Tennessee line: WNED-WIKI 57.24
    → 57.30). A mention that is the disambiguator itself names that place, not something in it
    ("Maine" is not `Rockland,_Maine`). `seen` caches where the document names each disambiguator."""
    places = [place_disambiguator(title) for title, _ in d.candidates]
    counts = [0 if where is None or spells(where, d.surface) else _times_named(text, where, seen)
              for where in places]
    most = max(counts, default=0)
    most_named = [most > 0 and c == most for c in counts]
    tied = {where for where, named in zip(places, most_named) if named}
    if len(tied) > 1:  # named as often: the place the text names first is the one it is about
        first = min(tied, key=lambda where: _first_named(text, where, seen))
        most_named = [named and where == first for where, named in zip(places, most_named)]
    return favoured(probabilities, most_named, DISAMBIGUATOR_NAMED_FACTOR[d.from_open_kb])


def placed_by_text(d: LinkDecision, title: str, text: str | None, seen: dict[str, list[int]]) -> bool:
    """Whether `text` names the place that `title`, one of `d`'s candidates, is in
    ("Dalton,_Minnesota" in a text that says Minnesota), other than the mention itself."""
    where = place_disambiguator(title)
    return text is not None and where is not None and not spells(where, d.surface) and _times_named(text, where, seen) > 0


def _times_named(text: str, name: str, seen: dict[str, list[int]]) -> int:
    """How often `text` holds `name` (`_named_at`, cached in `seen`)."""
    if name not in seen:
        seen[name] = _named_at(text, name)
    return len(seen[name])


def _first_named(text: str, name: str, seen: dict[str, list[int]]) -> int:
    """Where `text` first holds `name` (`_named_at`, cached in `seen`), its length when it does not."""
    _times_named(text, name, seen)
    return min(seen[name], default=len(text))


def _named_at(text: str, name: str) -> list[int]:
    """Where `text` holds `name` (or, for a name ending in "a", its adjective in "-an") as
    whole words, or a US state's news-agency abbreviation with its dot ("N.Y.", "Ore.")."""
    adjective = "n?" if name.endswith("a") else ""  # Tasmania → Tasmanian, California → Californian
    found = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(name) + adjective + r"(?!\w)", text)]
    abbreviation = ap_abbreviation(name)  # "Albany, N.Y.", "Portland, Ore.": the state, as news writes it
    if abbreviation:
        found += [m.start() for m in re.finditer(r"(?<![\w.])" + re.escape(abbreviation.rstrip(".")) + r"\.", text)]
    return found


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


# The administrative divisions a list of names can be followed or introduced by, in the plural,
# and the word Wikipedia's title of each adds ("Rush, Hancock and Shelby counties" →
# `Rush_County,_Indiana`, ...).
LISTED_DIVISIONS = {"counties": "County", "townships": "Township", "parishes": "Parish", "provinces": "Province",
                    "districts": "District"}
# What may stand between the names of such a list, and between the division word and a list it introduces.
_LIST_SEPARATORS = frozenset({",", "and", "&", "or"})
_LIST_INTRODUCERS = frozenset({"of", ":", "including", "include", "includes", "the", "following", "are"})


def mark_listed_divisions(words: Sequence[str], decisions: Sequence[LinkDecision]) -> None:
    """Set `lookup_words` on the mentions of one sentence that make up a list of names which
    a division's plural follows or introduces ("Rush , Hancock , Shelby and Johnson counties",
    "the counties of Ashland , Barron and Bayfield"): each is looked up with the division's
    word ("Rush County"), whose titles add the state (`Rush_County,_Indiana`) that
    `favour_named_disambiguators` finds in the text. Not a mention that writes the word already."""
    ordered = sorted(decisions, key=lambda d: d.start)
    runs: list[list[LinkDecision]] = []
    for d in ordered:
        if runs and all(w.lower() in _LIST_SEPARATORS for w in words[runs[-1][-1].end:d.start]):
            runs[-1].append(d)
        else:
            runs.append([d])
    for run in runs:
        after = _division_after(words, run[-1].end)
        division = after or _division_before(words, run[0].start)
        if division is None or (len(run) < 2 and after is None):
            continue
        for d in run:
            if d.words and d.words[-1].lower() != division.lower():
                d.lookup_words = tuple(d.words) + (division,)


def _division_after(words: Sequence[str], end: int) -> str | None:
    return LISTED_DIVISIONS.get(words[end].lower()) if end < len(words) else None


def _division_before(words: Sequence[str], start: int) -> str | None:
    """The division a list starting at `start` is introduced by ("counties of", "the following
    counties :"); at least one introducing word between them, since a division's word right
    before a name may begin the name."""
    position = start - 1
    while position >= 0 and words[position].lower() in _LIST_INTRODUCERS:
        position -= 1
    return LISTED_DIVISIONS.get(words[position].lower()) if 0 <= position < start - 1 else None


def in_the_qualifying_place(d: LinkDecision, title: str) -> bool:
    """Whether `title`, one of `d`'s candidates, is in the place that follows `d` after its
    comma by its title ("Kenosha , Wis" and `Kenosha,_Wisconsin`): the text says it is that
    namesake, which the NIL classifier, trained where the dictionary knew every gold place,
    cannot read."""
    where = place_disambiguator(title)
    return d.qualified_by is not None and where is not None and where.casefold() == d.qualified_by.casefold()


def favour_the_qualified_place(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a mention a place qualifier follows ("Springfield , Ill", "Milwaukee , Wisconsin"),
    only the candidates that are in that place by their title (`Springfield,_Illinois`) or
    that the mention spells (`Milwaukee`: a large city's page has no qualifier), when there
    are any in that place: the text says which namesake it is, however much the priors favour
    another (`Springfield,_Massachusetts` at 0.9995, `Milwaukee_Brewers`). Not for a region
    itself: "Ohio , Kentucky" is a list, not `Ohio_County,_Kentucky`; nor when no candidate is
    in that place: "Carthage , Morristown" is a list of towns."""
    region = open_key(d.surface)
    if d.qualified_by is None or region in state_keys() or region in country_keys():
        return probabilities
    in_place = [in_the_qualifying_place(d, title) for title, _ in d.candidates]
    if not any(in_place):  # no namesake there: a list of places ("Carthage , Morristown"), not a place and its region
        return probabilities
    return favoured(probabilities, [here or spells(title, d.surface) for (title, _), here in zip(d.candidates, in_place)],
                     math.inf)


def favour_the_place_itself(d: LinkDecision, probabilities: np.ndarray) -> np.ndarray:
    """For a place qualifier, the candidate whose title the mention spells — the place's own
    page — multiplied by `PLACE_QUALIFIER_FACTOR`, renormalised: after "Preston," the
    county `Lancashire`, not `Lancashire_County_Cricket_Club`; after "Auburn," the state
    `New_York`, not `New_York_City`, which the EL scorer prefers for a bare "New York"."""
    if not d.place_qualifier:
        return probabilities
    return favoured(probabilities, spelled(d), PLACE_QUALIFIER_FACTOR)
