"""Flask app through its test client: NIF A2KB/D2KB, JSON, options, every client error."""
from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request

import pytest
from flask.testing import FlaskClient

from nif.answers import read_answer
from server.app import create_app
from server.config import ENVIRONMENT, ConfigError, resolve_config
from tests.fake_annotator import BrokenAnnotator, FakeAnnotator, GatedAnnotator, OutOfRangeAnnotator

TURTLE = "application/x-turtle"
PREFIXES = (
    "@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)
TEXT = "😀 Angela Merkel met someone in Paris."  # emoji: 1 code point, 2 UTF-16 units
CONTEXT_URI = "http://www.aksw.org/gerbil/NifWebService/request_0#char=0,38"


def request_ttl(text: str = TEXT, phrases: list[tuple[int, int, str]] = (), uri: str = CONTEXT_URI) -> bytes:
    lines = [
        PREFIXES,
        f"<{uri}> a nif:Context, nif:String, nif:RFC5147String ;",
        f"  nif:isString {json.dumps(text, ensure_ascii=False)} ;",
        f'  nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "{len(text)}"^^xsd:nonNegativeInteger .',
    ]
    base = uri.split("#")[0]
    for begin, end, anchor in phrases:
        lines.append(
            f"<{base}#char={begin},{end}> a nif:Phrase, nif:String, nif:RFC5147String ;"
            f" nif:referenceContext <{uri}> ; nif:anchorOf {json.dumps(anchor, ensure_ascii=False)} ;"
            f' nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ; nif:endIndex "{end}"^^xsd:nonNegativeInteger .'
        )
    return "\n".join(lines).encode("utf-8")


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server settings must come from the test, not from the developer's shell."""
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture()
def annotator() -> FakeAnnotator:
    return FakeAnnotator()


@pytest.fixture()
def client(annotator: FakeAnnotator) -> FlaskClient:
    return create_app({"ANNOTATOR": annotator, "MAX_CONTENT_LENGTH": 20_000}).test_client()


def post_nif(client: FlaskClient, body: bytes, query: str = "", **headers: str):
    headers = {"Content-Type": f"{TURTLE};charset=UTF-8", "Accept": TURTLE, **headers}
    return client.post(f"/gerbil{query}", data=body, headers=headers)


def spans(response) -> list[tuple[int, int, str | None, tuple[str, ...]]]:
    return [(p.begin, p.end, p.anchor, p.entity_uris) for p in read_answer(response.data, response.content_type)]


def test_describe_and_health(client: FlaskClient) -> None:
    description = client.get("/").get_json()
    assert "POST /annotate" in description["endpoints"]
    assert description["defaults"] == {"offsets": "gerbil", "uris": "wikipedia", "nil": "omit"}
    health = client.get("/health")
    assert health.status_code == 200 and health.get_json() == {"status": "ready"}


def test_a2kb_gerbil_mode_answers_utf16_offsets(client: FlaskClient) -> None:
    response = post_nif(client, request_ttl())
    assert response.status_code == 200, response.data
    assert response.content_type.startswith(TURTLE)
    # Code points 2..15 and 31..36 become UTF-16 3..16 and 32..37; NIL "someone"... is
    # lowercase, so only linked mentions appear.
    assert spans(response) == [
        (3, 16, "Angela Merkel", ("http://en.wikipedia.org/wiki/Angela_Merkel",)),
        (32, 37, "Paris", ("http://en.wikipedia.org/wiki/Paris",)),
    ]


def test_a2kb_nif_mode_and_dbpedia_uris(client: FlaskClient) -> None:
    response = post_nif(client, request_ttl(), "?offsets=nif&uris=dbpedia")
    assert spans(response) == [
        (2, 15, "Angela Merkel", ("http://dbpedia.org/resource/Angela_Merkel",)),
        (31, 36, "Paris", ("http://dbpedia.org/resource/Paris",)),
    ]


@pytest.mark.parametrize("query, expected_begin", [("", 32), ("?offsets=nif", 31)])
def test_d2kb_answers_exactly_the_given_phrases(client: FlaskClient, annotator: FakeAnnotator, query: str, expected_begin: int) -> None:
    phrases = [(31, 36, "Paris"), (20, 27, "someone")]  # code points, as GERBIL writes them
    response = post_nif(client, request_ttl(phrases=phrases), query + ("&" if query else "?") + "nil=emerging")
    assert response.status_code == 200, response.data
    assert annotator.calls == [("link", TEXT)]
    shift = expected_begin - 31
    assert spans(response) == [
        (20 + shift, 27 + shift, "someone", ("http://aksw.org/notInWiki/someone",)),
        (31 + shift, 36 + shift, "Paris", ("http://en.wikipedia.org/wiki/Paris",)),
    ]


def test_nil_mentions_omitted_by_default_and_several_contexts(client: FlaskClient) -> None:
    other = "http://ex.org/second#char=0,11"
    body = request_ttl() + b"\n" + request_ttl("Then Eu won", uri=other).split(b"\n", 2)[2]
    response = post_nif(client, body)
    answered = read_answer(response.data, response.content_type)
    assert {p.context_uri for p in answered} == {CONTEXT_URI}  # "Then Eu" is NIL: left out
    emerging = post_nif(client, body, "?nil=emerging")
    assert [p.entity_uris for p in read_answer(emerging.data, TURTLE) if p.context_uri == other] == [
        ("http://aksw.org/notInWiki/Then_Eu",)
    ]


def test_n_triples_on_request(client: FlaskClient) -> None:
    response = post_nif(client, request_ttl(), Accept="application/n-triples")
    assert response.content_type.startswith("application/n-triples")
    assert len(spans(response)) == 2


def test_json_annotate_and_link(client: FlaskClient) -> None:
    response = client.post("/annotate", json={"text": TEXT})
    payload = response.get_json()
    assert payload["task"] == "a2kb" and payload["offsets"] == "codepoints"
    first = payload["mentions"][0]
    assert (first["start"], first["end"], first["surface"], first["type"]) == (2, 15, "Angela Merkel", "PER")
    assert first["uri"] == "http://en.wikipedia.org/wiki/Angela_Merkel" and first["el_score"] == 0.8
    linked = client.post("/annotate?uris=dbpedia", json={"text": TEXT, "spans": [[31, 36], [20, 27]]}).get_json()
    assert linked["task"] == "d2kb"
    assert [(m["start"], m["entity"], m["uri"]) for m in linked["mentions"]] == [
        (31, "Paris", "http://dbpedia.org/resource/Paris"),
        (20, None, None),
    ]


@pytest.mark.parametrize(
    "path, body, content_type, status, fragment",
    [
        ("/gerbil", b"<a> <b> .", TURTLE, 400, "malformed turtle"),
        ("/gerbil", b"\xc3\x28 bad", TURTLE, 400, "not valid UTF-8"),
        ("/gerbil", PREFIXES.encode(), TURTLE, 400, "no resource of type nif:Context"),
        ("/", PREFIXES.encode() + b"<http://x/c> a nif:Context .", TURTLE, 400, "no nif:isString"),
        ("/gerbil", b"text=Paris", "application/x-www-form-urlencoded", 415, "unsupported media type"),
        ("/gerbil", request_ttl(phrases=[(31, 36, "Rome")]), TURTLE, 400, "anchorOf 'Rome' disagrees"),
        ("/gerbil", request_ttl(phrases=[(31, 99, "Paris")]), TURTLE, 400, "outside its context text"),
        ("/gerbil?offsets=bytes", request_ttl(), TURTLE, 400, "offsets='bytes'"),
        ("/gerbil", b"x" * 30_000, TURTLE, 413, "too large"),
        ("/annotate", b'{"text": ', "application/json", 400, "malformed JSON"),
        ("/annotate", b'{"txt": "Paris"}', "application/json", 400, "'text'"),
        ("/annotate", b'["Paris"]', "application/json", 400, "must be an object"),
        ("/annotate", b'{"text": "Paris", "spans": [[0, 9]]}', "application/json", 400, "spans[0] = [0, 9]"),
        ("/annotate", b'{"text": "Paris", "spans": [[0, "5"]]}', "application/json", 400, "spans[0] must be"),
        ("/annotate", b'{"text": "Paris", "spans": [[3, 3]]}', "application/json", 400, "non-empty span"),
        ("/annotate", b"\xff", "application/json", 400, "not valid UTF-8"),
        ("/annotate", b"text", "text/plain", 415, "application/json"),
    ],
)
def test_client_errors_have_status_and_message(
    client: FlaskClient, path: str, body: bytes, content_type: str, status: int, fragment: str
) -> None:
    response = client.post(path, data=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.data
    payload = response.get_json()
    assert fragment in payload["error"] and payload["status"] == status
    assert response.headers["X-Request-Id"] == payload["request_id"]


def test_wrong_method_and_unacceptable_accept(client: FlaskClient) -> None:
    assert client.get("/annotate").status_code == 405
    response = post_nif(client, request_ttl(), Accept="application/pdf")
    assert response.status_code == 406 and "available" in response.get_json()["error"]


def test_model_failure_is_a_logged_500_with_request_id(caplog: pytest.LogCaptureFixture) -> None:
    client = create_app({"ANNOTATOR": BrokenAnnotator()}).test_client()
    with caplog.at_level(logging.ERROR):
        response = client.post("/annotate", json={"text": "Paris"}, headers={"X-Request-Id": "abc-123"})
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "abc-123"
    assert "abc-123" in response.get_json()["error"]
    assert any("abc-123" in record.getMessage() for record in caplog.records)


def test_health_is_503_until_background_load_finishes() -> None:
    GatedAnnotator.gate.clear()
    app = create_app({"ANNOTATOR_FACTORY": "tests.fake_annotator:GatedAnnotator", "EAGER_LOAD": False})
    client = app.test_client()
    assert client.get("/health").status_code == 503
    busy = client.post("/annotate", json={"text": "Paris"})
    assert busy.status_code == 503 and "loading" in busy.get_json()["error"]
    assert busy.headers["Retry-After"]
    GatedAnnotator.gate.set()
    for _ in range(200):
        if client.get("/health").status_code == 200:
            break
        threading.Event().wait(0.02)
    assert client.get("/health").status_code == 200
    assert client.post("/annotate", json={"text": "Paris"}).status_code == 200


def test_annotator_breaking_its_contract_is_a_500() -> None:
    client = create_app({"ANNOTATOR": OutOfRangeAnnotator()}).test_client()
    response = client.post("/annotate", json={"text": "Paris"})
    assert response.status_code == 500 and "internal server error" in response.get_json()["error"]


def test_failed_background_load_reported_by_health(tmp_path) -> None:
    app = create_app({"MODEL_PATH": str(tmp_path / "missing.pt"), "EAGER_LOAD": False})
    client = app.test_client()
    for _ in range(100):
        payload = client.get("/health").get_json()
        if payload["status"] == "failed":
            break
        threading.Event().wait(0.02)
    assert payload["status"] == "failed" and "python -m scripts.train" in payload["error"]


def test_json_ld_remote_context_causes_no_connection(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"outbound connection attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    document = {
        "@context": "http://127.0.0.1:9/never-contacted.jsonld",
        "@id": CONTEXT_URI,
        "@type": "nif:Context",
        "nif:isString": "Paris",
    }
    response = client.post("/gerbil", data=json.dumps(document), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400 and "remote JSON-LD" in response.get_json()["error"]


def test_json_ld_inline_context_is_annotated(client: FlaskClient) -> None:
    document = {
        "@context": {"nif": "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"},
        "@id": CONTEXT_URI,
        "@type": "nif:Context",
        "nif:isString": TEXT,
    }
    response = client.post("/gerbil", data=json.dumps(document), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 200, response.data
    assert [s[2] for s in spans(response)] == ["Angela Merkel", "Paris"]


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ConfigError, match="OFFSET_MODE"):
        create_app({"ANNOTATOR": FakeAnnotator(), "OFFSET_MODE": "bytes"})
    with pytest.raises(ConfigError, match="NEREL_MAX_CONTENT_LENGTH"):
        resolve_config(environ={"NEREL_MAX_CONTENT_LENGTH": "lots"})
    assert resolve_config(environ={"NEREL_NIL_MODE": "emerging", "NEREL_EAGER_LOAD": "0"})["EAGER_LOAD"] is False
