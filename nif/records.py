"""Records exchanged between the NIF layer and the server, and the layer's error type.

All offsets in these records are Python string indices (Unicode code points) into the
context text; converting to/from UTF-16 units happens only at the RDF boundary.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class NifError(Exception):
    """A problem with a client's NIF document; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class NifPhrase:
    """A nif:Phrase of a request (D2KB): a span the client wants linked."""

    uri: str
    begin: int
    end: int
    anchor: str


@dataclass
class NifContext:
    """A nif:Context of a request: its URI, text and the phrases that refer to it."""

    uri: str
    text: str
    phrases: list[NifPhrase] = field(default_factory=list)

    @property
    def base_uri(self) -> str:
        """The context URI without its fragment, to which ``#char=b,e`` is appended."""
        return self.uri.split("#", 1)[0]


@dataclass(frozen=True)
class Annotation:
    """One answer phrase: code-point span, entity URI (None = leave taIdentRef out),
    class URI (None = no taClassRef) and confidence (None = no taConfidence)."""

    begin: int
    end: int
    entity_uri: str | None
    class_uri: str | None = None
    confidence: float | None = None
