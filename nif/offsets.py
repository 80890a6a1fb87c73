"""Conversions between code-point offsets (Python) and UTF-16 code units (Java).

GERBIL writes requests with code-point offsets but reads answers as Java string indices,
which count characters outside the Basic Multilingual Plane (emoji, some CJK) twice.
"""
from __future__ import annotations

from bisect import bisect_left


class OffsetMap:
    """Maps offsets of one text between code points and UTF-16 code units."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Code-point positions of astral characters: each shifts later UTF-16 offsets by 1.
        self._astral = [i for i, char in enumerate(text) if ord(char) > 0xFFFF]
        self.utf16_length = len(text) + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        """UTF-16 offset of code-point `offset` (0 <= offset <= len(text))."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"code-point offset {offset} outside 0..{len(self.text)}")
        return offset + bisect_left(self._astral, offset)

    def from_utf16(self, offset: int) -> int:
        """Code-point offset of UTF-16 `offset`; ValueError if it is out of range or
        falls between the two halves of a surrogate pair."""
        if not 0 <= offset <= self.utf16_length:
            raise ValueError(f"UTF-16 offset {offset} outside 0..{self.utf16_length}")
        # The k-th astral character (0-based) sits at UTF-16 offset astral[k] + k.
        low, high = 0, len(self._astral)
        while low < high:
            middle = (low + high) // 2
            if self._astral[middle] + middle < offset:
                low = middle + 1
            else:
                high = middle
        before = low  # astral characters starting strictly before `offset`
        if before and self._astral[before - 1] + (before - 1) + 1 == offset:
            raise ValueError(f"UTF-16 offset {offset} splits a surrogate pair")
        return offset - before
