"""Parse NIF 2.0 requests into `NifContext` records, never touching the network.

Safety: the body is decoded by us (strict UTF-8) and handed to rdflib as a string with a
fixed, inert base IRI, so rdflib never opens a file or URL. rdflib does not follow
owl:imports. Its JSON-LD parser would fetch remote ``@context`` documents, and has no
switch to stop that, so JSON-LD bodies whose contexts reference anything by IRI (or use
``@import``) are refused before rdflib sees them.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from nif.offsets import OffsetMap
from nif.records import NifContext, NifError, NifPhrase
from nif.vocab import NIF

# Media type -> rdflib parser name.
MEDIA_TYPES: dict[str, str] = {
    "application/x-turtle": "turtle",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
# Offset units a request phrase can be read in.
CODE_POINTS = "codepoints"
UTF16 = "utf16"
# Base IRI for relative IRIs in requests: a name only, never dereferenced.
REQUEST_BASE = "http://localhost/nif-request/"
# Some real files (GERBIL's OKE 2015 example) end @prefix lines without the final dot,
# which Jena tolerates; we repair exactly that before a second parse attempt.
_PREFIX_WITHOUT_DOT = re.compile(r"^(\s*@prefix\s+[^\s:]*:\s*<[^>]*>)\s*$", re.MULTILINE)


def media_type_format(content_type: str | None) -> str:
    """rdflib format for a Content-Type header; NifError 415 if unsupported."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        shown = media_type or "none"
        raise NifError(
            415,
            f"unsupported media type {shown!r}; send NIF as one of {', '.join(MEDIA_TYPES)}",
        )
    return MEDIA_TYPES[media_type]


def decode_body(body: bytes) -> str:
    """The body as text (UTF-8, optional BOM); NifError 400 naming the first bad byte."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NifError(
            400, f"request body is not valid UTF-8: byte {error.start} ({error.reason})"
        ) from None


def _context_references(context: Any) -> Iterator[str]:
    """IRIs a JSON-LD ``@context`` value would make a processor dereference: the value
    itself or list items when they are strings, ``@import`` entries, and the same inside
    scoped contexts of term definitions."""
    if isinstance(context, str):
        yield context
    elif isinstance(context, list):
        for item in context:
            yield from _context_references(item)
    elif isinstance(context, dict):
        for key, value in context.items():
            if key == "@import" and isinstance(value, str):
                yield value
            elif isinstance(value, dict) and "@context" in value:
                yield from _context_references(value["@context"])


def _remote_contexts(node: Any) -> Iterator[str]:
    """Remote context references anywhere in a JSON-LD document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield from _context_references(value)
            else:
                yield from _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _remote_contexts(item)


def _check_json_ld(text: str) -> None:
    """NifError 400 for malformed JSON or JSON-LD that would need a remote context."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NifError(400, f"malformed JSON-LD: {error}") from None
    except RecursionError:
        raise NifError(400, "malformed JSON-LD: nested too deeply") from None
    remote = list(_remote_contexts(document))
    if remote:
        raise NifError(
            400,
            "remote JSON-LD contexts are not supported (this server never fetches URLs); "
            f"inline the context instead of referencing {remote[0]!r}",
        )


def parse_graph(text: str, rdf_format: str) -> Graph:
    """Parse `text` in `rdf_format`; NifError 400 with the parser's message if malformed."""
    if rdf_format == "json-ld":
        _check_json_ld(text)
    try:
        return Graph().parse(data=text, format=rdf_format, publicID=REQUEST_BASE)
    except Exception as error:  # rdflib raises many unrelated types for syntax errors
        if rdf_format == "turtle" and _PREFIX_WITHOUT_DOT.search(text):
            repaired = _PREFIX_WITHOUT_DOT.sub(r"\1 .", text)
            try:
                return Graph().parse(data=repaired, format=rdf_format, publicID=REQUEST_BASE)
            except Exception:
                pass
        raise NifError(400, f"malformed {rdf_format} request: {error}") from None


def _single_literal(graph: Graph, subject: URIRef, predicate: URIRef, what: str) -> Literal | None:
    """The one literal value of `predicate`, None if absent; NifError if several/non-literal."""
    values = list(graph.objects(subject, predicate))
    if not values:
        return None
    if len(values) > 1 or not isinstance(values[0], Literal):
        raise NifError(400, f"{what} <{subject}> must have exactly one literal {predicate.n3()}")
    return values[0]


