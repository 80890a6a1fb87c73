"""Rules on the token spans of found mentions (A2KB), applied by `model.annotator.Annotator`
before linking: pure functions of the words, the spans and a KB question, tested without a model.

The model learned its spans from CoNLL-2003, whose conventions differ from Wikipedia's titles
and from other gold standards; each rule says what it mends and the measurement behind it.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable, Sequence

from model.candidate_set import PERSON_TYPE
from model.kb.casing import word_key
from model.kb.companies import without_company_forms
from model.kb.keys import open_key, spells
from model.kb.lookup import TITLE_CASE_FUNCTION_WORDS
from model.tokenizer import DATELINE_DATE, has_letter_or_digit, is_symbol

Span = tuple[int, int]  # a token range [start, end) of one sentence

CONJUNCTIONS = ("and", "or", ",")  # not "&", which joins words inside names (Marks & Spencer, AT&T)


def conjunction_parts(words: Sequence[str]) -> list[tuple[int, int]] | None:
    """Token ranges of the names a conjunction joins in a mention ("Uber and Airbnb" → Uber,
    Airbnb; "Google, Apple and Amazon" → three), None when there is no conjunction between
    two names. The caller checks that each part names something and the whole does not."""
    cuts = [i for i, w in enumerate(words) if w.casefold() in CONJUNCTIONS]
    if not cuts:
        return None
    bounds = [-1] + cuts + [len(words)]
    parts = [(a + 1, b) for a, b in zip(bounds, bounds[1:])]
    if any(b <= a or not words[a][:1].isupper() for a, b in parts):
        return None
    return parts


# Roman numerals after a name ("Henry VIII", "Leopold III"): capitals that belong to it.
_ROMAN_NUMERAL = frozenset("IVXLC")
MIN_CAPITALS_PART_LETTERS = 3  # fewer are a legal form or an initialism inside a name ("Ruch SA")
MIN_LEADING_CAPITALS_LETTERS = 4  # fewer begin many names ("SC Freiburg", "PGA Tour", "U.S. Open")


def case_parts(words: Sequence[str]) -> list[Span] | None:
    """Token ranges of a mention whose words in mixed case and words in capitals follow each
    other in two runs, as no name writes them: a name, then a dateline in capitals after it
    ("Richard Finn NEW YORK": a byline and its dateline, when a wire text's lines are read as
    one sentence; "American League DETROIT" in a table of standings), or a word in capitals
    before a name ("KOMPAS Indonesian": a newspaper quoted in a list). None when it is no such
    mention: capitals at the end that are a Roman numeral ("Henry VIII"), a legal form ("Rio
    Tinto PLC") or a short form ("Ruch SA"); capitals at the start of fewer than
    `MIN_LEADING_CAPITALS_LETTERS` letters ("SC Freiburg", "PT Timor Putra Nasional"). The
    caller checks that the whole names nothing and the capitals name something."""
    lettered = [any(c.isalpha() for c in w) for w in words]
    kinds = ["U" if in_capitals([w]) else ("T" if any(c.islower() for c in w) else "") for w in words]
    runs = [i for i in range(1, len(words)) if kinds[i] and kinds[i - 1] and kinds[i] != kinds[i - 1]]
    if len(runs) != 1 or not words[0][:1].isupper() or any(not k and has for k, has in zip(kinds, lettered)):
        return None
    cut = runs[0]
    head, tail = words[:cut], words[cut:]
    capitals = [w for w in (tail if kinds[cut] == "U" else head) if any(c.isalpha() for c in w)]
    letters = sum(c.isalpha() for w in capitals for c in w)
    if kinds[cut] == "U":
        if (letters < MIN_CAPITALS_PART_LETTERS or all(set(w) <= _ROMAN_NUMERAL for w in capitals)
                or without_company_forms(" ".join(words)) is not None):
            return None
    elif letters < MIN_LEADING_CAPITALS_LETTERS:
        return None
    return [(0, cut), (cut, len(words))]


def adjacent_names(words: Sequence[str], spells_title: Callable[[int, int], bool]) -> list[Span] | None:
    """Token ranges of two names in capitals that a found mention runs together with nothing
    between them ("DETROIT CHICAGO" on a line of a table of standings, once GERBIL has joined
    the table's lines; "TORONTO MINNESOTA"): the first cut at which both parts spell a page's
    title (`spells_title`), None when there is none or the words are not all in capitals. In
    mixed case a name is as often built of titles ("Iowa District Court", "Brigham Young
    Academy": OKE 63.60 → 62.68 when any case split, AIDA validation +0.13 against +0.48 for
    capitals only). The caller asks only for a mention that names nothing whole."""
    if not in_capitals(words):
        return None
    for cut in range(1, len(words)):
        parts = [(0, cut), (cut, len(words))]
        if all(spells_title(a, b) for a, b in parts):
            return parts
    return None


MAX_NAME_PARTICLE = 3  # a short word in lowercase may begin a name: "de Silva", "van Gogh", "al-Assad"


def name_start(words: Sequence[str]) -> int | None:
    """Where a name begins in a found mention that opens with words no name begins with: a
    number ("100 Air France", "1,000 Air Force"), a word in lowercase ("pakistan Saeed Anwar")
    or a name made an adjective ("Seattle-based Amazon", "British-ruled Northern Ireland");
    None when the mention opens with a name. The caller asks only for a mention that names
    nothing whole, and keeps the rest when it names something."""
    def no_name(word: str) -> bool:
        letters = [c for c in word if c.isalpha()]
        return not letters or word[:1].isdigit() or (word.islower() and len(word) > MAX_NAME_PARTICLE) or (
            "-" in word.strip("-") and word.rsplit("-", 1)[1].islower())

    start = 0
    while start < len(words) - 1 and no_name(words[start]):
        start += 1
    return start or None


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
# A month as a dateline writes it: in full or cut to three letters ("Aug", "Aug."), or "Sept."
_MONTH_FORMS = frozenset(MONTHS) | {m[:3] for m in MONTHS} | {"sept"}
MAX_DATELINE_REGION = 3  # tokens of ", Italy" or ", N.H." between a dateline's place and its date


def dateline_follows(words: Sequence[str], end: int) -> bool:
    """Whether a dateline's date follows the token range ending at `end`: an ISO date
    ("NEW YORK 1996-08-30", as CoNLL writes Reuters' datelines) or a month ("NEW YORK, Aug
    30"), perhaps after a comma and a region ("VENICE, Italy 1996-08-31")."""
    position = end
    if position < len(words) and words[position] == ",":
        position += 1
        stop = min(len(words), position + MAX_DATELINE_REGION)
        while position < stop and words[position][:1].isupper() and not _is_date(words[position]):
            position += 1
    return position < len(words) and _is_date(words[position])


def _is_date(word: str) -> bool:
    return DATELINE_DATE.fullmatch(word) is not None or (word[:1].isupper()
                                                          and word.rstrip(".").lower() in _MONTH_FORMS)


# Prepositions a found mention may run across between two names ("National Art School in
# Sydney", "Louisiana State University of Louisiana State University System").
SPLIT_CONNECTORS = ("of", "in", "at", "from")
ROLE_ACRONYM_LENGTHS = (2, 4)  # "Facebook COO Sheryl Sandberg", "Disney CFO Christine McCarthy"


def _splits_names(words: Sequence[str], i: int) -> bool:
    """Whether word `i` (not the first or last) may stand between two names a mention runs
    together: a preposition, or in mixed-case text a role's acronym ("COO" between a company
    and its officer; in a line in capitals, "NEW YORK", every word is one)."""
    low, high = ROLE_ACRONYM_LENGTHS
    word = words[i]
    role = (word.isalpha() and word.isupper() and low <= len(word) <= high
            and not words[i - 1].isupper() and not words[i + 1].isupper())
    return word in SPLIT_CONNECTORS or role


MAX_SPLIT_CUTS = 2


def connector_parts(words: Sequence[str], spells_title: Callable[[int, int], bool]) -> list[Span] | None:
    """Token ranges of the names a found mention runs together across a preposition or a
    role's acronym (`_splits_names`: "National Art School in Sydney" → National Art School,
    Sydney; "Facebook COO Sheryl Sandberg" → Facebook, Sheryl Sandberg): the fewest cuts (at most
    `MAX_SPLIT_CUTS`) at which every part starts with a capital and spells a page's title
    (`spells_title(start, end)`), one of them of several words; None when there is none.
    The caller asks only for a mention that names nothing whole: the model learned from
    CoNLL to run "X of Y" together, which names one thing when a title says so."""
    cuts = [i for i in range(1, len(words) - 1) if _splits_names(words, i)]
    for count in range(1, min(len(cuts), MAX_SPLIT_CUTS) + 1):
        for chosen in combinations(cuts, count):
            bounds = [-1, *chosen, len(words)]
            parts = [(a + 1, b) for a, b in zip(bounds, bounds[1:])]
            if (all(b > a and words[a][:1].isupper() for a, b in parts) and any(b - a > 1 for a, b in parts)
                    and all(spells_title(a, b) for a, b in parts)):
                return parts
    return None


# What may follow a name's comma as its place: "Madison, Wisconsin"; an ORG too, since the NER
# reads a university town as its university ("Jesus College, Cambridge": OKE 61.51 → 61.99).
QUALIFIER_TYPES = ("LOC", "ORG")
QUALIFIED_TYPES = ("LOC", "ORG", "MISC")  # not PER: "John Smith, Texas" is a person and a place


def qualified_place_pairs(words: Sequence[str], mentions: Sequence[tuple[int, int, str]], names_entity,
                          countries: frozenset[str] = frozenset(), states: frozenset[str] = frozenset()
                          ) -> list[tuple[int, int]]:
    """Index pairs (i, i + 1) of `mentions` ((start, end, type) token ranges in order) that
    are a name and its place: only a comma between them, the second a place (`QUALIFIER_TYPES`)
    but no country (`countries`: open keys), the first not in capitals, and the joined token range naming
    an entity (`names_entity(start, end, exact)`): after a US state (`states`: open keys of
    names and codes) any entity the KB finds for it; after another place, a title the joined
    surface spells (`exact`).

    Wikipedia names places and institutions so ("Madison,_Wisconsin",
    "Trinity_College,_Cambridge") and links the whole phrase, but a city and its country
    apart ("Cape Town, South Africa": 69 of the 71 such pairs in WNED-WIKI's gold; a US state
    after its city is joined in 59 of 95; `scripts.research.place_spans`); CoNLL's annotators
    typed the two parts as two mentions, and so its datelines ("MILWAUKEE, Wisconsin"). After
    a town the gold standards differ ("Christ Church, Oxford" joined, "The Oval, London" and
    "Torquay, Devon" apart), so only a page of that very name joins: "The Oval, London" finds
    the district `Oval,_London`, not the ground. The KB decides the rest: "Texas, Arizona"
    names nothing, so a list of places stays a list."""
    pairs: list[tuple[int, int]] = []
    for i in range(len(mentions) - 1):
        (start, end, first), (next_start, next_end, second) = mentions[i], mentions[i + 1]
        if pairs and pairs[-1][1] == i:
            continue
        place = open_key(" ".join(words[next_start:next_end]))
        if (next_start == end + 1 and words[end] == "," and first in QUALIFIED_TYPES
                and second in QUALIFIER_TYPES and not in_capitals(words[start:end])
                and place not in countries and names_entity(start, next_end, place not in states)):
            pairs.append((i, i + 1))
    return pairs


def role_trimmed(words: Sequence[str], ner_type: str, best_title: str | None) -> Span | None:
    """The token range of a person mention's words without its first, when those spell
    `best_title` (its best candidate's title) and the whole does not: a role or honorific
    the model read into a person's name ("Justice Ruth Bader Ginsburg" → `Ruth_Bader_Ginsburg`),
    which gold standards, like CoNLL's "President Clinton", leave out; else None. A title that
    keeps the word ("Pope Francis" → `Pope_Francis`) keeps the span. Not for other types nor
    headlines: AIDA's gold writes "ENGLISH COUNTY CHAMPIONSHIP" and "The Curragh" whole
    (AIDA validation 87.41 → 87.40 with every type)."""
    if best_title is None or ner_type != PERSON_TYPE or len(words) < 2 or in_capitals(words):
        return None
    whole, rest = " ".join(words), " ".join(words[1:])
    if spells(best_title, whole) or not spells(best_title, rest):
        return None
    return 1, len(words)


def article_trimmed(words: Sequence[str], best_title: str | None) -> Span | None:
    """The token range of a mention without the "The" it begins with, when its best
    candidate's title does not begin with that article ("The Commerce Department" →
    `United_States_Department_of_Commerce`, "The Treaty of Baden" → `Treaty_of_Baden`): the
    model reads a sentence's capitalised first word into the name, and gold standards, like
    CoNLL, leave the article out unless the name keeps it ("The Hague", "The Oval", "The
    Sunday Telegraph"); else None. Not for a mention that names nothing (a work's title may
    keep its article) nor a headline."""
    if best_title is None or len(words) < 2 or words[0] != "The" or in_capitals(words):
        return None
    if spells(best_title, " ".join(words)) or best_title.split("_", 1)[0].casefold() == "the":
        return None
    return 1, len(words)


# A sentence is in title case when at least this many words after its first that running text
# writes in lowercase are capitalised, and no fewer than this share of such words.
TITLE_CASE_WORDS = 2
TITLE_CASE_SHARE = 0.75


def in_title_case(words: Sequence[str], common: frozenset[str]) -> bool:
    """Whether a sentence is written in title case, as headlines and page titles are ("Apple
    Beats Estimates As iPhone Sales Soar In China"): its words that running text writes in
    lowercase (`common`, the casing lexicon's) are capitalised after its first word, where
    prose capitalises them only inside names ("Bank of England"), and so are its function
    words (`TITLE_CASE_FUNCTION_WORDS`), which a list of names keeps in lowercase ("State
    Street Bank and Trust Company PaineWebber Incorporated")."""
    common_after_first = [w for w in words[1:] if w.isalpha() and word_key(w) in common]
    capitalised = [w for w in common_after_first if w[:1].isupper() and not w.isupper()]
    function_words = [w for w in words[1:] if w.lower() in TITLE_CASE_FUNCTION_WORDS]
    return (len(capitalised) >= TITLE_CASE_WORDS and len(capitalised) >= TITLE_CASE_SHARE * len(common_after_first)
            and bool(function_words) and all(w[:1].isupper() for w in function_words))


def headline_parts(words: Sequence[str], common: frozenset[str], spells_title: Callable[[int, int], bool],
                   names: Callable[[int, int], bool], known_name: Callable[[int, int], bool]) -> list[Span] | None:
    """In a title-case sentence, the names a headline's capitals run together with its verbs and
    nouns ("Apple Beats" → Apple; "iPhone Sales Soar In China" → iPhone, China): from the left,
    the longest span that begins with a word that is no common word (`common`) and spells a
    page's title (`spells_title(a, b)`) or, of such words only, names something (`names(a, b)`:
    "Cupertino" → `Cupertino,_California`), or that spells a title and is a name AIDA's
    dictionary knows (`known_name(a, b)`: "New York" in "New York Newsdesk", though "New" is
    a common word; not "Health Care Bill", a page nothing points to); None when there is none
    or the whole mention is the one."""
    def name_word(i: int) -> bool:
        return _no_common_word(words[i], common)

    def part(i: int, j: int) -> bool:
        if name_word(i):
            return spells_title(i, j) or all(name_word(k) for k in range(i, j)) and names(i, j)
        return any(name_word(k) for k in range(i, j)) and spells_title(i, j) and known_name(i, j)

    parts = _leftmost_longest(len(words), lambda i: next((j for j in range(len(words), i, -1) if part(i, j)), None))
    if not parts or parts == [(0, len(words))]:
        return None
    return parts


def headline_names(words: Sequence[str], spans: Sequence[Span], common: frozenset[str],
                   known_name: Callable[[int, int], bool]) -> list[Span]:
    """In a title-case sentence, the names the NER missed: from the left, the longest run of
    capitalised words that are no common words (`common`), that no found span covers and that
    AIDA's dictionary knows as a name (`known_name(a, b)`: "OPEC" in "Oil Rises As OPEC Agrees
    To Cut Output")."""
    covered = {k for a, b in spans for k in range(a, b)}

    def longest_known(i: int) -> int | None:
        run_end = i
        while (run_end < len(words) and run_end not in covered and words[run_end][:1].isupper()
               and _no_common_word(words[run_end], common)):
            run_end += 1
        return next((j for j in range(run_end, i, -1) if known_name(i, j)), None)

    return _leftmost_longest(len(words), longest_known)


def _no_common_word(word: str, common: frozenset[str]) -> bool:
    """A word with letters or digits that running text does not write in lowercase (`common`)."""
    return has_letter_or_digit(word) and word_key(word) not in common


def _leftmost_longest(length: int, longest_from: Callable[[int], int | None]) -> list[Span]:
    """Spans chosen from the left: at each position the span `longest_from(start)` ends (None:
    none starts there, move on), the next search after its end."""
    spans, start = [], 0
    while start < length:
        end = longest_from(start)
        if end is None:
            start += 1
        else:
            spans.append((start, end))
            start = end
    return spans


def in_angle_brackets(words: Sequence[str], start: int, end: int) -> bool:
    """Whether the token range [start, end) of `words` is enclosed in "<" and ">": a stock
    ticker after a company's name ("Texaco Inc <TX>") or markup, no name."""
    return start > 0 and end < len(words) and words[start - 1] == "<" and words[end] == ">"


def in_capitals(words: Sequence[str]) -> bool:
    """Every word with letters written in capitals: a dateline or a headline ("MILWAUKEE")."""
    lettered = [w for w in words if any(c.isalpha() for c in w)]
    return bool(lettered) and all(w.isupper() for w in lettered)


def symbol_trimmed(words: Sequence[str]) -> tuple[int, int] | None:
    """The token range of a found mention without the symbols at its ends (emoji, flags,
    signs: `model.tokenizer.is_symbol`), None when what is left holds no letter or digit.

    The model learned names from CoNLL, which has no emoji: next to a name ("Björk 🎶", an
    emoji before a headline word) it may take one into the mention, or read a flag as a
    name. Punctuation is left to the model: CoNLL's names end with it ("Mladost ( L )")."""
    start, end = 0, len(words)
    while start < end and is_symbol(words[start]):
        start += 1
    while end > start and is_symbol(words[end - 1]):
        end -= 1
    return (start, end) if any(has_letter_or_digit(w) for w in words[start:end]) else None


# Lowercase words a title may hold between its capitalised words ("University of Illinois at
# Chicago", "Human Rights in China", "Marks & Spencer", "St. Peter 's Square").
TITLE_CONNECTORS = frozenset({"of", "at", "and", "for", "the", "in", "on", "upon", "de", "du", "la", "&", "-", "'s"})
MAX_EXTENSION = 6  # tokens a mention may grow by
MAX_START_EXTENSION = 2  # capitalised words a mention that names nothing may grow by at its start


def title_extensions(words: Sequence[str], spans: Sequence[Span], is_title: Callable[[int, int], bool],
                     nameless: frozenset[Span] = frozenset(), article_titled: frozenset[Span] = frozenset()
                     ) -> list[Span]:
    """`spans` (in order, not overlapping), each grown to the longest token range up to
    `MAX_EXTENSION` tokens past its end that `is_title(start, end)` says a page's title
    spells; the added words are capitalised words and `TITLE_CONNECTORS`, and it ends on a
    capitalised word. Mentions it covers whole are absorbed; it never ends inside one. A span
    of `nameless` (a mention with no candidate at all) may also grow at its start by up to
    `MAX_START_EXTENSION` capitalised words outside other mentions, when the whole then
    spells a title ("Tayyip Erdogan", found without "Recep", names nothing). A span of
    `article_titled` (a mention whose best candidate is titled "The" and its words) takes a "The"
    before it ("The Sunday Telegraph": AIDA's gold includes it in 32 of the 33 mentions of a
    `The_` title after "The"); not for any title that "The" and the words spell: "The
    Orioles" (a band) begins a sentence about the baseball team.

    CoNLL's annotators cut "State University of New York at Cortland" as an organisation and
    a place, and the model learned to; Wikipedia, and gold standards that link titles, name
    the whole ("University_of_Illinois_at_Chicago", "Irish_Republican_Army" after "Irish" +
    "Republican Army"). Only the end grows: growing the start too joins a role and its
    country ("Prime Minister of Israel"), which AIDA annotates as the country alone (AIDA
    validation 87.25 with the end only, 87.03 with both ends; OKE 60.48, 60.85). Mentions in
    capitals (headlines) are left as they are."""
    spans = sorted(spans)
    result: list[Span] = []
    inside = {e for s, e in spans for e in range(s + 1, e)}  # ends that would cut a mention
    for start, end in spans:
        if result and start < result[-1][1]:
            continue  # absorbed by the previous mention's extension
        best = (start, end)
        if not in_capitals(words[start:end]):
            for stop in _title_ends(words, end)[::-1]:
                if stop not in inside and not in_capitals(words[start:stop]) and is_title(start, stop):
                    best = (start, stop)
                    break
            if best == (start, end) and (start, end) in nameless:
                earliest = max(result[-1][1] if result else 0, start - MAX_START_EXTENSION)
                for first in range(earliest, start):  # longest first
                    if all(w[:1].isupper() for w in words[first:start]) and is_title(first, end):
                        best = (first, end)
                        break
            previous_end = result[-1][1] if result else 0
            if (best == (start, end) and (start, end) in article_titled and start - 1 >= previous_end
                    and words[start - 1] == "The"):
                best = (start - 1, end)  # "The" + "Sunday Telegraph": the title's own article
        result.append(best)
    return result


def _title_ends(words: Sequence[str], end: int) -> list[int]:
    """The ends past `end` a title's continuation may have, nearest first."""
    ends = []
    for position in range(end, min(len(words), end + MAX_EXTENSION)):
        word = words[position]
        if word[:1].isupper():
            ends.append(position + 1)
        elif word not in TITLE_CONNECTORS:
            break
    return ends
