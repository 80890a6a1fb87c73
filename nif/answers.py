"""Read NIF answers the way GERBIL does: raw phrase offsets, anchors and entity URIs.

Unlike `nif.parse` (which validates requests), nothing is checked here: a client scoring an
annotator needs to see exactly what was answered, including offsets that do not match.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef

from nif.parse import decode_body, media_type_format, parse_graph
from nif.vocab import ITSRDF, NIF


@dataclass(frozen=True)
class AnswerPhrase:
    """One answered phrase, offsets as written in the answer (unit not interpreted)."""

    context_uri: str
    begin: int
    end: int
    anchor: str | None
    entity_uris: tuple[str, ...]
    confidence: float | None


def _literal(value: object) -> str | None:
    return str(value) if isinstance(value, Literal) else None


def read_answer(body: bytes, content_type: str | None) -> list[AnswerPhrase]:
    """Every phrase of an answer that has a referenceContext and both offsets, sorted."""
    graph = parse_graph(decode_body(body), media_type_format(content_type))
    phrases: list[AnswerPhrase] = []
    for subject, context in graph.subject_objects(NIF.referenceContext):
        begin = _literal(graph.value(subject, NIF.beginIndex))
        end = _literal(graph.value(subject, NIF.endIndex))
        if begin is None or end is None or not isinstance(context, URIRef):
            continue
        confidence = _literal(graph.value(subject, ITSRDF.taConfidence))
        phrases.append(
            AnswerPhrase(
                str(context),
                int(begin),
                int(end),
                _literal(graph.value(subject, NIF.anchorOf)),
                tuple(sorted(str(uri) for uri in graph.objects(subject, ITSRDF.taIdentRef))),
                None if confidence is None else float(confidence),
            )
        )
    return sorted(phrases, key=lambda p: (p.context_uri, p.begin, p.end))