def _index(graph: Graph, subject: URIRef, predicate: URIRef, what: str) -> int:
    """A required non-negative integer offset (any numeric datatype or plain string)."""
    value = _single_literal(graph, subject, predicate, what)
    if value is None:
        raise NifError(400, f"{what} <{subject}> has no {predicate.n3(graph.namespace_manager)}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise NifError(400, f"{what} <{subject}>: {predicate.n3()} {str(value)!r} is not an integer") from None
    if number < 0:
        raise NifError(400, f"{what} <{subject}>: negative offset {number}")
    return number


def resolve_phrase(
    uri: str, text: str, begin: int, end: int, anchor: str | None, unit: str, offsets: OffsetMap
) -> NifPhrase:
    """Check a request phrase against its context and return it in code points.

    With an anchorOf, the unit the client used is detected: the phrase is accepted if the
    anchor matches the text read in the expected `unit` or, failing that, in the other
    unit (clients disagree on what a NIF offset counts). Without one, `unit` is trusted.
    """
    if begin >= end:
        raise NifError(400, f"phrase <{uri}>: beginIndex {begin} is not before endIndex {end}")
    units = [unit, UTF16 if unit == CODE_POINTS else CODE_POINTS]
    readings: list[tuple[int, int]] = []
    for candidate in units:
        try:
            if candidate == UTF16:
                start, stop = offsets.from_utf16(begin), offsets.from_utf16(end)
            else:
                if end > len(text):
                    raise ValueError
                start, stop = begin, end
        except ValueError:
            continue
        if anchor is None or text[start:stop] == anchor:
            return NifPhrase(uri, start, stop, text[start:stop])
        readings.append((start, stop))
        if anchor is None:
            break
    if not readings:
        raise NifError(
            400,
            f"phrase <{uri}>: span {begin},{end} lies outside its context text "
            f"({len(text)} characters)",
        )
    start, stop = readings[0]
    raise NifError(
        400,
        f"phrase <{uri}>: anchorOf {anchor!r} disagrees with the context text at "
        f"{begin},{end} ({text[start:stop]!r})",
    )


def _phrases(graph: Graph, context: URIRef, text: str, unit: str) -> list[NifPhrase]:
    """The context's phrases (sorted, duplicates of the same span merged)."""
    offsets = OffsetMap(text)
    found: dict[tuple[int, int], NifPhrase] = {}
    # A phrase spanning the whole text has the context's own URI, hence no self-skip.
    for subject in set(graph.subjects(NIF.referenceContext, context)):
        begin = _index(graph, subject, NIF.beginIndex, "phrase")
        end = _index(graph, subject, NIF.endIndex, "phrase")
        anchor_literal = _single_literal(graph, subject, NIF.anchorOf, "phrase")
        anchor = None if anchor_literal is None else str(anchor_literal)
        phrase = resolve_phrase(str(subject), text, begin, end, anchor, unit, offsets)
        found.setdefault((phrase.begin, phrase.end), phrase)
    return [found[span] for span in sorted(found)]


def contexts_from_graph(graph: Graph, unit: str = CODE_POINTS) -> list[NifContext]:
    """Every nif:Context of the graph with its text and phrases, sorted by URI."""
    subjects = sorted(set(graph.subjects(RDF.type, NIF.Context)), key=str)
    if not subjects:
        raise NifError(400, "the request contains no resource of type nif:Context")
    contexts: list[NifContext] = []
    for subject in subjects:
        if not isinstance(subject, URIRef):
            raise NifError(400, "a nif:Context is a blank node; contexts need a URI")
        literal = _single_literal(graph, subject, NIF.isString, "context")
        if literal is None:
            raise NifError(400, f"context <{subject}> has no nif:isString (the text to annotate)")
        text = str(literal)
        contexts.append(NifContext(str(subject), text, _phrases(graph, subject, text, unit)))
    return contexts


def parse_request(
    body: bytes, content_type: str | None, unit: str = CODE_POINTS
) -> list[NifContext]:
    """Parse a NIF request body; `unit` is how phrase offsets are read without anchorOf."""
    rdf_format = media_type_format(content_type)
    return contexts_from_graph(parse_graph(decode_body(body), rdf_format), unit)
