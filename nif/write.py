"""Serialise NIF answers: each context echoed, one nif:Phrase per annotation.

Offsets in answers are written in the unit the caller asks for: UTF-16 code units for
GERBIL (its parser uses answer offsets as Java string indices), code points for plain NIF.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from nif.offsets import OffsetMap
from nif.parse import CODE_POINTS, UTF16
from nif.records import Annotation, NifContext
from nif.vocab import DBO, ITSRDF, NIF

# Accept-able answer media types -> rdflib serializer name.
ANSWER_FORMATS: dict[str, str] = {
    "application/x-turtle": "turtle",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}


@dataclass
class AnsweredContext:
    """A request context together with the annotations to answer for it."""

    context: NifContext
    annotations: list[Annotation]


def _offset(value: int) -> Literal:
    return Literal(value, datatype=XSD.nonNegativeInteger)


def phrase_uri(context: NifContext, begin: int, end: int) -> URIRef:
    """``<context-uri-without-fragment>#char=begin,end`` (offsets in the answer's unit)."""
    return URIRef(f"{context.base_uri}#char={begin},{end}")


def _add_context(graph: Graph, answered: AnsweredContext, unit: str) -> None:
    """Triples for one context and its annotations."""
    context = answered.context
    offsets = OffsetMap(context.text)

    def convert(offset: int) -> int:
        return offsets.to_utf16(offset) if unit == UTF16 else offset

    subject = URIRef(context.uri)
    for kind in (NIF.Context, NIF.String, NIF.RFC5147String):
        graph.add((subject, RDF.type, kind))
    graph.add((subject, NIF.isString, Literal(context.text)))
    graph.add((subject, NIF.beginIndex, _offset(0)))
    graph.add((subject, NIF.endIndex, _offset(convert(len(context.text)))))
    for annotation in answered.annotations:
        if not 0 <= annotation.begin < annotation.end <= len(context.text):
            raise ValueError(
                f"annotation {annotation.begin},{annotation.end} outside context "
                f"<{context.uri}> of length {len(context.text)}"
            )
        begin, end = convert(annotation.begin), convert(annotation.end)
        phrase = phrase_uri(context, begin, end)
        graph.add((phrase, RDF.type, NIF.Phrase))
        graph.add((phrase, RDF.type, NIF.String))
        graph.add((phrase, RDF.type, NIF.RFC5147String))
        graph.add((phrase, NIF.referenceContext, subject))
        graph.add((phrase, NIF.beginIndex, _offset(begin)))
        graph.add((phrase, NIF.endIndex, _offset(end)))
        graph.add((phrase, NIF.anchorOf, Literal(context.text[annotation.begin : annotation.end])))
        if annotation.entity_uri is not None:
            graph.add((phrase, ITSRDF.taIdentRef, URIRef(annotation.entity_uri)))
        if annotation.class_uri is not None:
            graph.add((phrase, ITSRDF.taClassRef, URIRef(annotation.class_uri)))
        if annotation.confidence is not None:
            graph.add((phrase, ITSRDF.taConfidence, Literal(float(annotation.confidence), datatype=XSD.double)))


def answer_graph(answers: list[AnsweredContext], unit: str = UTF16) -> Graph:
    """The RDF graph of a whole answer; `unit` is ``utf16`` or ``codepoints``."""
    if unit not in (UTF16, CODE_POINTS):
        raise ValueError(f"unknown offset unit {unit!r}")
    graph = Graph()
    graph.bind("nif", NIF)
    graph.bind("itsrdf", ITSRDF)
    graph.bind("dbo", DBO)
    graph.bind("xsd", XSD)
    for answered in answers:
        _add_context(graph, answered, unit)
    return graph


def serialize_answer(answers: list[AnsweredContext], media_type: str, unit: str = UTF16) -> bytes:
    """The answer as UTF-8 bytes in `media_type` (a key of `ANSWER_FORMATS`)."""
    rdf_format = ANSWER_FORMATS[media_type]
    return answer_graph(answers, unit).serialize(format=rdf_format, encoding="utf-8")


def serialize_request(contexts: list[NifContext], media_type: str = "application/x-turtle") -> bytes:
    """A NIF request as GERBIL writes it: each context, and its phrases (D2KB) with
    anchorOf but no entity, offsets in code points."""
    answers = [
        AnsweredContext(context, [Annotation(p.begin, p.end, None) for p in context.phrases])
        for context in contexts
    ]
    return serialize_answer(answers, media_type, CODE_POINTS)
