"""GERBIL's AIDA/CoNLL text rebuild rules."""
from __future__ import annotations

import pytest

from nif.aida_text import rebuild_text


@pytest.mark.parametrize(
    "tokens, text",
    [
        (["Hello", ",", "world", "!"], "Hello, world!"),
        (["x", "(", "a", ")", "[", "b", "]", "{", "c", "}", "?"], "x (a) [b] {c}?"),
        (["x", '"', "q", '"', "y", '"', "r", '"'], 'x "q" y "r"'),
        (["Moody", "'s", "--", "+44", "...", "x"], "Moody's--+44... x"),
        (["it", "n't", "-", "'", "$", "5"], "it n't - ' $ 5"),
        # GERBIL applies no rule to a document's first token: a leading quote or bracket
        # is followed by a space and the quote does not toggle, so the next one "opens".
        (['"', "A", '"', "b"], '" A "b'),
        (["(", "a", ")"], "( a)"),
    ],
)
def test_rebuild_rules(tokens: list[str], text: str) -> None:
    rebuilt, spans = rebuild_text(tokens)
    assert rebuilt == text
    assert [rebuilt[s:e] for s, e in spans] == tokens


def test_offsets_are_code_points() -> None:
    text, spans = rebuild_text(["😀", "Zürich"])
    assert text == "😀 Zürich" and spans == [(0, 1), (2, 8)]


def test_empty_token_rejected() -> None:
    with pytest.raises(ValueError):
        rebuild_text(["a", ""])
