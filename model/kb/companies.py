"""Company names as news writes them and as Wikipedia titles them: legal forms ("Corp",
"Inc", and every other country's from the library `cleanco`), the forms a company's page
takes ("Tesla" → `Tesla,_Inc.`) and the name without them ("Goldman Sachs Group Inc" →
"Goldman Sachs")."""
from __future__ import annotations

import re
from typing import Sequence

from cleanco import prepare_default_terms

from model.kb.keys import NAME_ABBREVIATIONS, ascii_fold, parenthetical, spells, without_disambiguator

# Company suffix as written in news (Corp, Corp.) → the spellings Wikipedia titles use.
COMPANY_SUFFIXES = {
    "corp": ("Corp.", "Corporation"), "corporation": ("Corp.", "Corporation"),
    "inc": ("Inc.", "Incorporated"), "incorporated": ("Inc.", "Incorporated"),
    "co": ("Co.", "Company"), "company": ("Co.", "Company"),
    "ltd": ("Ltd.", "Limited"), "limited": ("Ltd.", "Limited"),
    "plc": ("plc", "PLC"), "llc": ("LLC",), "ag": ("AG",), "sa": ("S.A.", "SA"), "nv": ("N.V.",),
}
_COMPANY_SUFFIX = re.compile(r"^(?P<base>.+?),?\s+(?P<suffix>[A-Za-z]+)\.?$")


# How Wikipedia titles name a company that news calls by its short name ("Chevron" →
# Chevron_Corporation, "Apple" → Apple_Inc.): tried for ORG mentions without a suffix.
COMPANY_FORMS = ("Inc.", "Corporation", "Company", "Group", "Holdings", "Ltd.", "plc", "AG")


# The forms that make a title a company's page ("Group" and "Holdings" name geological
# groups, sports clubs' owners and the like as well: Leinster_Group, Haifa_Group).
COMPANY_PAGE_FORMS = ("Inc.", "Corporation", "Company", "Ltd.", "plc", "AG")


def company_pages(surface: str, forms: Sequence[str] = COMPANY_FORMS) -> list[str]:
    """The titles a company called `surface` may have ("Tesla" → "Tesla, Inc.", "Apple Inc.",
    "Chevron Corporation"): `forms` after the name."""
    text = " ".join(surface.split())
    return [f"{text} {form}" for form in forms] + [f"{text}, {form}" for form in forms[:1]]


def is_company_page(title: str, surface: str) -> bool:
    """Whether `title` is a company's page named `surface` (`COMPANY_PAGE_FORMS`, with or
    without "The" before: ``The_Walt_Disney_Company``; another country's legal form,
    `LEGAL_FORMS`: ``Axel_Springer_SE``; or a disambiguator that says so:
    ``Noranda_(mining_company)``, ``Apex_(company)``), case aside; never for a surface in
    lowercase (a common noun: "research")."""
    if surface.islower():
        return False
    disambiguator = parenthetical(title)
    if disambiguator and disambiguator.split("_")[-1] == "company":
        return spells(without_disambiguator(title), surface)
    pages = company_pages(surface, COMPANY_PAGE_FORMS)
    if any(spells(title, page) or spells(title, f"The {page}") for page in pages):  # `The_Walt_Disney_Company`
        return True
    words = title.split("_")  # another country's legal form: `Axel_Springer_SE`, `Stora_Enso_Oyj`
    legal_form = _legal_form_at_end(words)
    return legal_form > 0 and spells("_".join(words[:-legal_form]), surface)


def company_variants(text: str) -> list[str]:
    """A company named with a legal form, spelled the ways titles write it ("Apple Computer
    Inc" → "Apple Computer", "Apple Computer, Inc.", "Apple Computer Incorporated", …) and
    by its name alone; another country's legal form only by the name ("Norsk Hydro ASA" →
    "Norsk Hydro"); none for a surface without one."""
    match = _COMPANY_SUFFIX.match(text)
    if not match or match["suffix"].lower() not in COMPANY_SUFFIXES:
        # another country's legal form: "Norsk Hydro ASA" → "Norsk Hydro"
        name = without_company_forms(text) if _legal_form_at_end(text.replace(",", " ").split()) else None
        return [name] if name else []
    base = match["base"]
    spellings = COMPANY_SUFFIXES[match["suffix"].lower()]
    name = without_company_forms(text)
    shorter = [name] if name and name != base else []
    if base.split()[-1].lower() in ("&", "and"):  # "& Co": only "& Company", "& Co." are spellings of it
        return [f"{base} {s}" for s in spellings] + shorter
    return [base] + [f"{base}, {s}" for s in spellings] + [f"{base} {s}" for s in spellings] + shorter


# Words after a company's name that are its legal form or kind, not its name: the suffixes,
# the "& Co" of partnerships, "Group" and "Holdings" ("Goldman Sachs Group Inc").
_COMPANY_TAIL = frozenset(COMPANY_SUFFIXES) | {"group", "holdings", "&", "and"}
# Every country's legal forms, from the library `cleanco` (321 terms, normalised as it does:
# "S.p.A." → ``spa``, "Oyj", "GmbH & Co. KG", "Sdn Bhd"), as tuples of words. Not the country
# and union codes news writes after a company's name as its branch ("Airbus UK").
LEGAL_FORMS = frozenset(tuple(words) for _, words in prepare_default_terms()) - {(code,) for code in NAME_ABBREVIATIONS}
_LEGAL_FORM_WORDS = max(len(form) for form in LEGAL_FORMS)


def _legal_form_key(word: str) -> str:
    """A written word as `cleanco` normalises its terms: case-folded, accents folded, without
    dots, commas and hyphens ("S.A." → ``sa``)."""
    return re.sub(r"[.,\-]", "", ascii_fold(word).casefold())


def _legal_form_at_end(words: Sequence[str]) -> int:
    """How many of the last `words` are a legal form (the longest), 0 if none. A word in
    lowercase is no legal form but for `COMPANY_SUFFIXES` ("as", "private" are English)."""
    for length in range(min(_LEGAL_FORM_WORDS, len(words) - 1), 0, -1):
        tail = words[len(words) - length:]
        if any(word.islower() for word in tail if word.isalpha()):
            continue
        if tuple(_legal_form_key(word) for word in tail) in LEGAL_FORMS:
            return length
    return 0


def without_company_forms(surface: str) -> str | None:
    """The company's name without the legal forms after it, when it has any and a name is
    left: "Goldman Sachs Group Inc" → "Goldman Sachs", "JPMorgan Chase & Co" → "JPMorgan
    Chase", "Rio Tinto PLC" → "Rio Tinto", "Norsk Hydro ASA" → "Norsk Hydro" (`LEGAL_FORMS`);
    None for "Apple" or "Group"."""
    words = surface.replace(",", " ").split()
    end = len(words)
    while end > 1:
        if words[end - 1].rstrip(".").lower() in _COMPANY_TAIL:
            end -= 1
        elif legal_form := _legal_form_at_end(words[:end]):
            end -= legal_form
        else:
            break
    if end == len(words) or words[end - 1].lower() in ("&", "and"):
        return None
    return " ".join(words[:end])
