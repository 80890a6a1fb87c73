"""Rule-based tokenizer and sentence splitter producing CoNLL-2003-like tokens.

The model was trained on CoNLL tokens, and GERBIL sends AIDA documents as text glued back
together from those tokens (see `nif.aida_text.rebuild_text`), so the rules here aim first
at recovering CoNLL tokens from such text, then at handling ordinary raw text sensibly.
`scripts/research/tokenizer_check.py` measures the recovery rate on all CoNLL-2003 documents.

Every token carries its exact code-point span: ``text[t.start:t.end] == t.text`` always.
No token splits an extended grapheme cluster (`_join_clusters`): a flag, a keycap, an emoji
with its skin tone or a ZWJ family is one token, so it can never be half a mention; such a
token is a symbol (`is_symbol`), and a found mention never starts or ends with one
(`model.span_rules.symbol_trimmed`). Pure Python (and the `regex` package for clusters), no torch.
"""
from __future__ import annotations

import re

import regex

from model.annotation import Token

MAX_SENTENCE_TOKENS = 120
# A sentence longer than this is probably a result table whose rows GERBIL's text runs
# together (it has no line breaks): such sentences are cut where a number ends a row and a
# name starts the next (`_table_rows`).
TABLE_SENTENCE_TOKENS = 40
# A number as tables write them (3, 51.598, .535, 15-7, 1:50.980, 16., +2), or the lone dash
# of an empty column ("games behind: -").
_NUMERIC = re.compile(r"[+-]?[\d.,:/]*\d[\d.,:/-]*\.?|-")
_YEAR = re.compile(r"\d{4}")

# Abbreviations whose final dot CoNLL keeps in the token (measured on all CoNLL-2003
# files: these are joined in most occurrences; state names such as "Ala." "Va." "Mich."
# and "Co." "Gov." "Sen." are mostly split there, so they are not listed).
ABBREVIATIONS: frozenset[str] = frozenset(
    "calif dr fla lt ltd mr mrs ms nov oct dec jan aug feb rev vol prof sr st vs".split()
)
# Kept whole mid-sentence but split ("Corp" ".") when a new sentence follows: 33 of 35
# joined cases precede a lowercase word or comma, 17 of 22 split ones a capital.
SENTENCE_SENSITIVE_ABBREVIATIONS: frozenset[str] = frozenset({"corp", "inc"})
# Top-level domains that end a company's or site's name written as a domain ("Amazon.com").
DOMAIN_ENDINGS = "com|org|net|io|co\\.uk|de|fr"
CLITICS = r"(?:'[sS]|'[rR][eE]|'[vV][eE]|'[lL][lL]|'[dD]|'[mM])"
# Joined-character rules inside one word: letters/digits joined by single hyphens,
# ampersands or slashes (``Saint-Etienne``, ``AT&T``, ``1/2``), apostrophes that are not
# clitics (``O'Neill``), and . , : between digits (``1,000``, ``3.5``, ``4:35``).
_ALNUM = r"[^\W_][\u0300-\u036f]*"
_WORD = (
    rf"(?:{_ALNUM})+"
    rf"(?:(?:[-&/]|(?!{CLITICS}(?![^\W_]))'|(?<=\d)[.,:](?=\d))(?:{_ALNUM})+)*"
    r"(?:\$(?![^\W_]))?"  # currency glued to letters: US$, C$
)
_TOKEN_RE = re.compile(
    "|".join(
        [
            r"(?P<url>(?:https?://|www\.)[^\s\"()<>]*[^\s\"()<>.,;:!?'])",
            rf"(?P<domain>(?:{_WORD}\.)+(?:{DOMAIN_ENDINGS})(?![^\W_]))",  # Amazon.com, Booking.com, eBay.de
            r"(?P<initials>(?:[^\W\d_]\.){2,})",  # U.S. a.m. F.C.
            rf"(?P<clitic>{CLITICS}(?![^\W_]))",
            r"(?P<signed>[+](?:\d+(?:[.,-]\d+)*))",  # +44, +0.05
            r"(?P<decimal>(?<![^\W_])\.\d+)",  # .500 batting averages
            rf"(?P<word>{_WORD})",
            r"(?P<dashes>-{2,}|\.{2,}|\*{2,}|={2,}|_{2,})",
            r"(?P<symbol>\S)",  # any other character; `_join_clusters` rejoins grapheme clusters
        ]
    )
)
# Unicode's user-perceived characters (UAX #29): what the `regex` package's \X matches.
_GRAPHEME = regex.compile(r"\X")
# A keycap (1️⃣ #️⃣) is an emoji: its digit is no digit of a word.
_KEYCAP = r"[0-9#*]\ufe0f?\u20e3"
_LETTER_OR_DIGIT = regex.compile(rf"(?!{_KEYCAP})[\p{{L}}\p{{N}}]")
# Emoji (flags, keycaps, skin tones, ZWJ sequences) and signs such as ♪ © ™ ° $: no letter,
# digit, punctuation or math sign. Punctuation and math signs end names ("Mladost ( L )",
# "Wisc ." in CoNLL's gold, "C++"), so they do not count.
_SYMBOL = regex.compile(rf"(?:{_KEYCAP}|[^\p{{L}}\p{{N}}\p{{P}}\p{{Sm}}])+")
_NEGATION_RE = re.compile(r"(?i)^(.+)(n't)$")
_SENTENCE_END = frozenset({".", "?", "!", "...", "....", ".."})
# Reuters datelines ("LONDON 1996-08-30") are a CoNLL sentence of their own, but GERBIL's
# rebuilt text runs them into the first body sentence with no punctuation between. In
# CoNLL-2003 train an ISO date followed by a capitalised word is a sentence break in all
# 896 cases; splitting there lifts A2KB micro F1 through the server on validation by 0.8.
DATELINE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _split_word(text: str, start: int, end: int) -> list[Token]:
    """Tokens of one regex word match; splits negations CoNLL-style (``does n't``)."""
    word = text[start:end]
    negation = _NEGATION_RE.match(word)
    if negation and len(negation.group(1)) > 0 and "'" not in negation.group(1):
        cut = start + len(negation.group(1))
        return [Token(text[start:cut], start, cut), Token(text[cut:end], cut, end)]
    return [Token(word, start, end)]


