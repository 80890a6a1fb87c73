"""An institution named without its country is the one of the country the text is about.

News writes "the Senate", "the House of Representatives", "Parliament", "the Supreme Court",
"the Central Bank" and lets the story say whose; Wikipedia titles each country's with the
country's name (`United_States_Senate`, `Supreme_Court_of_the_United_States`,
`Senate_of_the_Philippines`, `Republican_Party_(Tunisia)`). AIDA's dictionary knows such a name
by the 1996 stories it was built from ("Senate" → a US Senate committee, "House of
Representatives" → a state's), and its NIL classifier learned that AIDA's annotators left most of
them unlinked.

`qualify_institutions` runs after the document's links are decided: the country its links name
most often qualifies each organisation that names no country. The countries, their demonyms and
short codes come from the library `countryinfo` (MIT).
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from model.candidate_set import ORGANISATION_TYPE, CandidateSet
from model.kb.keys import open_key, title_key
from model.kb.places import state_keys
from model.kb.variants import singulars
from model.link_decision import LinkDecision

# The country of a document whose links name none: English-language news that names no country
# is most often American ("The Senate confirmed the nominee", "Congress must raise the debt
# ceiling"), unless its links name another country's capital or a title naming another
# country (`_names_a_foreign_place`: "National" in a story filed from Wellington).
# `open_world_check`'s held-out institutions 10 → 14 of 19; dev suite and AIDA validation
# unchanged but for one WNED-WIKI link.
DEFAULT_COUNTRY = "United_States"

# An office news names by its field first ("Justice Department", "Finance Ministry"), which titles
# name by the office ("United_States_Department_of_Justice", `Ministry_of_Finance_(Japan)`).
OFFICE_WORDS = ("Department", "Ministry")

# A surface form's tokens → its candidates (the model's candidate source, asked as for an organisation).
Lookup = Callable[[list[str]], CandidateSet]


@dataclass(frozen=True)
class Country:
    """A country's names, as its institutions' titles and the text write them."""

    name: str  # "United States"
    demonym: str | None  # "American"
    codes: tuple[str, ...]  # two- and three-letter codes, which disambiguators use: "US", "UK"
    long_names: tuple[str, ...]  # other names of the country: "United States of America"
    capital: str | None = None  # "Wellington", "Washington D.C."

    def forms(self, surface: str, demonym: bool) -> list[str]:
        """The titles that would name `surface`'s institution of this country, most usual first
        ("United States Senate", "Senate of the Philippines", "Republican Party (Tunisia)"), for
        one word also its party ("Labour Party (UK)", "Liberal Party of Canada"), for an office
        named by its field the office's name ("Department of Justice"); with
        `demonym`, also the demonym before it ("Australian Senate")."""
        forms = [f"{self.name} {surface}", f"{surface} of the {self.name}", f"{surface} of {self.name}"]
        forms += [f"{surface} ({name})" for name in (self.name, *self.codes)]
        if " " not in surface:  # a party by one word ("Labour", "Liberal", "Conservatives")
            stem = surface[:-1] if surface.endswith("s") else surface
            forms += [f"{stem} Party ({name})" for name in (self.name, *self.codes)]
            forms += [f"{stem} Party of the {self.name}", f"{stem} Party of {self.name}"]
        words = surface.split()
        if len(words) >= 2 and words[-1] in OFFICE_WORDS:  # "Justice Department" → "Department of Justice"
            offices = [f"{words[-1]} of {article}{' '.join(words[:-1])}" for article in ("", "the ")]
            forms += [f"{self.name} {office}" for office in offices]
            forms += [f"{office} ({name})" for office in offices for name in (self.name, *self.codes)]
        if demonym and self.demonym:
            forms.append(self.demonym_form(surface))
        return forms

    def demonym_form(self, surface: str) -> str | None:
        """The demonym before `surface` ("Australian Senate"), or None without a demonym."""
        return f"{self.demonym} {surface}" if self.demonym else None

    def phrases(self) -> list[str]:
        """The phrases that name this country or its people: names, codes (also dotted,
        "U.S."), demonym."""
        dotted = [".".join(code) + "." for code in self.codes]
        return [self.name, *self.long_names, *self.codes, *dotted] + ([self.demonym] if self.demonym else [])

    def named_in(self, text: str) -> bool:
        """Whether `text` (words separated by spaces) names this country or its people:
        "British Airways", "U.S. Senate", "Labour Party UK"."""
        padded = f" {text} "
        return any(f" {phrase} " in padded for phrase in self.phrases())


@functools.cache
def countries() -> dict[str, Country]:
    """Title key of each name a country's page may have (`United_States`, `Republic_of_Ireland`)
    → the country."""
    import countryinfo  # 256 small records, read on first use

    by_key: dict[str, Country] = {}
    for info in countryinfo.all_countries():
        spellings = info.alt_spellings() or []
        codes = tuple(s for s in spellings if s.isalpha() and s.isupper() and len(s) in (2, 3))
        long_names = tuple(s for s in spellings if len(s) > 3 and s.isascii())
        capital = info.capital()  # None for a territory without one, a list for the Vatican
        capital = capital if isinstance(capital, str) else None
        country = Country(info.name(), info.demonym(), codes, long_names, capital)
        for name in (country.name, *long_names):
            by_key.setdefault(title_key(name.replace(" ", "_")), country)
    return by_key


@functools.cache
def _country_phrases() -> tuple[dict[str, frozenset[Country]], dict[str, frozenset[Country]], int]:
    """Every country's names, codes and demonym as phrases, and its capital, each → the
    countries it names ("Georgia" two), and the most words a phrase has."""
    names: dict[str, set[Country]] = {}
    capitals: dict[str, set[Country]] = {}
    for country in set(countries().values()):
        for phrase in country.phrases():
            names.setdefault(phrase, set()).add(country)
        if country.capital:
            capitals.setdefault(country.capital, set()).add(country)
    longest = max(len(phrase.split()) for phrase in [*names, *capitals])
    return ({p: frozenset(c) for p, c in names.items()}, {p: frozenset(c) for p, c in capitals.items()}, longest)


def countries_named(text: str, capitals: bool = False) -> set[Country]:
    """The countries `text` (words separated by spaces) names by their names, codes or
    people ("British Airways", "U.S. Senate", "Senate of the Philippines"); with `capitals`,
    also by their capitals ("Wellington")."""
    names, capital_names, longest = _country_phrases()
    tables = [names, capital_names] if capitals else [names]
    words = text.split()
    return {country for i in range(len(words)) for j in range(i + 1, min(len(words), i + longest) + 1)
            for table in tables for country in table.get(" ".join(words[i:j]), ())}


def names_a_country(text: str) -> bool:
    """Whether `text` (words separated by spaces) names any country or its people ("British
    Airways", "U.S. Senate", "Senate of the Philippines")."""
    return bool(countries_named(text))


def country_of(title: str | None) -> Country | None:
    """The country `title` is the page of (`United_States`, `Republic_of_Ireland`), else None."""
    return countries().get(title_key(title)) if title else None


def document_country(decisions: Iterable[LinkDecision]) -> Country | None:
    """The country the document's links name most often ("Britain", "British" → the United
    Kingdom); None when they name none, or two as often."""
    counts = Counter(country for country in (country_of(d.entity) for d in decisions) if country is not None)
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def qualify_institutions(decisions: list[LinkDecision], lookup: Lookup) -> None:
    """Link each organisation that names no country ("Senate") to the page that adds the
    document's country (`United_States_Senate`), in place, when the knowledge base has one.

    A document whose links name no country, no capital and no title naming either
    (`_names_a_foreign_place`) is about `DEFAULT_COUNTRY`, for its capitalised mentions (a word
    in lowercase is a common noun: "army" in a story about an English village).
    Left alone: a mention naming a country or people ("British Airways"), one whose link is no
    page to give way (`_replaceable`: `United_States_Department_of_Justice` names the country,
    `Victoria_cricket_team` is another thing), and any in a document whose links name two
    countries as often. The demonym form ("Australian Senate") only for a mention left NIL
    (before a word the text linked it makes a namesake: `Brazilian_Real` for "Real",
    `American_Eagles` for "Eagles") and only from AIDA's dictionary (the open knowledge base
    spells `American_House` for "House"). A page in AIDA's dictionary comes before one only
    the open knowledge base spells, whose titles include redirect pages
    (`National_Assembly_of_South_Korea`)."""
    country = document_country(decisions)
    by_default = country is None and not _names_a_foreign_place(decisions)
    if by_default:
        country = country_of(DEFAULT_COUNTRY)
    if country is None:
        return
    looked_up: dict[str, CandidateSet] = {}  # a document names its Senate more than once
    for d in decisions:
        if d.ner_type != ORGANISATION_TYPE or names_a_country(d.surface) or by_default and d.surface.islower():
            continue
        if not _replaceable(d, country):
            continue
        found = []  # (only in the open knowledge base, form order, title)
        for order, form in enumerate(country.forms(d.surface, demonym=d.entity is None)):
            key = title_key(form.replace(" ", "_"))
            if form not in looked_up:
                looked_up[form] = lookup(form.split())
            candidates = looked_up[form]
            title = next((t for t in candidates.titles if title_key(t) == key), None)
            if title and not (candidates.from_open_kb and form == country.demonym_form(d.surface)):
                found.append((candidates.from_open_kb, order, title))
        if found:
            d.entity = min(found)[2]
            # None when the page is none of the mention's own candidates (as for a famous bearer)
            d.el_score = dict(d.candidates).get(d.entity)


def _names_a_foreign_place(decisions: Iterable[LinkDecision]) -> bool:
    """Whether the document's links name a country (`document_country` found none the most),
    or a title naming a country or its capital other than `DEFAULT_COUNTRY`: `Wellington`,
    `New_Zealand_First`; a story filed from Wellington is no American story."""
    default = country_of(DEFAULT_COUNTRY)
    titles = [d.entity for d in decisions if d.entity]
    return any(country_of(t) or countries_named(t.replace("_", " "), capitals=True) - {default} for t in titles)


def _replaceable(d: LinkDecision, country: Country) -> bool:
    """Whether `d`'s link may give way to its institution of `country`: NIL, the bare page the
    mention spells (`Parliament`, `House_of_Commons`; `Municipality` for "municipalities"), a
    namesake of another place, whose title's other words name a country or a US state
    (`Senate_(France)`, `Florida_House_of_Representatives`), or for a name of several words any
    page whose title holds them all (Mexico's `Supreme_Court_of_Justice_of_the_Nation` for
    "Supreme Court"); not a page that names `country` already, nor any other page
    (`Victoria_cricket_team` for "Victoria" in a cricket story about Australia)."""
    if d.entity is None:
        return True
    words = d.entity.replace("(", "").replace(")", "").replace(",", "").split("_")
    mentioned = {word.casefold() for form in [d.surface, *singulars(d.surface)] for word in form.split()}
    rest = " ".join(word for word in words if word.casefold() not in mentioned)
    if not rest:
        return True
    if country.named_in(rest):
        return False
    if len(d.words) > 1 and all(word.casefold() in {w.casefold() for w in words} for word in d.words):
        return True  # a longer name of the same kind of institution: `Supreme_Court_of_Justice_of_the_Nation`
    return names_a_country(rest) or open_key(rest) in state_keys(codes=False)
