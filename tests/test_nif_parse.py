"""Parsing NIF requests: real files from other systems, phrases, offsets, client errors."""
from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from model.settings import data_dir
from nif.parse import CODE_POINTS, parse_request
from nif.records import NifError

DATA_DIR = data_dir()
EXAMPLES = DATA_DIR / "nif-examples"
TURTLE = "application/x-turtle"
PREFIXES = """@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def context_ttl(text: str, uri: str = "http://ex.org/doc#char=0,5", extra: str = "") -> bytes:
    literal = json.dumps(text, ensure_ascii=False)  # a JSON string is a valid Turtle string here
    return (
        PREFIXES
        + f"<{uri}> a nif:Context, nif:String, nif:RFC5147String ; nif:isString {literal} ;"
        + ' nif:beginIndex "0"^^xsd:nonNegativeInteger .\n'
        + extra
    ).encode("utf-8")


def phrase_ttl(begin: int, end: int, anchor: str | None, context: str = "http://ex.org/doc#char=0,5") -> str:
    anchor_part = f" nif:anchorOf {json.dumps(anchor, ensure_ascii=False)} ;" if anchor is not None else ""
    return (
        f"<http://ex.org/phrase#char={begin},{end}> a nif:Phrase ;{anchor_part}"
        f' nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ; nif:endIndex "{end}"^^xsd:nonNegativeInteger ;'
        f" nif:referenceContext <{context}> .\n"
    )


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"NIF examples not found at {EXAMPLES} (set NEREL_DATA_DIR)")
@pytest.mark.parametrize(
    "name, contexts, phrases",
    [
        ("oke2015-task2-example.ttl", 2, 6),  # several contexts, @en literals, @prefix without dots
        ("spotlight-a2kb-response-example.ttl", 3, 9),  # odd class URIs, xsd:string literals
        ("fox-a2kb-response-example.ttl", 3, 9),
    ],
)
def test_real_nif_files_parse(name: str, contexts: int, phrases: int) -> None:
    parsed = parse_request((EXAMPLES / name).read_bytes(), "text/turtle")
    assert len(parsed) == contexts
    assert sum(len(c.phrases) for c in parsed) == phrases
    for context in parsed:
        for phrase in context.phrases:
            assert context.text[phrase.begin : phrase.end] == phrase.anchor


def test_context_without_phrases_is_a2kb() -> None:
    [context] = parse_request(context_ttl("Paris"), TURTLE)
    assert (context.uri, context.text, context.phrases) == ("http://ex.org/doc#char=0,5", "Paris", [])
    assert context.base_uri == "http://ex.org/doc"


def test_phrases_after_emoji_read_as_code_points_or_utf16() -> None:
    text = "😀 Paris"
    # GERBIL's own offsets (code points) ...
    [context] = parse_request(context_ttl(text, extra=phrase_ttl(2, 7, "Paris")), TURTLE)
    assert [(p.begin, p.end) for p in context.phrases] == [(2, 7)]
    # ... and a Java client's UTF-16 offsets are both recognised through anchorOf.
    [context] = parse_request(context_ttl(text, extra=phrase_ttl(3, 8, "Paris")), TURTLE)
    assert [(p.begin, p.end, p.anchor) for p in context.phrases] == [(2, 7, "Paris")]
    # Without anchorOf the configured unit is trusted.
    [context] = parse_request(context_ttl(text, extra=phrase_ttl(2, 7, None)), TURTLE, CODE_POINTS)
    assert [(p.begin, p.end, p.anchor) for p in context.phrases] == [(2, 7, "Paris")]


@pytest.mark.parametrize(
    "body, content_type, status, fragment",
    [
        (b"<a> <b> .", TURTLE, 400, "malformed turtle"),
        (PREFIXES.encode() + b'<http://x/s> nif:anchorOf "x" .', TURTLE, 400, "no resource of type nif:Context"),
        (PREFIXES.encode() + b"<http://x/c> a nif:Context .", TURTLE, 400, "no nif:isString"),
        (b"\xff\xfe<a>", TURTLE, 400, "not valid UTF-8"),
        (b"<a> <b> <c> .", "text/plain", 415, "unsupported media type"),
        (b"<a> <b> <c> .", None, 415, "unsupported media type"),
        (context_ttl("Paris", extra=phrase_ttl(3, 9, None)), TURTLE, 400, "outside its context text"),
        (context_ttl("Paris", extra=phrase_ttl(0, 5, "Rome")), TURTLE, 400, "disagrees with the context text"),
        (context_ttl("Paris", extra=phrase_ttl(4, 2, None)), TURTLE, 400, "is not before endIndex"),
        (b'{"@context": "http://example.org/ctx.jsonld", "@id": "x"}', "application/ld+json", 400, "remote JSON-LD"),
        (b"{not json", "application/ld+json", 400, "malformed JSON-LD"),
        (b"[" * 100_000, "application/ld+json", 400, "malformed JSON-LD"),
        (PREFIXES.encode() + b"<http://x/s> <http://x/p> " + b"(" * 50_000, TURTLE, 400, "malformed turtle"),
    ],
)
def test_client_errors(body: bytes, content_type: str | None, status: int, fragment: str) -> None:
    with pytest.raises(NifError) as raised:
        parse_request(body, content_type)
    assert raised.value.status == status
    assert fragment in raised.value.message


def test_bad_phrase_error_names_the_phrase() -> None:
    with pytest.raises(NifError, match=r"<http://ex.org/phrase#char=0,5>.*'Rome'"):
        parse_request(context_ttl("Paris", extra=phrase_ttl(0, 5, "Rome")), TURTLE)


def test_phrase_spanning_the_whole_text_shares_the_context_uri() -> None:
    whole = 'nif:anchorOf "Paris" ; nif:endIndex "5"^^xsd:nonNegativeInteger ; nif:referenceContext <http://ex.org/doc#char=0,5> .\n'
    [context] = parse_request(context_ttl("Paris", extra="<http://ex.org/doc#char=0,5> " + whole), TURTLE)
    assert [(p.begin, p.end) for p in context.phrases] == [(0, 5)]


def test_n_triples_and_inline_json_ld() -> None:
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    triples = (
        f"<http://ex.org/d#char=0,5> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{nif}Context> .\n"
        f'<http://ex.org/d#char=0,5> <{nif}isString> "Paris" .\n'
    ).encode()
    assert parse_request(triples, "application/n-triples")[0].text == "Paris"
    document = {
        "@context": {"nif": nif},
        "@id": "http://ex.org/d#char=0,5",
        "@type": "nif:Context",
        "nif:isString": "Paris",
    }
    assert parse_request(json.dumps(document).encode(), "application/ld+json")[0].text == "Paris"


def test_remote_context_and_imports_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"outbound connection attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    nested = {"@context": [{"a": "http://a/"}, "http://example.org/remote"], "@id": "x"}
    with pytest.raises(NifError, match="remote JSON-LD"):
        parse_request(json.dumps(nested).encode(), "application/ld+json")
    importing = {"@context": {"@import": "http://example.org/ctx"}, "@id": "x"}
    with pytest.raises(NifError, match="remote JSON-LD"):
        parse_request(json.dumps(importing).encode(), "application/ld+json")
    with_imports = context_ttl("Paris", extra="<http://ex.org/o> <http://www.w3.org/2002/07/owl#imports> <http://example.org/onto> .\n")
    base = b"@base <http://example.org/base/> .\n"
    assert parse_request(base + with_imports, TURTLE)[0].text == "Paris"