def _next_starts_sentence(text: str, position: int) -> bool:
    """True when whitespace then a capital letter or quote, or the end of the text, follow."""
    rest = text[position:]
    stripped = rest.lstrip()
    if not stripped:
        return True
    return len(stripped) < len(rest) and (stripped[0].isupper() or stripped[0] in "\"'")


def _keeps_dot(text: str, start: int, end: int) -> bool:
    """True when the word at [start, end) is followed by a dot that CoNLL keeps in the
    token: known abbreviations, initials (``M. Smith``), list numbers (``1. Dennis``)."""
    if end >= len(text) or text[end] != ".":
        return False
    after = text[end + 1 : end + 2]
    if after and not (after.isspace() or after in ",;:)\"'"):
        return False
    word = text[start:end]
    lowered = word.lower()
    if lowered in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
        return True
    sentence_follows = _next_starts_sentence(text, end + 1)
    if lowered in SENTENCE_SENSITIVE_ABBREVIATIONS:
        return not sentence_follows
    # Ranked lists ("1. Dennis Mitchell"): 1155 joined vs 196 split before a capital;
    # a number ending the text ("he won 2.") keeps its dot separate.
    text_continues = bool(text[end + 1 :].strip())
    return word.isdigit() and len(word) <= 3 and after.isspace() and sentence_follows and text_continues


def is_symbol(token: str) -> bool:
    """True for a token of emoji or signs only (`_SYMBOL`): 🇩🇪 👍🏽 1️⃣ ♪ ©, not ``)`` or ``+``."""
    return _SYMBOL.fullmatch(token) is not None


def has_letter_or_digit(token: str) -> bool:
    """True when `token` holds a letter or a digit (a keycap's does not count)."""
    return _LETTER_OR_DIGIT.search(token) is not None


