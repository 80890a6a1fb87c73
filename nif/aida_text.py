"""Rebuild a document's text from CoNLL tokens exactly as GERBIL does for AIDA/CoNLL.

GERBIL's AIDA/CoNLL dataset loader does not keep the original newswire text; it glues the
tokens back together and sends that string to annotators. Reproducing its rule lets us
drive a server with the very text GERBIL would send and measure how well our tokenizer
recovers the gold tokens from it. The rule (one pass over the tokens of a document, sentence
breaks ignored):

* tokens are separated by a single space, except
* no space before a one-character token in ``? ! , ) ] } .``;
* no space after a one-character token in ``( [ {``;
* ``"`` alternates: an opening quote takes no space after it, a closing one none before;
* no space before a token of two or more characters whose first character is not a letter
  or a digit (``'s``, ``--``, ``...``, ``+44``).

Like GERBIL, these rules are not applied to the first token of a document (nothing precedes
it, and its quote does not toggle the opening/closing state). Offsets are code points.
"""
from __future__ import annotations

NO_SPACE_BEFORE: frozenset[str] = frozenset("?!,)]}.")
NO_SPACE_AFTER: frozenset[str] = frozenset("([{")
QUOTE = '"'


def _is_letter_or_digit(char: str) -> bool:
    """Java's ``Character.isLetterOrDigit`` for one code point (letters L*, digits Nd)."""
    return char.isalpha() or char.isdecimal()


def rebuild_text(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The text GERBIL sends for these tokens, and each token's ``(start, end)`` in it.

    Raises ValueError for an empty token (GERBIL would silently drop it, which would leave
    this function unable to return one span per token).
    """
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    quote_open = False
    space_after_previous = True
    for token in tokens:
        if not token:
            raise ValueError("empty token: CoNLL tokens are never empty")
        space_before = space_after_previous
        space_after_previous = True
        if length > 0:
            if len(token) == 1:
                if token in NO_SPACE_BEFORE:
                    space_before = False
                elif token == QUOTE:
                    if quote_open:
                        space_before = False
                    else:
                        space_after_previous = False
                    quote_open = not quote_open
                elif token in NO_SPACE_AFTER:
                    space_after_previous = False
            elif not _is_letter_or_digit(token[0]):
                space_before = False
            if space_before:
                parts.append(" ")
                length += 1
        spans.append((length, length + len(token)))
        parts.append(token)
        length += len(token)
    return "".join(parts), spans
