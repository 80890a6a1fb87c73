"""Writing NIF answers: echoed contexts, phrase URIs, offset units, entity URIs."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from nif.answers import read_answer
from nif.offsets import OffsetMap
from nif.parse import CODE_POINTS, UTF16, parse_request
from nif.records import Annotation, NifContext
from nif.uris import emerging_uri, entity_uri, title_from_uri
from nif.vocab import DBO, ITSRDF, NIF
from nif.write import AnsweredContext, serialize_answer

TEXT = "😀😀 Paris, 👍🏽 Zürich"  # two astral emoji before the first mention
CONTEXT = NifContext("http://ex.org/doc#char=0,17", TEXT)
PARIS = (3, 8)
ZURICH = (13, 19)


def answer(unit: str, media_type: str = "application/x-turtle") -> bytes:
    annotations = [
        Annotation(*PARIS, entity_uri("Paris"), str(DBO.Place), 0.75),
        Annotation(*ZURICH, entity_uri("Zürich", "dbpedia"), None, None),
    ]
    return serialize_answer([AnsweredContext(CONTEXT, annotations)], media_type, unit)


def test_context_is_echoed_with_types_text_and_length() -> None:
    graph = Graph().parse(data=answer(CODE_POINTS).decode(), format="turtle")
    subject = URIRef(CONTEXT.uri)
    assert {NIF.Context, NIF.String, NIF.RFC5147String} <= set(graph.objects(subject, RDF.type))
    assert graph.value(subject, NIF.isString) == Literal(TEXT)
    assert graph.value(subject, NIF.endIndex) == Literal(len(TEXT), datatype=XSD.nonNegativeInteger)
    # The echoed context parses back as a request (no phrases: none reference it as such
    # with a mismatching anchor).
    [context] = parse_request(answer(CODE_POINTS), "text/turtle")
    assert context.text == TEXT


@pytest.mark.parametrize("unit", [CODE_POINTS, UTF16])
def test_phrase_offsets_and_uris_in_each_unit(unit: str) -> None:
    offsets = OffsetMap(TEXT)
    convert = offsets.to_utf16 if unit == UTF16 else (lambda value: value)
    phrases = read_answer(answer(unit), "text/turtle")
    assert [(p.begin, p.end) for p in phrases] == [
        (convert(PARIS[0]), convert(PARIS[1])),
        (convert(ZURICH[0]), convert(ZURICH[1])),
    ]
    assert [p.anchor for p in phrases] == ["Paris", "Zürich"]
    assert phrases[0].entity_uris == ("http://en.wikipedia.org/wiki/Paris",)
    assert phrases[1].entity_uris == ("http://dbpedia.org/resource/Z%C3%BCrich",)
    assert phrases[0].confidence == 0.75 and phrases[1].confidence is None
    graph = Graph().parse(data=answer(unit).decode(), format="turtle")
    paris = URIRef(f"http://ex.org/doc#char={convert(PARIS[0])},{convert(PARIS[1])}")
    assert graph.value(paris, NIF.referenceContext) == URIRef(CONTEXT.uri)
    assert graph.value(paris, ITSRDF.taClassRef) == DBO.Place
    assert (paris, RDF.type, NIF.Phrase) in graph
    if unit == UTF16:  # what Java's String.substring sees at those indices
        utf16 = TEXT.encode("utf-16-le")
        begin, end = convert(PARIS[0]), convert(PARIS[1])
        assert utf16[2 * begin : 2 * end].decode("utf-16-le") == "Paris"


def test_n_triples_answer() -> None:
    body = answer(UTF16, "application/n-triples")
    assert b"@prefix" not in body
    assert [p.anchor for p in read_answer(body, "application/n-triples")] == ["Paris", "Zürich"]


def test_annotation_outside_text_is_a_bug() -> None:
    with pytest.raises(ValueError):
        serialize_answer(
            [AnsweredContext(CONTEXT, [Annotation(0, 99, entity_uri("Paris"))])], "text/turtle"
        )


@pytest.mark.parametrize(
    "title, uri",
    [
        ("Eu,_Seine-Maritime", "http://en.wikipedia.org/wiki/Eu,_Seine-Maritime"),
        ("Guns N' Roses", "http://en.wikipedia.org/wiki/Guns_N'_Roses"),
        ('"Weird_Al"_Yankovic', "http://en.wikipedia.org/wiki/%22Weird_Al%22_Yankovic"),
        ("Paris_(mythology)", "http://en.wikipedia.org/wiki/Paris_(mythology)"),
        ("São_Paulo", "http://en.wikipedia.org/wiki/S%C3%A3o_Paulo"),
        ("100%_Hits", "http://en.wikipedia.org/wiki/100%25_Hits"),
        ("C#", "http://en.wikipedia.org/wiki/C%23"),
    ],
)
def test_entity_uris_are_percent_encoded_and_reversible(title: str, uri: str) -> None:
    assert entity_uri(title) == uri
    assert title_from_uri(uri) == title.replace(" ", "_")
    assert title_from_uri(entity_uri(title, "dbpedia")) == title.replace(" ", "_")


def test_emerging_uris_are_not_titles() -> None:
    uri = emerging_uri("Jo Smith")
    assert uri == "http://aksw.org/notInWiki/Jo_Smith"
    assert title_from_uri(uri) is None
    with pytest.raises(ValueError):
        entity_uri("Paris", "wikidata")


def test_offset_map_rejects_split_surrogates() -> None:
    offsets = OffsetMap(TEXT)
    assert offsets.utf16_length == len(TEXT.encode("utf-16-le")) // 2
    with pytest.raises(ValueError, match="surrogate"):
        offsets.from_utf16(1)
