"""The spans a caller gives (D2KB, `model.annotator.Annotator.link`) as token ranges: tokens
split at the spans' edges, sentences a span crosses merged, overlapping spans in layers of
their own."""
from __future__ import annotations

from typing import Sequence

from model.annotation import Token


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace (tokens never include whitespace)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def non_overlapping_layers(spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Span indices grouped so that no two spans of a group overlap."""
    layers: list[list[int]] = []
    ends: list[int] = []
    for i in sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1])):
        start, end = spans[i]
        for layer, last_end in enumerate(ends):
            if start >= last_end:
                layers[layer].append(i)
                ends[layer] = end
                break
        else:
            layers.append([i])
            ends.append(end)
    return layers


def align_to_spans(sentences: list[list[Token]], spans: list[tuple[int, int]], text: str) -> list[list[Token]]:
    """Split tokens at span edges and merge sentences that a span crosses."""
    edges = {edge for s, e in spans for edge in trimmed(text, s, e)}
    split: list[list[Token]] = []
    for sentence in sentences:
        pieces = []
        for token in sentence:
            cuts = sorted(e for e in edges if token.start < e < token.end)
            bounds = [token.start] + cuts + [token.end]
            pieces.extend(Token(text[a:b], a, b) for a, b in zip(bounds, bounds[1:]))
        split.append(pieces)
    merged: list[list[Token]] = []
    for sentence in split:
        if merged and any(s < merged[-1][-1].end and e > sentence[0].start
                          for s, e in (trimmed(text, *sp) for sp in spans) if s < e):
            merged[-1].extend(sentence)
        else:
            merged.append(sentence)
    return merged


def token_spans(sentence: list[Token], wanted: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """Token index ranges of the wanted character spans that lie in this sentence."""
    starts = {t.start: i for i, t in enumerate(sentence)}
    ends = {t.end: i + 1 for i, t in enumerate(sentence)}
    return [(starts[s], ends[e]) for s, e in wanted if s in starts and e in ends and s < e]
