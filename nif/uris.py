"""Entity URIs for Wikipedia titles: building them for answers, reading them back.

Titles arrive in URL form with underscores and unescaped Unicode
(``"Eu,_Seine-Maritime"``, ``"Zürich"``). URIs are percent-encoded like MediaWiki's
canonical page URLs: UTF-8 percent-escapes for non-ASCII, spaces as underscores, and
``% " # ? < > \\ ^ ` { | }`` escaped (they are illegal in IRIs or would change the URI's
meaning), while the sub-delimiters Wikipedia leaves readable (``, ( ) ' ! : ; @ & = + $ *``)
stay as they are. GERBIL normalises encoded/decoded variants when matching, so either form
scores; this one is also valid in Turtle and N-Triples without further escaping.
"""
from __future__ import annotations

from urllib.parse import quote, unquote

from nif.vocab import DBPEDIA_PREFIX, EMERGING_PREFIX, WIKIPEDIA_PREFIX

URI_STYLES: dict[str, str] = {"wikipedia": WIKIPEDIA_PREFIX, "dbpedia": DBPEDIA_PREFIX}
_SAFE = "!$&'()*+,-./:;=@_~"
# Prefixes recognised when reading a URI back into a title (both schemes, both sites).
_KNOWN_PREFIXES: tuple[str, ...] = (
    WIKIPEDIA_PREFIX,
    "https://en.wikipedia.org/wiki/",
    DBPEDIA_PREFIX,
    "https://dbpedia.org/resource/",
)


def encode_title(title: str) -> str:
    """Percent-encode a page title (spaces become underscores first)."""
    return quote(title.replace(" ", "_"), safe=_SAFE)


def entity_uri(title: str, style: str = "wikipedia") -> str:
    """URI of a Wikipedia title in the given style (``wikipedia`` or ``dbpedia``)."""
    if style not in URI_STYLES:
        raise ValueError(f"unknown URI style {style!r}; expected one of {sorted(URI_STYLES)}")
    if not title:
        raise ValueError("empty entity title")
    return URI_STYLES[style] + encode_title(title)


def emerging_uri(surface: str) -> str:
    """An emerging-entity URI for a NIL mention, which GERBIL counts as not in the KB."""
    return EMERGING_PREFIX + encode_title(surface.strip() or "_")


def title_from_uri(uri: str) -> str | None:
    """The title a Wikipedia/DBpedia URI names (decoded, underscores), None for any other
    URI (emerging entities, other knowledge bases)."""
    for prefix in _KNOWN_PREFIXES:
        if uri.startswith(prefix):
            title = unquote(uri[len(prefix) :]).replace(" ", "_")
            return title or None
    return None
