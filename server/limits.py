"""Limits on the model work one request may ask for, checked before the model runs.

The body-size limit (MAX_CONTENT_LENGTH) bounds bytes, not work: a MiB of text keeps the
model busy for minutes and holds gigabytes. The model's time grows with the tokens it
decodes, so a request is refused with 413 (naming the limit) when a document or the whole
request holds too many characters or tokens, or too many D2KB phrases. Characters are
checked first, so the tokenizer (needed to count tokens) only ever sees bounded text.

D2KB phrases that overlap cannot be decoded in one pass: the annotator decodes the whole
text once per overlap layer, so a context's tokens are counted once per layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from model.tokenizer import tokenize
from server.config import ENV_PREFIX
from server.errors import ClientError

Span = tuple[int, int]


@dataclass(frozen=True)
class WorkLimits:
    """The MAX_* work limits of `server.config`."""

    document_chars: int
    request_chars: int
    document_tokens: int
    request_tokens: int
    request_phrases: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "WorkLimits":
        return cls(
            config["MAX_DOCUMENT_CHARS"],
            config["MAX_REQUEST_CHARS"],
            config["MAX_DOCUMENT_TOKENS"],
            config["MAX_REQUEST_TOKENS"],
            config["MAX_REQUEST_PHRASES"],
        )


@dataclass(frozen=True)
class WorkItem:
    """One document of a request: a label for messages, its text, its D2KB spans (None: A2KB)."""

    label: str
    text: str
    spans: Sequence[Span] | None = None


def overlap_layers(spans: Sequence[Span]) -> int:
    """How many passes non-overlapping span groups need: the deepest point of overlap (1 if none)."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans], key=lambda e: (e[0], e[1]))
    depth = deepest = 0
    for _, step in events:
        depth += step
        deepest = max(deepest, depth)
    return max(deepest, 1)


def too_much(what: str, amount: int, limit: int, key: str) -> ClientError:
    return ClientError(413, f"{what}: {amount} is over the limit of {limit} ({key}; the server's "
                            f"{ENV_PREFIX}_{key} variable sets it)")


def check_work(items: Sequence[WorkItem], limits: WorkLimits) -> None:
    """Raise 413 if any document or the request as a whole asks for more work than `limits`."""
    phrases = sum(len(item.spans or ()) for item in items)
    if phrases > limits.request_phrases:
        raise too_much("phrases in the request", phrases, limits.request_phrases, "MAX_REQUEST_PHRASES")
    for item in items:
        if len(item.text) > limits.document_chars:
            raise too_much(f"characters in {item.label}", len(item.text), limits.document_chars, "MAX_DOCUMENT_CHARS")
    chars = sum(len(item.text) for item in items)
    if chars > limits.request_chars:
        raise too_much("characters in the request", chars, limits.request_chars, "MAX_REQUEST_CHARS")
    total_tokens = 0
    for item in items:
        tokens = sum(len(sentence) for sentence in tokenize(item.text))
        layers = overlap_layers(item.spans) if item.spans else 1
        if tokens * layers > limits.document_tokens:
            what = f"tokens in {item.label}" + (f" (x{layers}: its phrases overlap {layers} deep)" if layers > 1 else "")
            raise too_much(what, tokens * layers, limits.document_tokens, "MAX_DOCUMENT_TOKENS")
        total_tokens += tokens * layers
    if total_tokens > limits.request_tokens:
        raise too_much("tokens in the request", total_tokens, limits.request_tokens, "MAX_REQUEST_TOKENS")