def _join_clusters(text: str, tokens: list[Token]) -> list[Token]:
    """`tokens` with every two adjacent ones that share an extended grapheme cluster joined:
    regional-indicator pairs (flags), emoji with skin tones or variation selectors, ZWJ
    sequences, keycaps, stray combining marks. Only touching tokens with a non-ASCII character
    on either side can share one (CR LF, ASCII's only cluster, is never in a token), so CoNLL
    text is tokenized exactly as without this, and most text skips the segmentation."""
    touching = {token.start for previous, token in zip(tokens, tokens[1:])
                if previous.end == token.start and not text[token.start - 1 : token.start + 1].isascii()}
    if not touching:
        return tokens
    inside = touching - {match.end() for match in _GRAPHEME.finditer(text)}
    joined = [tokens[0]]
    for token in tokens[1:]:
        if token.start in inside:
            last = joined[-1]
            joined[-1] = Token(text[last.start : token.end], last.start, token.end)
        else:
            joined.append(token)
    return joined


def word_tokens(text: str) -> list[Token]:
    """All tokens of `text` in order, ignoring sentence structure."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.search(text, position)
        if match is None:
            break
        start, end = match.span()
        kind = match.lastgroup
        if kind == "word" and _keeps_dot(text, start, end):
            end += 1
            tokens.append(Token(text[start:end], start, end))
        elif kind == "word":
            tokens.extend(_split_word(text, start, end))
        else:
            tokens.append(Token(text[start:end], start, end))
        position = end
    return _join_clusters(text, tokens)


def _starts_sentence(token: Token) -> bool:
    """A token that may open a sentence: capitalised word, digit, quote or bracket."""
    first = token.text[0]
    return first.isupper() or first.isdigit() or first in "\"'([`"


def _ends_sentence(previous: Token, token: Token, gap: str) -> bool:
    """True when a sentence break falls between `previous` and `token` (`gap` is the text
    between them): after ``. ? !`` or an ellipsis, or after a dateline date, when
    whitespace and a plausible sentence opener follow."""
    if not gap:
        return False
    if previous.text in _SENTENCE_END:
        return _starts_sentence(token)
    return DATELINE_DATE.fullmatch(previous.text) is not None and token.text[0].isupper()


def _chunk(sentence: list[Token], limit: int) -> list[list[Token]]:
    """Split an over-long sentence into pieces of at most `limit` tokens, preferring to
    cut after ``;`` or ``,`` in the second half of each window so entities stay whole."""
    pieces: list[list[Token]] = []
    rest = sentence
    while len(rest) > limit:
        cut = limit
        for i in range(limit - 1, limit // 2, -1):
            if rest[i].text in {";", ","}:
                cut = i + 1
                break
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def tokenize(text: str, max_sentence_tokens: int = MAX_SENTENCE_TOKENS) -> list[list[Token]]:
    """Split `text` into sentences of CoNLL-like tokens with exact code-point offsets.

    A sentence ends after ``. ? !`` (or an ellipsis) when whitespace and a plausible
    sentence opener follow, after a dateline date followed by a capitalised word, and at
    every line break. Sentences longer than `TABLE_SENTENCE_TOKENS` are cut into table rows
    (`_table_rows`), and pieces longer than `max_sentence_tokens` into chunks.
    """
    sentences: list[list[Token]] = []
    current: list[Token] = []
    tokens = word_tokens(text)
    for index, token in enumerate(tokens):
        if current:
            gap = text[current[-1].end : token.start]
            if "\n" in gap or _ends_sentence(current[-1], token, gap):
                sentences.append(current)
                current = []
        current.append(token)
    if current:
        sentences.append(current)
    return [piece for sentence in sentences for row in _table_rows(sentence)
            for piece in _chunk(row, max_sentence_tokens)]


def _table_rows(sentence: list[Token]) -> list[list[Token]]:
    """A long sentence cut before every name that follows a number ("Lyon 2 | Nancy 0",
    "15-7 | Anthony Hill"), except a four-digit one, a year or a name ("1996 Olympics",
    "1860 Munich")."""
    if len(sentence) <= TABLE_SENTENCE_TOKENS:
        return [sentence]
    rows, current = [], [sentence[0]]
    for i in range(1, len(sentence)):
        token, before = sentence[i], sentence[i - 1]
        if token.text[:1].isupper() and _NUMERIC.fullmatch(before.text) and not _YEAR.fullmatch(before.text):
            rows.append(current)
            current = []
        current.append(token)
    rows.append(current)
    return rows
