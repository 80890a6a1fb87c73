"""Tokenizer: exact offsets, CoNLL-style splits, and round trips through GERBIL's rebuild."""
from __future__ import annotations

import pytest

from model.tokenizer import has_letter_or_digit, is_symbol, tokenize, word_tokens
from nif.aida_text import rebuild_text


def texts(text: str) -> list[list[str]]:
    return [[token.text for token in sentence] for sentence in tokenize(text)]


def assert_offsets_exact(text: str) -> None:
    for sentence in tokenize(text):
        for token in sentence:
            assert text[token.start : token.end] == token.text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Moody's said (Reuters): no.", ["Moody", "'s", "said", "(", "Reuters", ")", ":", "no", "."]),
        ("He didn't pay $1,000 or 3.5%.", ["He", "did", "n't", "pay", "$", "1,000", "or", "3.5", "%", "."]),
        ("Saint-Etienne won 2-1 on 1996-08-22 in the U.S.", ["Saint-Etienne", "won", "2-1", "on", "1996-08-22", "in", "the", "U.S."]),
        ('He said "yes" -- O\'Neill agreed...', ["He", "said", '"', "yes", '"', "--", "O'Neill", "agreed", "..."]),
        ("Mr. Smith of Acme Corp. said it.", ["Mr.", "Smith", "of", "Acme", "Corp.", "said", "it", "."]),
        # A name written as a domain is one token; a sentence that ends before a capital is not one.
        ("Amazon.com Inc and eBay.de rose.", ["Amazon.com", "Inc", "and", "eBay.de", "rose", "."]),
        ("It ended.De Gaulle came.", ["It", "ended", ".", "De", "Gaulle", "came", "."]),
    ],
)
def test_conll_style_tokens(text: str, expected: list[str]) -> None:
    assert [t.text for t in word_tokens(text)] == expected
    assert_offsets_exact(text)


def test_sentences_split_on_end_punctuation_and_newlines() -> None:
    text = "Rain fell in Paris. \"Go!\" he said.\nNew line here 1. Dennis won"
    assert texts(text) == [
        ["Rain", "fell", "in", "Paris", "."],
        ['"', "Go", "!", '"', "he", "said", "."],
        ["New", "line", "here", "1.", "Dennis", "won"],
    ]


def test_dateline_date_ends_a_sentence_before_a_capital_only() -> None:
    # GERBIL's AIDA text runs the dateline into the body; CoNLL keeps it a sentence.
    text = "SOCCER - ENGLISH RESULTS . LONDON 1996-08-31 Results of English matches on 1996-08-30 at home"
    assert texts(text) == [
        ["SOCCER", "-", "ENGLISH", "RESULTS", "."],
        ["LONDON", "1996-08-31"],
        ["Results", "of", "English", "matches", "on", "1996-08-30", "at", "home"],
    ]


def test_emoji_and_non_ascii_offsets_are_code_points() -> None:
    text = "😀 Zürich 👍🏽 and Kraków ❤️ São Paulo 👨‍👩‍👧"
    tokens = [t for sentence in tokenize(text) for t in sentence]
    assert [t.text for t in tokens] == ["😀", "Zürich", "👍🏽", "and", "Kraków", "❤️", "São", "Paulo", "👨‍👩‍👧"]
    assert tokens[1].start == 2  # one code point for the emoji, not two UTF-16 units
    assert_offsets_exact(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("🇩🇪 Germany beat 🇧🇷🇫🇷 teams", ["🇩🇪", "Germany", "beat", "🇧🇷", "🇫🇷", "teams"]),  # flags: regional-indicator pairs
        ("👍🏽👍🏿 thanks", ["👍🏽", "👍🏿", "thanks"]),  # skin tones
        ("Family 👨‍👩‍👧 day 👩🏽‍💻", ["Family", "👨‍👩‍👧", "day", "👩🏽‍💻"]),  # ZWJ sequences
        ("Press 1️⃣ or #️⃣ now", ["Press", "1️⃣", "or", "#️⃣", "now"]),  # keycaps: a digit is their base
        ("❤️Paris ☺︎", ["❤️", "Paris", "☺︎"]),  # variation selectors
        ("Björk🎶 🎶Björk", ["Björk", "🎶", "🎶", "Björk"]),  # emoji next to names
        ("Bjo\u0308rk 🇮🇸", ["Bjo\u0308rk", "🇮🇸"]),  # a word with a combining mark (NFD) is as before
        ("x \u0301y", ["x", "\u0301", "y"]),  # a mark after a space: alone, the space not in a token
    ],
)
def test_grapheme_clusters_stay_one_token(text: str, expected: list[str]) -> None:
    assert [t.text for t in word_tokens(text)] == expected
    assert_offsets_exact(text)


def test_symbols_are_emoji_and_signs_not_words_or_punctuation() -> None:
    for token in ["🇩🇪", "👍🏽", "👨‍👩‍👧", "1️⃣", "#️⃣", "❤️", "🎶", "©", "™", "°"]:
        assert is_symbol(token) and not has_letter_or_digit(token), token
    for token in ["Björk", "Bjo\u0308rk", "1", "U.S.", "1,000", "AT&T"]:
        assert not is_symbol(token) and has_letter_or_digit(token), token
    for token in [")", ".", "'", "+", "--"]:  # punctuation and math signs end names: "Mladost ( L )", "C++"
        assert not is_symbol(token) and not has_letter_or_digit(token), token


def test_long_sentences_are_chunked_at_commas() -> None:
    text = " ".join(["word"] * 70 + [","] + ["word"] * 100)
    sentences = tokenize(text, max_sentence_tokens=120)
    assert [len(s) for s in sentences] == [71, 100]
    assert all(len(s) <= 120 for s in tokenize(" ".join(["x"] * 300)))


def test_rebuilt_conll_text_round_trips() -> None:
    gold = ["EU", "rejects", "German", "call", ".", "Moody", "'s", "says", '"', "no", '"', "(", "AP", ")", ",", "1,000", "people", "."]
    text, spans = rebuild_text(gold)
    assert text == 'EU rejects German call. Moody\'s says "no" (AP), 1,000 people.'
    assert [text[s:e] for s, e in spans] == gold
    predicted = [(t.start, t.end) for sentence in tokenize(text) for t in sentence]
    assert predicted == spans


def test_empty_and_whitespace_text() -> None:
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []


def test_long_result_tables_are_cut_into_rows_and_prose_is_not() -> None:
    """GERBIL's AIDA text runs table rows together; a sentence over 40 tokens is cut before
    each name that follows a number, but not after a four-digit one (a year, "1860 Munich")."""
    table = ("Standings after games played on Thursday : W D L G / F G / A P Puchon 3 1 0 6 1 10 "
             "Chonan 3 0 1 13 10 9 Pohang 2 1 1 11 10 7 1860 Munich 1 3 0 7 3 6 Ulsan 1 2 1 5 5 5")
    rows = texts(table)
    assert [row[0] for row in rows] == ["Standings", "Chonan", "Pohang", "Ulsan"]
    assert rows[2] == "Pohang 2 1 1 11 10 7 1860 Munich 1 3 0 7 3 6".split()
    prose = " ".join(["In", "1996", "Paris"] + ["he", "said", "that", "it", "rained", "on", "3", "days", "there"] * 5)
    assert len(texts(prose)) == 1  # numbers, but none before a name (the year does not count)
    short = "Lyon 2 Nancy 0 Nice 1 Guingamp 1"
    assert len(texts(short)) == 1  # short sentences are left as they are
